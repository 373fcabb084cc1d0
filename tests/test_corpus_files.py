"""Every labelled corpus parses, has unique ids, and holds findings in FORMAT.md's fields and values."""

import json
import re
from pathlib import Path

import pytest

from service.extract.finding import (
    ASSERTIONS, CAUSES, DEGREES, FINDING_TYPES, FORMAT_FIELDS, ROLES, SEVERITIES, SIDES, ZONES,
)

CORPUS_DIR = Path(__file__).parent / "corpus"
SHARED_DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.jsonl"

CORPORA = sorted(CORPUS_DIR.glob("*.jsonl"))

# A disc level such as L4-L5, L5-S1, C7-T1, T12-L1, S1-S2, or a single vertebra such as L5.
LEVEL = re.compile(r"^(?:[CTLS]\d{1,2}-[CTLS]\d{1,2}|[CTLS]\d{1,2})$")
ROOT = re.compile(r"^[CTLS]\d{1,2}$")
ALLOWED = {
    "type": set(FINDING_TYPES),
    "side": set(SIDES) | {None},
    "degree": set(DEGREES) | {None},
    "severity": set(SEVERITIES) | {None},
    "assertion": set(ASSERTIONS),
    "zone": set(ZONES) | {None},
    "role": set(ROLES) | {None},
}


def corpus_records(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(number, json.loads(line)) for number, line in enumerate(lines, start=1) if line.strip()]


def test_there_are_corpora_to_check():
    assert any(path.parent == CORPUS_DIR for path in CORPORA)


@pytest.mark.parametrize("path", CORPORA, ids=lambda path: path.name)
def test_corpus_records_are_well_formed(path):
    records = corpus_records(path)
    assert records, f"{path} is empty"
    ids = [record["id"] for _, record in records]
    assert len(ids) == len(set(ids)), f"duplicate ids in {path.name}"
    for number, record in records:
        where = f"{path.name}:{number}"
        assert set(record) == {"id", "text", "findings"}, where
        assert isinstance(record["text"], str) and record["text"].strip(), where
        assert isinstance(record["findings"], list), where
        for finding in record["findings"]:
            check_finding(finding, where)


def check_finding(finding, where):
    assert set(finding) == set(FORMAT_FIELDS), f"{where}: fields {sorted(finding)}"
    for field, allowed in ALLOWED.items():
        assert finding[field] in allowed, f"{where}: {field}={finding[field]!r}"
    assert finding["level"] is None or LEVEL.match(finding["level"]), f"{where}: level {finding['level']!r}"
    assert finding["root"] is None or ROOT.match(finding["root"]), f"{where}: root {finding['root']!r}"
    assert isinstance(finding["cause"], list), where
    assert set(finding["cause"]) <= set(CAUSES), f"{where}: cause {finding['cause']!r}"
    if finding["type"] != "nerve-root":
        stenosis_only = (finding["root"], finding["degree"], finding["zone"], finding["role"], finding["cause"])
        assert stenosis_only == (None, None, None, None, []), f"{where}: stenosis with nerve-root fields"


@pytest.mark.parametrize("path", CORPORA, ids=lambda path: path.name)
def test_each_finding_is_listed_once_per_identity_and_level(path):
    for number, record in corpus_records(path):
        keys = [(f["type"], f["side"], f["root"] or f["level"], f["level"]) for f in record["findings"]]
        assert len(keys) == len(set(keys)), f"{path.name}:{number}: a finding is listed twice"


@pytest.mark.parametrize("change", [
    {"cause": ["disc-bulge"]},            # stenosis carries no cause
    {"level": "L4-5"},                    # levels are normalised
    {"severity": "marked"},               # grade words map to the five severities
    {"side": "both"},
])
def test_the_finding_check_rejects_what_format_forbids(change):
    stenosis = {"type": "foraminal-stenosis", "level": "L4-L5", "root": None, "side": "left", "degree": None,
                "severity": "mild", "assertion": "present", "zone": None, "role": None, "cause": []}
    check_finding(stenosis, "sample")
    with pytest.raises(AssertionError):
        check_finding({**stenosis, **change}, "sample")
    with pytest.raises(AssertionError):
        check_finding({k: v for k, v in stenosis.items() if k != "zone"}, "sample")


@pytest.mark.skipif(not SHARED_DEV.exists(), reason="no shared/ folder beside this checkout")
def test_the_dev_copy_is_the_shared_corpus():
    assert (CORPUS_DIR / "dev.jsonl").read_bytes() == SHARED_DEV.read_bytes()
