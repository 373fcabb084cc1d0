"""Hostile input: very long, repetitive or odd text finishes and yields sane output (no timing asserts;
bench/extract_bench.py prints the times)."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.extract import extract_findings
from service.extract.finding import ASSERTIONS, FINDING_TYPES

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


WORDS = ["L4-5", "L5-S1:", "C5-6", "left", "right", "bilateral", "no", "not", "without", "may", "possible",
         "mild", "moderate to severe", "foraminal", "stenosis", "narrowing", "lateral recess", "canal", "patent",
         "protrusion", "extrusion", "disc", "contacts", "compresses", "displacing", "impingement", "of the",
         "the", "S1", "nerve root", "roots", "cauda equina", "which", "but", ";", ":", ",", ".", "\n", "|", "\t",
         "1.", "IMPRESSION:", "FINDINGS:", "HISTORY:", "<p>", "&gt;", "\u2013", "\u0130", "through", "L1-L3",
         "This", "previously", "again", "rule out", "?", "free of", "are free", "both", "exiting", "abuting"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=60), st.text(max_size=20))
def test_any_mix_of_report_words_reads_without_error(words, noise):
    text = " ".join(words) + noise
    findings = extract_findings(text)
    for finding in findings:
        assert finding.type in FINDING_TYPES and finding.assertion in ASSERTIONS
        assert all(0 <= e.start <= e.end <= len(text) for e in finding.evidence)
        assert finding.degree is None or finding.type == "nerve-root"


# Repeated units that once made the engine's time grow with the square of the text's length (a bare
# vertebra list ran the named-root pattern to the list's end from every vertebra), and their neighbours.
GROWING = ["L4, ", "L4 & ", "C5 and ", "L4-", "L4-5 ", "- ", "L4/", "L4 L5 ", "L4-5, L5-S1: ", "the L5 and ",
           "left L5 root compressed, ", "Lt ", "L5 nerve root, ", "exiting ", "stenosis at L4 and ",
           "no stenosis or ", ". ", "\n", "L4-5: ", "(", "L4 and L5 and S1 ", "C5-6, C6-7 and ", "S1 / "]


def _cpu_seconds(text: str) -> float:
    """The least of three runs: a ratio of least times is steady on a shared machine."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        extract_findings(text)
        best = min(best, time.process_time() - start)
    return max(best, 1e-3)


def _growth(unit: str, size: int = 3000) -> float:
    """How much longer four times the text takes: about 4 when time is linear in length, 16 when quadratic."""
    small = (unit * (size // len(unit) + 1))[:size]
    large = (unit * (4 * size // len(unit) + 1))[:4 * size]
    return _cpu_seconds(large) / _cpu_seconds(small)


@pytest.mark.parametrize("unit", GROWING)
def test_time_grows_linearly_with_repeated_text(unit):
    assert _growth(unit) < 8


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS + ["L4", "C5", "and", "&", "/", "or", ",", "Lt", "Rt", "L"]),
                min_size=1, max_size=4))
def test_time_grows_linearly_for_any_repeated_words(words):
    assert _growth(" ".join(words) + " ") < 8
