"""Shared helpers of the extraction tests: findings reduced to the fields a test compares."""

from __future__ import annotations

from service.extract import extract_findings

FIELDS = ("type", "level", "root", "side", "degree", "severity", "assertion", "cause")
NERVE = "nerve-root"
FORAMEN = "foraminal-stenosis"
RECESS = "lateral-recess-stenosis"
CANAL = "canal-stenosis"


def brief(finding) -> dict:
    """A finding's FORMAT fields, without the empty ones."""
    data = finding.to_dict() if hasattr(finding, "to_dict") else finding
    return {k: data[k] for k in FIELDS if data.get(k) not in (None, [])}


def read(text: str, lexicon=None) -> list[dict]:
    return [brief(f) for f in extract_findings(text, lexicon)]


def single(items: list):
    """The one item of ``items`` (fails the test, showing them, when there are none or several)."""
    assert len(items) == 1, items
    return items[0]


def find(findings: list[dict], **fields) -> list[dict]:
    """The findings whose fields include ``fields``."""
    return [f for f in findings if all(f.get(k) == v for k, v in fields.items())]


def only(text: str, finding_type: str) -> dict:
    """The one finding of ``finding_type`` read in ``text``."""
    return single(find(read(text), type=finding_type))
