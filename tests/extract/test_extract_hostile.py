"""Hostile input: very long, repetitive or odd text finishes and yields sane output (no timing asserts;
bench/extract_bench.py prints the times)."""

import pytest

from service.extract import extract_findings

MEGABYTE = 1_000_000


@pytest.mark.parametrize("text", [
    "-" * MEGABYTE,
    " " * MEGABYTE,
    "L4-5 " * (MEGABYTE // 5),
    "disc " * (MEGABYTE // 5),
    ("no " * 50 + "stenosis " + "\u2013\u2014\u00a0\u4e2d\u0130 " * 20) * (MEGABYTE // 300),
    "<p>" * (MEGABYTE // 3),
    "\n" * MEGABYTE,
    "L4-5: " + "mild " * (MEGABYTE // 5),
])
def test_megabyte_of_hostile_text(text):
    findings = extract_findings(text)
    assert isinstance(findings, list)
    for finding in findings:
        assert all(0 <= e.start <= e.end <= len(text) for e in finding.evidence)


@pytest.mark.parametrize("text", ["", " ", ".", "L4-5", "?", "\u0130" * 10, "No", ":", "|||", "L4-5:"])
def test_tiny_inputs(text):
    assert isinstance(extract_findings(text), list)


def test_offsets_survive_characters_that_grow_when_lowercased():
    text = "\u0130\u0130 L4-5: Mild left foraminal stenosis."
    (finding,) = extract_findings(text)
    assert text[finding.evidence[0].start:finding.evidence[0].end].endswith("L4-5: Mild left foraminal stenosis.")
