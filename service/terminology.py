"""The code maps and the project's own CodeSystem, loaded once from ``mappings/``.

``mappings/terminology.yaml`` says which code the service uses for what (verified standard codes
only; see shared/design/TERMINOLOGY.md), ``mappings/codesystem.yaml`` holds the project's own
codes. Everything here is read on first use and cached: no file I/O per request.

The canonical base of what the project defines is ``ENRICHER_CANONICAL_BASE`` when set (checked at
start-up by ``service.config``), else terminology.yaml's default; map URLs that do not start with
``http`` are relative to it. ``reload()`` forgets what was loaded (for tests that change the base).

Public: ``canonical_base()``, ``code_systems()`` (CodeSystem resources keyed by id),
``terminology()`` (the loaded maps), ``engine_version()`` / ``mappings_digest()`` (what the
Provenance Device reports) and ``finding_labels(bundle)`` (finding type and assertion of each
Observation in a Bundle, for metrics).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache, cached_property

import yaml

from service import __version__
from service.locations import mappings_dir

MAPPINGS_DIR = mappings_dir()


@dataclass(frozen=True)
class Terminology:
    """The loaded maps: ``raw`` is terminology.yaml; ``local_system`` the own CodeSystem's URL."""

    raw: dict
    local_system: str
    local_codes: frozenset[str]
    canonical_base: str = ""

    def system(self, name: str) -> str:
        return self.local_system if name == "local" else self.raw["systems"][name]

    def coding(self, spec: dict) -> dict:
        """A Coding from a map entry ``{system, code, display}`` (system is a key of ``systems``)."""
        coding = {"system": self.system(spec["system"])}
        if spec.get("version"):  # an edition other than the International one (a US-extension code)
            coding["version"] = spec["version"]
        coding["code"] = spec["code"]
        if spec.get("display"):
            coding["display"] = spec["display"]
        return coding

    def local(self, code: str) -> dict:
        """A Coding of the project's own CodeSystem, with its display."""
        if code not in self.local_codes:
            raise KeyError(f"{code!r} is not a code of the project's CodeSystem")
        return {"system": self.local_system, "code": code, "display": _local_displays()[code]}

    def url(self, name: str) -> str:
        """A URL of the maps: absolute as written, or relative to the canonical base."""
        return _absolute(self.raw[name], self.canonical_base)

    extension_url = url

    @cached_property
    def finding_types(self) -> dict[str, str]:
        """The finding type of each local finding code (``finding_labels``)."""
        return {spec["local"]: name for name, spec in self.raw["finding_codes"].items()}

    @cached_property
    def presence_names(self) -> dict[str, str]:
        """The assertion name of each presence code (``finding_labels``)."""
        return {spec["code"]: name for name, spec in self.raw["presence"].items()}


@cache
def terminology() -> Terminology:
    raw = _load("terminology.yaml")
    system = code_system_resource()
    return Terminology(raw, system["url"], frozenset(concept["code"] for concept in system["concept"]),
                       configured_base())


def canonical_base() -> str:
    return terminology().canonical_base


def configured_base(environ=None) -> str:
    """``ENRICHER_CANONICAL_BASE`` without a trailing slash, else the maps' default."""
    env = os.environ if environ is None else environ
    return ((env.get("ENRICHER_CANONICAL_BASE") or "").strip() or _load("terminology.yaml")["canonical_base"]).rstrip("/")


def reload() -> None:
    """Forget the loaded maps and base (they are read again on next use)."""
    terminology.cache_clear()
    code_system_resource.cache_clear()
    _local_displays.cache_clear()


@cache
def code_system_resource() -> dict:
    """The project's CodeSystem as a FHIR resource (flat concept list, groups dropped)."""
    data = _load("codesystem.yaml")
    base = configured_base()
    concepts = []
    for group in data["groups"]:
        for concept in group["concepts"]:
            entry = {"code": concept["code"], "display": concept["display"]}
            if concept.get("definition"):
                entry["definition"] = concept["definition"]
            concepts.append(entry)
    codes = [concept["code"] for concept in concepts]
    if len(codes) != len(set(codes)):
        raise ValueError("codesystem.yaml repeats a code")
    return {
        "resourceType": "CodeSystem",
        "id": data["id"],
        "url": f"{base}/CodeSystem/{data['id']}",
        "version": __version__,
        "name": data["name"],
        "title": data["title"],
        "status": data["status"],
        "experimental": data["experimental"],
        "publisher": data["publisher"],
        "description": data["description"],
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": concepts,
    }


def code_systems() -> dict[str, dict]:
    """Every CodeSystem of the project's own that the service emits codes from, keyed by id."""
    resource = code_system_resource()
    return {resource["id"]: resource}


@cache
def _local_displays() -> dict[str, str]:
    return {concept["code"]: concept["display"] for concept in code_system_resource()["concept"]}


@cache
def mappings_digest() -> str:
    """sha256 over every file under mappings/ (relative path and bytes, in path order)."""
    digest = hashlib.sha256()
    files = (p for p in MAPPINGS_DIR.rglob("*") if p.is_file() and not p.name.startswith("."))
    for path in sorted(files):
        digest.update(path.relative_to(MAPPINGS_DIR).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def engine_version() -> str:
    """Package version plus the first 12 hex digits of the mappings' digest, e.g. ``0.1.0+m.3fa2...``."""
    return f"{__version__}+mappings.{mappings_digest()[:12]}"


def finding_labels(bundle: dict) -> list[tuple[str, str]]:
    """(finding type, assertion) of each Observation the service put in ``bundle``."""
    terms = terminology()
    by_local_code = terms.finding_types
    local_system = terms.local_system
    labels = []
    for entry in bundle.get("entry", []):
        resource = entry.get("resource", {})
        if resource.get("resourceType") != "Observation":
            continue
        kind = next((by_local_code[c["code"]] for c in resource.get("code", {}).get("coding", [])
                     if c.get("system") == local_system and c.get("code") in by_local_code), None)
        if kind is not None:
            labels.append((kind, _assertion_of(resource, local_system, terms.presence_names)))
    return labels


def _assertion_of(observation: dict, local_system: str, by_code: dict[str, str]) -> str:
    # Plain loops: this runs for every Observation of every answer (the metrics), generators cost more here.
    for component in observation.get("component", []):
        for c in component.get("code", {}).get("coding", []):
            if c.get("code") == "assertion" and c.get("system") == local_system:
                for coding in component.get("valueCodeableConcept", {}).get("coding", []):
                    if coding.get("code") in by_code:
                        return by_code[coding["code"]]
                break
    return "present"


def _absolute(url: str, base: str) -> str:
    return url if url.startswith(("http://", "https://", "urn:")) else f"{base}/{url}"


def _load(name: str) -> dict:
    with open(MAPPINGS_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


__all__ = [
    "MAPPINGS_DIR", "Terminology", "terminology", "canonical_base", "configured_base", "reload", "code_systems", "code_system_resource",
    "mappings_digest", "engine_version", "finding_labels",
]
