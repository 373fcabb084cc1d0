"""Spinal levels: normalisation, ranges, lists and the level a finding takes."""

import pytest

from extract_helpers import read


@pytest.mark.parametrize("written, level", [
    ("L4-5", "L4-L5"), ("L4/5", "L4-L5"), ("L4\u2013L5", "L4-L5"), ("L4 L5", "L4-L5"), ("L45", "L4-L5"),
    ("L5-S 1", "L5-S1"), ("L5/S1", "L5-S1"), ("C7-T1", "C7-T1"), ("T12-L1", "T12-L1"), ("C5-6", "C5-C6"),
    ("T11-T12", "T11-T12"), ("S1-S2", "S1-S2"), ("L4 5", "L4-L5"), ("C5 6", "C5-C6"),
])
def test_level_forms(written, level):
    assert read(f"Mild left foraminal stenosis at {written}.") == [
        {"type": "foraminal-stenosis", "level": level, "side": "left", "severity": "mild", "assertion": "present"}]


def test_l5_on_s1():
    found = read("Grade 1 anterolisthesis of L5 on S1 with moderate bilateral foraminal stenosis.")
    assert found[0]["level"] == "L5-S1"


def test_disc_level_range_expands():
    found = read("No canal stenosis at L1-L2 through L3-L4.")
    assert [f["level"] for f in found] == ["L1-L2", "L2-L3", "L3-L4"]


def test_vertebra_range_expands():
    found = read("L1-L3: No foraminal stenosis.")
    assert [f["level"] for f in found] == ["L1-L2", "L2-L3"]


def test_level_list():
    found = read("Mild bilateral foraminal narrowing at L3-4, L4-5 and L5-S1.")
    assert [f["level"] for f in found] == ["L3-L4", "L4-L5", "L5-S1"]


def test_lesion_spanning_several_levels_has_no_level():
    found = read("Severe canal stenosis from T12 through L5.")
    assert found == [{"type": "canal-stenosis", "severity": "severe", "assertion": "present"}]


def test_level_after_the_finding_wins_over_the_one_before():
    found = read("Mild right foraminal stenosis at L4-5 and moderate left foraminal stenosis at L5-S1.")
    assert [(f["level"], f["side"]) for f in found] == [("L4-L5", "right"), ("L5-S1", "left")]


def test_segment_level_and_previous_sentence():
    text = "L4-L5:\nThere is a left subarticular protrusion.\nIt contacts the traversing left L5 nerve root."
    assert read(text)[0]["level"] == "L4-L5"


def test_single_vertebra_header():
    found = read("L1: Compression fracture with retropulsion; mild canal narrowing at this level.")
    assert found == [{"type": "canal-stenosis", "level": "L1", "severity": "mild", "assertion": "present"}]


def test_mri_sequences_are_not_levels():
    assert read("T2 hyperintense signal. Sagittal T1 and T2 weighted images. No stenosis at L4-5.") == []


def test_levels_named_in_words():
    found = read("At the lumbosacral junction a right paracentral protrusion compresses the right S1 nerve root.")
    assert found[0]["level"] == "L5-S1"


def test_a_vertebra_then_a_measurement_is_not_a_dropped_hyphen():
    for text in ("At L4 5 mm protrusion with mild left foraminal stenosis.",
                 "At L4 5.5 mm protrusion with mild left foraminal stenosis."):
        assert [f["level"] for f in read(text)] == ["L4"], text


def test_both_levels_is_not_a_side():
    found = read("L3-4 and L4-5: Mild right foraminal narrowing at both levels. Mild canal stenosis at both of these "
                 "levels.")
    assert {(f["level"], f["side"]) for f in found if f["type"] == "foraminal-stenosis"} == {
        ("L3-L4", "right"), ("L4-L5", "right")}


def test_with_and_sequences_after_levels():
    findings = read("Bilat LR stenosis at L4-5 w/ compression of traversing L5 nerve roots.")
    assert {f["level"] for f in findings} == {"L4-L5"}
    findings = read("The MRI shows severe canal stenosis at C4-5 and C5-6 and T2 signal change in the cord at C5.")
    assert {f["level"] for f in findings if f["type"] == "canal-stenosis"} == {"C4-C5", "C5-C6"}
    assert read("T1 and T2 images show mild canal stenosis at L4-5.") == \
        [{"type": "canal-stenosis", "level": "L4-L5", "severity": "mild", "assertion": "present"}]


def test_a_numbered_item_naming_a_root_but_no_level_continues_the_item_before():
    findings = read("IMPRESSION:\n1. Large disc extrusion at L4-L5 with severe canal stenosis.\n"
                    "2. The left L5 nerve root is compressed in the lateral recess.\n3. No fracture.")
    assert [f["level"] for f in findings if f["type"] == "nerve-root"] == ["L4-L5"]
    # A root that does not fit the level before stays without a level.
    findings = read("IMPRESSION:\n1. Severe canal stenosis at L2-L3.\n2. The left S1 nerve root is compressed.")
    assert [f.get("level") for f in findings if f["type"] == "nerve-root"] == [None]


def test_graded_level_items_sharing_one_stenosis_noun():
    findings = read("Severe left C5-6 and mild right C6-7 foraminal narrowing.")
    assert [(f["level"], f["side"], f["severity"]) for f in findings] == \
        [("C5-C6", "left", "severe"), ("C6-C7", "right", "mild")]
    findings = read("Moderate L4-5 and L5-S1 foraminal stenosis.")  # one grade for both levels
    assert [(f["level"], f["severity"]) for f in findings] == [("L4-L5", "moderate"), ("L5-S1", "moderate")]


def test_a_carried_level_that_cannot_hold_the_named_root_is_dropped():
    text = ("His MRI shows a disc extrusion at L5-S1 that compresses the left S1 root. The L4-5 level shows a mild "
            "bulge without canal stenosis. I think his symptoms are explained by the left S1 compression.")
    assert [f["level"] for f in read(text) if f["type"] == "nerve-root"] == ["L5-S1"]
