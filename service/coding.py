"""Finding -> FHIR Observation (a plain dict), coded so that ``code`` and ``value`` alone read right.

Codes come from ``service.terminology`` (``mappings/terminology.yaml``): verified standard codes
only where they mean exactly this finding, the project's own CodeSystem otherwise, a display on
every coding and ``text`` always. The Observation is labelled AIAST and points back at the words it
came from with the core ``derivation-reference`` extension. Why this layout: mappings/TERMINOLOGY.md.

Layout of one Observation (a question and its answer):
- ``code``: what was assessed: the finding type (local code); a verified SNOMED CT disorder beside it
  only when the report states the finding as present (and, for a nerve root, at the compression
  rung): a hedged or denied finding never carries a disorder code;
- ``valueCodeableConcept``: the answer: Present (52101004), Possible (local) or Absent (2667000);
- ``bodySite``: text always; nerve root structure (secondary) for roots, the disc at the level
  for stenosis;
- ``component``: the rung (nerve root), the severity (its text the report's own grade words when the
  engine kept them), laterality, level, zone, root role, each cause, the named root, the inferred root
  (its own code says it is inferred), and the assertion with the words that decided it.
"""

from __future__ import annotations

import uuid
from collections import Counter

from service.extract.finding import Finding
from service.fhir.io import copy_json
from service.fhir.text import SourceSpan
from service.ids import uuid5_text
from service.terminology import Terminology, terminology

# The report elements an Observation inherits, in the order they appear in an Observation.
_INHERITED_TIMES = ("effectiveDateTime", "effectivePeriod", "effectiveInstant", "effectiveTiming", "issued")


def finding_keys(findings: list[Finding]) -> list[str]:
    """A stable key per finding: FORMAT.md's identity plus the level, numbered when repeated."""
    keys = []
    seen: Counter[str] = Counter()
    for finding in findings:
        key = "|".join(str(part or "") for part in (finding.type, finding.side, finding.root, finding.level))
        seen[key] += 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def observation_uuid(report_uuid: uuid.UUID, finding_key: str) -> uuid.UUID:
    return uuid.UUID(observation_id(report_uuid, finding_key))


def observation_id(report_uuid: uuid.UUID, finding_key: str) -> str:
    """``str(observation_uuid(...))``, made faster (service.ids)."""
    return uuid5_text(report_uuid, f"finding:{finding_key}")


def observation(
    finding: Finding,
    *,
    observation_id: uuid.UUID | str,
    report: dict,
    report_reference: str,
    evidence: list[SourceSpan],
    sentence: str | None = None,
    inherited: dict | None = None,
) -> dict:
    """The Observation for one finding of ``report`` (``report_reference`` is its fullUrl). ``inherited`` is
    ``inherited_elements(report)``, for a caller that builds many Observations of one report."""
    terms = terminology()
    fixed = _fixed_parts(terms)
    code, value, body_site, components = _coded_parts(terms, finding)
    id_text = str(observation_id)
    resource: dict = {
        "resourceType": "Observation",
        "id": id_text,
        "meta": {"security": [dict(fixed["ai_label"])]},
    }
    if evidence:
        url = fixed["derivation_url"]
        resource["extension"] = [
            {"url": url, "extension": [
                {"url": "reference", "valueReference": {"reference": report_reference}},
                {"url": "path", "valueString": span.path},
                {"url": "offset", "valueInteger": span.offset},
                {"url": "length", "valueInteger": span.length},
            ]}
            for span in evidence
        ]
    # A plain value the server keeps as sent (a urn:uuid value would read as a link to be rewritten).
    resource["identifier"] = [{"system": fixed["identifier_system"], "value": id_text}]
    resource["status"] = "preliminary"
    resource["category"] = [{"coding": [dict(fixed["category"])], "text": "Imaging"}]
    resource["code"] = code
    for key, element in (inherited_elements(report) if inherited is None else inherited).items():
        resource[key] = copy_json(element)
    resource["valueCodeableConcept"] = value
    if sentence:
        resource["note"] = [{"text": sentence}]
    resource["bodySite"] = body_site
    resource["component"] = components
    return resource


