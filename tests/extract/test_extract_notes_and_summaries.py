"""Clinic notes (diagnoses are not findings, quoted imaging is) and level-less summaries."""

import pytest

from extract_helpers import find, read, single


@pytest.mark.parametrize("text", [
    "ASSESSMENT:\nLumbar spinal stenosis with neurogenic claudication.\nRight C6 radiculopathy.",
    "Assessment and plan:\n1. Cervical spinal stenosis.\n2. Left C7 radiculopathy, continue gabapentin.",
    "Problem list: lumbar stenosis; right L5 radiculopathy with foraminal narrowing",
    "A/P: Spinal stenosis. Physical therapy referral.",
    "Diagnoses:\n- Neurogenic claudication due to spinal stenosis",
])
def test_clinical_diagnoses_are_not_findings(text):
    assert read(text) == []


@pytest.mark.parametrize("text, finding_type", [
    ("ASSESSMENT AND PLAN:\n1. Lumbar stenosis.\n2. MRI shows severe L4-5 canal stenosis.", "canal-stenosis"),
    ("Assessment: L4-5 extrusion compressing the left L5 nerve root.", "nerve-root"),
    ("HPI: Her MRI demonstrated moderate right C5-6 foraminal stenosis.", "foraminal-stenosis"),
    ("History of present illness: a lumbar MRI revealed an extrusion compressing the right S1 root at L5-S1.",
     "nerve-root"),
])
def test_quoted_imaging_is_a_finding(text, finding_type):
    assert single(find(read(text), type=finding_type))["assertion"] == "present"


@pytest.mark.parametrize("summary", [
    "Mild multilevel foraminal narrowing as described above.",
    "Foraminal narrowing at multiple levels, as detailed.",
    "Degenerative changes with foraminal stenosis as described.",
    "Multilevel foraminal stenosis, worst at L4-5.",
])
def test_summary_adds_no_levelless_finding(summary):
    text = ("FINDINGS: L4-5: Moderate left foraminal stenosis. L5-S1: Mild right foraminal stenosis.\n"
            f"IMPRESSION: {summary}")
    found = find(read(text), type="foraminal-stenosis")
    assert all(f.get("level") for f in found), found


@pytest.mark.parametrize("text, finding_type", [
    ("IMPRESSION: Foraminal stenosis at multiple levels with impingement of several exiting roots.",
     "foraminal-stenosis"),
    ("IMPRESSION: Multilevel foraminal narrowing.", "foraminal-stenosis"),
    ("FINDINGS: The canal is congenitally narrow. L4-5: Moderate left foraminal stenosis.", "canal-stenosis"),
])
def test_levelless_finding_stays_when_nothing_has_a_level(text, finding_type):
    found = single(find(read(text), type=finding_type))
    assert (found.get("level"), found["assertion"]) == (None, "present")


def test_an_assessment_in_a_radiology_report_is_its_impression():
    text = ("FINDINGS: L4-5: Moderate left foraminal stenosis with compression of the exiting left L4 root.\n"
            "ASSESSMENT:\n1. Left L4 nerve root compression at L4-5.\n2. No spinal canal stenosis.")
    assert {"type": "canal-stenosis", "assertion": "absent"} in read(text)


def test_an_assessment_in_a_clinic_note_stays_a_clinical_diagnosis():
    assert read("HPI: Back pain.\nAssessment: Lumbar spinal stenosis with neurogenic claudication.\nPlan: PT.") == []


def test_an_ed_notes_medical_decision_making_quotes_the_wet_read():
    text = ("HPI: 44M with L leg pain.\nExam: 4/5 L EHL.\nMDM: Per radiology wet read: L4-5 large L paracentral "
            "extrusion, severe L lateral recess stenosis, compresses L L5 root. Mod canal stenosis.\nPlan: consult.")
    findings = read(text)
    assert {"type": "nerve-root", "level": "L4-L5", "root": "L5", "side": "left", "degree": "compression",
            "assertion": "present", "cause": ["disc-extrusion"]} in findings
    assert {"type": "canal-stenosis", "level": "L4-L5", "severity": "moderate", "assertion": "present"} in findings


def test_unnamed_roots_in_the_sentence_of_named_ones_are_the_same_roots():
    findings = read("L5-S1: Moderate bilateral foraminal stenosis without compression of either exiting L5 root; "
                    "both roots are, however, contacted by the bulging disc.")
    roots = [f for f in findings if f["type"] == "nerve-root"]
    assert [(r.get("root"), r["side"], r.get("degree"), r["assertion"]) for r in roots] == \
        [("L5", "bilateral", "contact", "present")]


def test_an_earlier_study_retold_in_a_note_and_a_surgeons_opinion_are_not_findings():
    text = ("58F with hx of C6-7 ACDF (2017). Her MRI before that surgery reportedly showed L C7 root compression.\n"
            "Opinion: I suspect the root is more compressed than the report suggests.")
    assert [f for f in read(text) if f["type"] == "nerve-root"] == []


def test_the_root_of_a_phrase_is_the_one_root_named_in_it():
    text = ("L4-5: Left foraminal protrusion which pinches the exiting left L4 nerve root against the pedicle with "
            "deformity of the root.")
    assert [(f.get("root"), f["side"], f["degree"]) for f in read(text) if f["type"] == "nerve-root"] == \
        [("L4", "left", "compression")]
