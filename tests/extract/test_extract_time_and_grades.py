"""Current state wins over history; grades stated as predicates; the radiologist's own grade words."""

import pytest

from extract_helpers import CANAL, FORAMEN, NERVE, find, only, read, single
from service.explain import explain
from service.extract import extract_findings




# -- temporal change ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text, severity", [
    ("L4-5: Interval improvement in the previously moderate canal stenosis, now mild.", "mild"),
    ("L4-5: The previously severe canal stenosis is now moderate.", "moderate"),
    ("L4-5: Canal stenosis, previously moderate, is now severe.", "severe"),
    ("L4-5: Canal stenosis has progressed, now severe.", "severe"),
    ("L4-5: Residual mild canal stenosis.", "mild"),
    ("L4-5: Unchanged moderate canal stenosis.", "moderate"),
])
def test_current_grade_wins(text, severity):
    found = only(text, CANAL)
    assert (found["severity"], found["assertion"]) == (severity, "present")


@pytest.mark.parametrize("text, degree, severity", [
    ("L5-S1: The left S1 root, which was previously severely compressed, is now only mildly displaced.",
     "displacement", "mild"),
    ("L5-S1: The left S1 root, previously compressed, is now only contacted by the protrusion.", "contact", None),
    ("L5-S1: The left S1 root was formerly markedly compressed and is now mildly displaced.", "displacement", "mild"),
])
def test_current_rung_wins(text, degree, severity):
    found = only(text, NERVE)
    assert (found["degree"], found.get("severity"), found["assertion"]) == (degree, severity, "present")


@pytest.mark.parametrize("text", [
    "L5-S1: The left S1 root is no longer compressed.",
    "L5-S1: The previously seen compression of the left S1 root has resolved.",
    "L5-S1: The left S1 nerve root is no longer displaced.",
])
def test_resolved_is_absent(text):
    assert only(text, NERVE)["assertion"] == "absent"


# -- grades stated as predicates -------------------------------------------------------------------
@pytest.mark.parametrize("text, side, severity", [
    ("L4-5: The right foramen is narrowed to a mild degree.", "right", "mild"),
    ("C5-6: The osteophyte narrows the left foramen to a moderate degree.", "left", "moderate"),
    ("C5-6: The left neural foramen is moderately narrowed.", "left", "moderate"),
    ("C5-6: The foramina are mildly narrowed bilaterally.", "bilateral", "mild"),
    ("C5-6: Exit foramina moderately narrowed bilaterally.", "bilateral", "moderate"),
    ("C6-7: Narrowing of the right foramen to a severe degree.", "right", "severe"),
    ("C6-7: The left foraminal stenosis is moderate in degree.", "left", "moderate"),
])
def test_predicate_grades(text, side, severity):
    found = only(text, FORAMEN)
    assert (found["side"], found["severity"]) == (side, severity)


# -- severity text ---------------------------------------------------------------------------------
def grade_words(text: str) -> list[tuple]:
    return [(f.type, f.assertion, f.severity_text) for f in extract_findings(text)]


@pytest.mark.parametrize("text, expected", [
    ("L4-5: Moderate to severe left foraminal narrowing.", (FORAMEN, "present", "moderate to severe")),
    ("L4-5: Marked canal stenosis.", (CANAL, "present", "marked")),
    ("L4-5: mild-moderate right foraminal stenosis.", (FORAMEN, "present", "mild-moderate")),
    ("L4-5: High-grade central canal stenosis.", (CANAL, "present", "high-grade")),
    ("L4-5: The right L5 root is severely compressed.", (NERVE, "present", "severely")),
    ("L4-5: No significant canal stenosis.", (CANAL, "absent", "significant")),
    ("L3-4: No moderate or high-grade canal stenosis.", (CANAL, "absent", "moderate or high-grade")),
    ("L4-5: No definite compression of the left L5 root.", (NERVE, "absent", "definite")),
    ("L4-5: Without appreciable foraminal narrowing on the right.", (FORAMEN, "absent", "appreciable")),
    ("L4-5: No canal stenosis.", (CANAL, "absent", None)),
    ("L4-5: Canal stenosis.", (CANAL, "present", None)),
])
def test_severity_text(text, expected):
    assert grade_words(text) == [expected]


def test_limited_denial_is_not_explained_as_no_stenosis():
    findings = extract_findings("FINDINGS: L4-5: No significant canal stenosis.")
    sentence = single(explain(findings, "en").finding_sentences)
    assert "significant" in sentence


@pytest.mark.parametrize("text, severity", [
    ("L4-L5: The central canal was previously severely narrowed and is now moderately narrowed.", "moderate"),
    ("L4-L5: The canal, formerly markedly narrowed, is now mildly narrowed.", "mild"),
])
def test_historical_narrowing_gives_way_to_the_current(text, severity):
    assert only(text, CANAL)["severity"] == severity


@pytest.mark.parametrize("text, severity", [
    ("L5-S1: Compared to prior, the left foraminal stenosis has progressed from mild to severe.", "severe"),
    ("L5-S1: The left foraminal stenosis has improved from severe to mild.", "mild"),
    ("L5-S1: Left foraminal stenosis has worsened to moderate.", "moderate"),
    ("L5-S1: Left foraminal stenosis, which is now severe (previously moderate).", "severe"),
    ("L5-S1: Left foraminal stenosis, which is moderate.", "moderate"),
    ("L5-S1: Mild residual left foraminal narrowing.", "mild"),
    ("L5-S1: Moderate new left foraminal stenosis.", "moderate"),
])
def test_change_states_the_current_grade(text, severity):
    found = only(text, FORAMEN)
    assert (found["side"], found["severity"]) == ("left", severity)


@pytest.mark.parametrize("text", [
    "L4-5: On the prior study the right L5 root was compressed; now it is free.",
    "L4-5: Previously, the right L5 nerve root was compressed by the extrusion.",
    "L4-5: Prior to surgery the right L5 root was compressed.",
])
def test_clause_dated_before_this_exam_is_no_finding(text):
    assert [f for f in find(read(text), type=NERVE) if f["assertion"] != "absent"] == []


@pytest.mark.parametrize("text, severity", [
    ("L4-5: Previously there was moderate canal stenosis. There is now mild canal stenosis.", "mild"),
    ("L4-5: Previously, severe canal stenosis; this is unchanged.", "severe"),
])
def test_dated_clause_and_current_statement(text, severity):
    assert only(text, CANAL)["severity"] == severity


def test_noun_dated_by_previously_seen_still_acts_now():
    found = only("L4-5: The previously seen extrusion compresses the right L5 root.", NERVE)
    assert (found["degree"], found["assertion"]) == ("compression", "present")


def test_the_present_state_of_a_changed_stenosis():
    cases = {
        "C5-6: (previously the left foramen was only mildly narrowed, now moderately to severely narrowed).":
            ("left", "moderate-to-severe"),
        "L4-5: The left foramen, previously mildly narrowed, is now severely narrowed.": ("left", "severe"),
        "C6-7: Right foraminal narrowing remains mild.": ("right", "mild"),
        "C5-6: Right foramen unchanged, mildly narrowed.": ("right", "mild"),
        "L4-5: Severe left foraminal stenosis, previously moderate.": ("left", "severe"),
    }
    for text, (side, severity) in cases.items():
        assert [(f.get("side"), f.get("severity")) for f in read(text)] == [(side, severity)], text
    assert [f["severity"] for f in read("L4-5: Moderate canal stenosis, now severe.")] == ["severe"]