def inherited_elements(report: dict) -> dict:
    """What an Observation of ``report`` inherits from it, in Observation order: the subject and the times."""
    keys = ("subject", *(key for name in _INHERITED_TIMES for key in (name, f"_{name}")))
    return {key: report[key] for key in keys if key in report}


def _fixed_parts(terms: Terminology) -> dict:
    """What every Observation carries alike, read from the maps once per ``Terminology``."""
    known = _FIXED.get(id(terms))
    if known is None or known[0] is not terms:
        known = (terms, {
            "ai_label": terms.coding(terms.raw["ai_label"]),
            "category": terms.coding(terms.raw["category"]),
            "identifier_system": terms.url("identifier_system"),
            "derivation_url": terms.url("derivation_extension"),
        })
        _FIXED[id(terms)] = known
    return known[1]


def _coded_parts(terms: Terminology, finding: Finding) -> list:
    """``code``, ``valueCodeableConcept``, ``bodySite`` and ``component`` of a finding's Observation.

    They depend only on the finding's fields (not its evidence), and the same findings come back
    report after report: each is built once and kept frozen, and every Observation gets its own
    fresh copy (no two Bundles share a dict). The ``Terminology`` is kept beside it, so that its id
    cannot be reused by other maps.
    """
    key = (id(terms), finding.type, finding.level, finding.root, finding.side, finding.degree, finding.severity,
           finding.assertion, finding.zone, finding.role, tuple(finding.cause), finding.root_inferred,
           tuple(finding.assertion_triggers), getattr(finding, "severity_text", None))
    known = _PARTS.get(key)
    if known is not None and known[0] is terms:
        return _thaw(known[1])
    parts = [_code(terms, finding), _value(terms, finding), _body_site(terms, finding), _components(terms, finding)]
    try:
        frozen = _freeze(parts)
    except TypeError:  # words orjson cannot write (a lone surrogate): not kept
        return parts
    if len(_PARTS) >= _MOST_PARTS:
        _PARTS.clear()
    _PARTS[key] = (terms, frozen)
    return parts


# Kept as orjson bytes: thawing them (C) is faster than building the parts or copying them in Python.
try:
    from orjson import dumps as _freeze, loads as _thaw
except ImportError:  # pragma: no cover - orjson is a dependency; the same parts, copied in Python
    def _freeze(parts: list) -> list:
        return copy_json(parts)

    _thaw = copy_json
_FIXED: dict[int, tuple[Terminology, dict]] = {}
_PARTS: dict[tuple, tuple[Terminology, object]] = {}
_MOST_PARTS = 4096  # about 2 kB each


def _region(terms: Terminology, finding: Finding) -> str:
    regions = terms.raw["root_regions"]
    root = finding.root or finding.root_inferred
    if root:
        return regions.get(root[:1].upper(), "any")
    if finding.level:
        return regions.get(finding.level[:1].upper(), "any")
    return "any"


def _code(terms: Terminology, finding: Finding) -> dict:
    spec = terms.raw["finding_codes"][finding.type]
    local = terms.local(spec["local"])
    verified = spec.get("verified")
    if finding.type == "nerve-root":
        verified = spec.get("verified_by_degree", {}).get(finding.degree)
    codings = [local]
    # A disorder code says the disorder is there: only for what the report states as present.
    if verified and finding.assertion == "present":
        region = _region(terms, finding)
        concept = verified.get(region, verified["any"])
        codings.append(terms.coding({"system": "snomed", **concept}))
    return {"coding": codings, "text": codings[-1]["display"]}


def _value(terms: Terminology, finding: Finding) -> dict:
    """The answer to ``code``: present, possible or absent (the rung and grade are components)."""
    coding = terms.coding(terms.raw["presence"][finding.assertion])
    return {"coding": [coding], "text": coding["display"]}


