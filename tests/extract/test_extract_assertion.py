"""Assertion: denials and hedges, their direction and scope, and the words that decided them."""

import pytest

from service.extract import extract_findings

from extract_helpers import read, single


def one(text: str):
    return single([f for f in extract_findings(text) if f.type == "nerve-root"])


@pytest.mark.parametrize("text, trigger", [
    ("L4-5: No compression of the left L5 nerve root.", "No"),
    ("L4-5: Without impingement of the left L5 nerve root.", "Without"),
    ("L4-5: The left L5 nerve root is not compressed.", "not"),
    ("L4-5: Negative for compression of the left L5 nerve root.", "Negative for"),
    ("L4-5: No evidence of compression of the left L5 nerve root.", "No evidence of"),
    ("L4-5: The left L5 nerve root is free of compression.", "free of"),
    ("L4-5: The left L5 nerve root is unremarkable.", "is unremarkable"),
    ("L4-5: The previously seen compression of the left L5 nerve root has resolved.", "has resolved"),
    ("L4-5: Resolved compression of the left L5 nerve root.", "Resolved"),
    ("L4-5: Compression of the left L5 nerve root is not seen.", "is not seen"),
    ("L4-5: Approaching but not contacting the left L5 nerve root.", "not"),
])
def test_denials(text, trigger):
    finding = one(text)
    assert finding.assertion == "absent"
    assert finding.assertion_triggers == [trigger]


@pytest.mark.parametrize("text, trigger", [
    ("L4-5: The protrusion may contact the left L5 nerve root.", "may"),
    ("L4-5: The protrusion might contact the left L5 nerve root.", "might"),
    ("L4-5: Possible contact with the left L5 nerve root.", "Possible"),
    ("L4-5: Probable compression of the left L5 nerve root.", "Probable"),
    ("L4-5: Likely compression of the left L5 nerve root.", "Likely"),
    ("L4-5: Findings suggest impingement of the left L5 nerve root.", "suggest"),
    ("L4-5: Questionable contact with the left L5 nerve root.", "Questionable"),
    ("L4-5: There is questionable contact with the left L5 nerve root.", "is questionable"),
    ("L4-5: Impingement of the left L5 nerve root cannot be excluded.", "cannot be excluded"),
    ("L4-5: Cannot exclude impingement of the left L5 nerve root.", "Cannot exclude"),
    ("L4-5: The protrusion could irritate the left L5 nerve root.", "could"),
    ("L4-5: Suspected compression of the left L5 nerve root.", "Suspected"),
    ("L4-5: The protrusion potentially contacts the left L5 nerve root.", "potentially"),
    ("L4-5: Borderline contact with the left L5 nerve root.", "Borderline"),
    ("L4-5: The left L5 nerve root is possibly contacted.", "is possibly"),
])
def test_hedges(text, trigger):
    finding = one(text)
    assert finding.assertion == "possible"
    assert finding.assertion_triggers == [trigger]


def test_terminator_ends_the_hedge():
    finding = one("Findings suggest mild impingement of the right L4 nerve root in the foramen at L4-L5, "
                  "although this is not clearly seen on the axial images.")
    assert (finding.assertion, finding.level, finding.severity) == ("possible", "L4-L5", "mild")


def test_but_ends_the_denial():
    found = read("L5-S1: No canal stenosis, but there is severe left foraminal stenosis.")
    assert [(f["type"], f["assertion"]) for f in found] == [
        ("canal-stenosis", "absent"), ("foraminal-stenosis", "present")]


def test_comma_before_a_new_graded_item_ends_the_denial():
    found = read("L4-5: No central stenosis, mild left foraminal narrowing.")
    assert [(f["type"], f["assertion"]) for f in found] == [
        ("canal-stenosis", "absent"), ("foraminal-stenosis", "present")]


def test_denial_of_a_list_covers_each_item_and_each_level():
    found = read("L1-L2 through L3-L4: No disc herniation, canal stenosis or foraminal narrowing.")
    assert len(found) == 6 and {f["assertion"] for f in found} == {"absent"}


def test_spine_wide_denial_has_no_level():
    assert read("No nerve root impingement.") == [{"type": "nerve-root", "assertion": "absent"}]


def test_spine_wide_partial_denial_is_not_labelled():
    assert read("No high-grade foraminal stenosis.") == []


def test_partial_denial_at_a_level_is_absent():
    assert read("No moderate or high-grade canal stenosis at L3-L4.") == [
        {"type": "canal-stenosis", "level": "L3-L4", "assertion": "absent"}]


def test_patent_foramina():
    assert read("T11-T12: The neural foramina are widely patent.") == [
        {"type": "foraminal-stenosis", "level": "T11-T12", "side": "bilateral", "assertion": "absent"}]


def test_present_beats_possible_across_sections():
    text = ("FINDINGS: L5-S1: The extrusion compresses the left S1 nerve root.\n"
            "IMPRESSION: Possible compression of the left S1 nerve root at L5-S1.")
    finding = one(text)
    assert finding.assertion == "present" and finding.assertion_triggers == []


@pytest.mark.parametrize("text", [
    "CLINICAL HISTORY: Left leg pain. Rule out nerve root impingement.",
    "INDICATION: Evaluate for L5 nerve root compression.",
    "Is there compression of the L5 nerve root?",
    "RECOMMENDATION: Correlate for compression of the left L5 nerve root.",
    "Family history of spinal stenosis.",
    "L4-5: The left L5 nerve root, which was previously compressed, is not well seen.",
])
def test_not_findings(text):
    assert read(text) == []


