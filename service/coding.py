"""Finding -> FHIR Observation (a plain dict), coded as CONTRACT.md "Observations" says.

Codes come from ``service.terminology`` (``mappings/terminology.yaml``): verified standard codes
only where they mean exactly this finding, the project's own CodeSystem otherwise, and ``text``
always. The Observation is labelled AIAST and points back at the words it came from with the
core ``derivation-reference`` extension.

Layout of one Observation:
- ``code``: the finding type (local code; a verified SNOMED CT concept beside it where one fits:
  the compression rung, canal stenosis per region, foraminal stenosis);
- ``value[x]``: the rung (nerve root), the grade (stenosis; ``Present`` when ungraded), or
  ``Absent`` for a denied finding;
- ``bodySite``: text always; nerve root structure (secondary) for roots, the disc at the level
  for stenosis;
- ``component``: severity (its text the report's own grade words when the engine kept them), laterality, level, zone, root role, each cause, the named root, the
  inferred root (its own code says it is inferred), and the assertion with the words that
  decided it.
"""

from __future__ import annotations

import uuid
from collections import Counter

from service.extract.finding import Finding
from service.fhir.io import copy_json
from service.fhir.text import SourceSpan
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
    return uuid.uuid5(report_uuid, f"finding:{finding_key}")


def observation(
    finding: Finding,
    *,
    observation_id: uuid.UUID,
    report: dict,
    report_reference: str,
    evidence: list[SourceSpan],
    sentence: str | None = None,
) -> dict:
    """The Observation for one finding of ``report`` (``report_reference`` is its fullUrl)."""
    terms = terminology()
    resource: dict = {
        "resourceType": "Observation",
        "id": str(observation_id),
        "meta": {"security": [terms.coding(terms.raw["ai_label"])]},
    }
    if evidence:
        resource["extension"] = [_derivation(terms, report_reference, span) for span in evidence]
    resource["identifier"] = [{"system": terms.raw["identifier_system"], "value": f"urn:uuid:{observation_id}"}]
    resource["status"] = "preliminary"
    resource["category"] = [{"coding": [terms.coding(terms.raw["category"])], "text": "Imaging"}]
    resource["code"] = _code(terms, finding)
    if "subject" in report:
        resource["subject"] = copy_json(report["subject"])
    for name in _INHERITED_TIMES:
        for key in (name, f"_{name}"):
            if key in report:
                resource[key] = copy_json(report[key])
    resource["valueCodeableConcept"] = _value(terms, finding)
    if sentence:
        resource["note"] = [{"text": sentence}]
    resource["bodySite"] = _body_site(terms, finding)
    resource["component"] = _components(terms, finding)
    return resource


def _derivation(terms: Terminology, report_reference: str, span: SourceSpan) -> dict:
    return {
        "url": terms.extension_url("derivation_extension"),
        "extension": [
            {"url": "reference", "valueReference": {"reference": report_reference}},
            {"url": "path", "valueString": span.path},
            {"url": "offset", "valueInteger": span.offset},
            {"url": "length", "valueInteger": span.length},
        ],
    }


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
    if verified:
        region = _region(terms, finding)
        concept = verified.get(region, verified["any"])
        codings.append(terms.coding({"system": "snomed", **concept}))
    return {"coding": codings, "text": codings[-1]["display"]}


def _value(terms: Terminology, finding: Finding) -> dict:
    presence = terms.raw["presence"]
    if finding.assertion == "absent":
        coding = terms.coding(presence["absent"])
    elif finding.type == "nerve-root":
        coding = terms.local(finding.degree if finding.degree in terms.raw["rungs"] else "impingement")
    elif finding.severity:
        coding = terms.coding(terms.raw["severity"][finding.severity])
    else:
        coding = terms.coding(presence["present"])
    return {"coding": [coding], "text": coding["display"]}


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
        site["coding"] = [{"system": terms.system("snomed"), "code": disc}]
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
            level = {"coding": [{"system": terms.system("snomed"), "code": disc}], "text": finding.level}
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


__all__ = ["finding_keys", "observation_uuid", "observation"]