def _rung(terms: Terminology, finding: Finding) -> dict:
    return terms.local(finding.degree if finding.degree in terms.raw["rungs"] else "impingement")


def _body_site(terms: Terminology, finding: Finding) -> dict:
    side = f"{finding.side} " if finding.side else ""
    at_level = f" at {finding.level}" if finding.level else ""
    site: dict = {}
    if finding.type == "nerve-root":
        if finding.root:
            root = f"{finding.root} nerve root"
        elif finding.root_inferred:
            root = f"nerve root (likely {finding.root_inferred})"
        else:
            root = "nerve root" if finding.side != "bilateral" else "nerve roots"
        site["coding"] = [terms.coding(terms.raw["nerve_root_structure"])]
        site["text"] = f"{side}{root}{at_level}"
        return site
    place = {
        "foraminal-stenosis": "neural foramen" if finding.side != "bilateral" else "neural foramina",
        "lateral-recess-stenosis": "lateral recess" if finding.side != "bilateral" else "lateral recesses",
        "canal-stenosis": "spinal canal",
    }[finding.type]
    disc = terms.raw["discs"].get(finding.level or "")
    if disc:
        site["coding"] = [terms.coding({"system": "snomed", **disc})]
    site["text"] = f"{side}{place}{at_level}"
    return site


def _component(code: dict, value: dict | str) -> dict:
    if isinstance(value, str):
        return {"code": {"coding": [code], "text": code["display"]}, "valueString": value}
    return {"code": {"coding": [code], "text": code["display"]}, "valueCodeableConcept": value}


def _concept(coding: dict, text: str | None = None) -> dict:
    return {"coding": [coding], "text": text or coding["display"]}


def _components(terms: Terminology, finding: Finding) -> list[dict]:
    components = []
    if finding.type == "nerve-root":
        components.append(_component(terms.local("rung"), _concept(_rung(terms, finding))))
    # The radiologist's own grade words ("moderate to severe", "marked") are the text; the code is the
    # normalised grade. A denial limited to a grade ("no significant stenosis") keeps that grade as text.
    grade_words = getattr(finding, "severity_text", None)
    if finding.severity:
        components.append(_component(terms.local("severity"),
                                     _concept(terms.coding(terms.raw["severity"][finding.severity]), grade_words)))
    elif grade_words:
        components.append(_component(terms.local("severity"), {"text": grade_words}))
    if finding.side:
        components.append(_component(terms.coding(terms.raw["laterality_attribute"]),
                                     _concept(terms.coding(terms.raw["laterality"][finding.side]))))
    if finding.level:
        disc = terms.raw["discs"].get(finding.level)
        level: dict = {"text": finding.level}
        if disc:
            level = {"coding": [terms.coding({"system": "snomed", **disc})], "text": finding.level}
        components.append(_component(terms.local("spinal-level"), level))
    if finding.zone:
        components.append(_component(terms.local("zone"), _concept(terms.local(finding.zone))))
    if finding.role:
        components.append(_component(terms.local("root-role"), _concept(terms.local(finding.role))))
    for cause in finding.cause:
        components.append(_component(terms.local("cause"), _concept(terms.local(cause))))
    if finding.root:
        components.append(_component(terms.local("nerve-root"), finding.root))
    elif finding.root_inferred:
        components.append(_component(terms.local("inferred-nerve-root"), finding.root_inferred))
    presence = terms.coding(terms.raw["presence"][finding.assertion])
    words = ", ".join(f'"{word}"' for word in finding.assertion_triggers)
    text = f"{presence['display']} ({words})" if words else presence["display"]
    components.append(_component(terms.local("assertion"), _concept(presence, text)))
    return components


__all__ = ["finding_keys", "observation_uuid", "observation_id", "observation", "inherited_elements"]