def test_historical_rung_does_not_count():
    finding = one("L5-S1: The extrusion now only abuts the left S1 nerve root, which was previously compressed.")
    assert (finding.degree, finding.assertion) == ("contact", "present")


def test_mri_quoted_in_a_clinical_narrative_is_labelled():
    text = ("HISTORY OF PRESENT ILLNESS: MRI last week showed a right C5-6 disc osteophyte complex with "
            "compression of the exiting right C6 nerve root. EMG confirmed a right C6 radiculopathy.\n"
            "PLAN: Discuss surgery.")
    assert read(text) == [{"type": "nerve-root", "level": "C5-C6", "root": "C6", "side": "right",
                           "degree": "compression", "assertion": "present", "cause": ["osteophyte"]}]


def test_comma_before_a_new_verb_ends_the_denial():
    found = read("L4-5: Mild disc bulge without significant stenosis, contacting the traversing L5 nerve roots.")
    assert found == [{"type": "nerve-root", "level": "L4-L5", "root": "L5", "side": "bilateral",
                      "degree": "contact", "assertion": "present", "cause": ["disc-bulge"]}]


def test_denied_structure_with_its_verb_stays_denied():
    assert read("L4-5: No disc herniation compressing the nerve roots.")[0]["assertion"] == "absent"


def test_a_new_clause_with_its_own_subject_ends_the_denial():
    found = read("L5-S1: There is no significant stenosis and the protrusion contacts the right S1 root.")
    assert [(f["type"], f["assertion"]) for f in found] == [("nerve-root", "present")]


def test_earlier_finding_seen_again_is_present():
    finding = one("L4-5: The previously described compression of the left L5 nerve root is again seen.")
    assert (finding.degree, finding.assertion) == ("compression", "present")


def test_a_conditional_recommendation_is_not_a_finding():
    for text in ("L4-5: Mild right lateral recess narrowing. Recommend correlation; if concern for L5 nerve root "
                 "impingement persists, CT myelography may be considered.",
                 "L4-5: Mild right lateral recess narrowing. If there is clinical concern for nerve root "
                 "compression, a contrast study could be obtained."):
        assert [f["type"] for f in read(text)] == ["lateral-recess-stenosis"], text


def test_a_hedge_after_and_the_stays_in_its_own_clause():
    found = read("L4-5: The left lateral recess is moderately narrowed and the left L5 nerve root is probably "
                 "compressed.")
    assert {"type": "lateral-recess-stenosis", "level": "L4-L5", "side": "left", "severity": "moderate",
            "assertion": "present"} in found
    assert [(f["root"], f["assertion"]) for f in found if f["type"] == "nerve-root"] == [("L5", "possible")]


def test_a_rung_named_alone_after_a_semicolon_is_the_state_of_the_root_before():
    findings = read("L5-S1: The right L5 nerve root cannot be clearly separated from the disc material; "
                    "compression cannot be excluded.")
    assert [{k: f.get(k) for k in ("level", "root", "side", "degree", "assertion")} for f in findings] == \
        [{"level": "L5-S1", "root": "L5", "side": "right", "degree": "compression", "assertion": "possible"}]


def test_openings_normal_except_for_one_side():
    findings = read("L4-5: Neural foramina are unremarkable except for mild left narrowing.")
    assert {(f["side"], f.get("severity"), f["assertion"]) for f in findings} == \
        {("right", None, "absent"), ("left", "mild", "present")}
    findings = read("Foramina: L4-5 patent, L5-S1 severe right.")  # no exception: L4-5 stays both sides
    assert {(f["level"], f["side"], f["assertion"]) for f in findings} == \
        {("L4-L5", "bilateral", "absent"), ("L5-S1", "right", "present")}


def test_not_before_a_grade_negates_the_grade_not_the_finding():
    assert read("C5-6: Foraminal stenosis is not severe.") == \
        [{"type": "foraminal-stenosis", "level": "C5-C6", "assertion": "present"}]
    assert read("C5-6: Mild, not moderate, left foraminal stenosis.") == \
        [{"type": "foraminal-stenosis", "level": "C5-C6", "side": "left", "severity": "mild", "assertion": "present"}]
    root = read("L4-5: The left L5 root is not severely compressed.")
    assert [(f["degree"], f.get("severity"), f["assertion"]) for f in root] == [("compression", None, "present")]
    # A grade that names no degree keeps the denial.
    assert [f["assertion"] for f in read("L4-5: The foramina are not significantly narrowed.")] == ["absent"]


def test_hedges_that_contain_a_not_finding_phrase():
    assert [(f["degree"], f["assertion"]) for f in
            read("L4-5: It is not possible to exclude contact with the left L5 root.")] == [("contact", "possible")]


def test_a_comma_dump_item_ends_the_denial_of_the_item_before():
    text = ("Lumbar MRI: L3-L4 small bulge no stenosis, L4-L5 mild bulge mild bilat foraminal narrowing no root "
            "contact, L5-S1 right paracentral protrusion touching the right S1 root, no canal stenosis at any level.")
    findings = {(f["type"], f.get("level"), f.get("root"), f["assertion"]) for f in read(text)}
    assert findings == {("foraminal-stenosis", "L4-L5", None, "present"), ("nerve-root", "L4-L5", None, "absent"),
                        ("nerve-root", "L5-S1", "S1", "present"), ("canal-stenosis", None, None, "absent")}


def test_a_qualified_denial_is_a_denial():
    assert [f["assertion"] for f in read("C6-C7: Small protrusion which approaches, but does not definitely "
                                         "contact, the exiting left C7 nerve root.")] == ["absent"]
