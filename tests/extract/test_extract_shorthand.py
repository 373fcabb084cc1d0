"""Telegraphic shorthand (NFN, BFN, SS, mod, sev, DOC, LF, R/L) and grades split by side."""

import pytest

from extract_helpers import CANAL, FORAMEN, NERVE, find, read, single



def sides(text: str, finding_type: str = FORAMEN) -> dict:
    """Side -> (severity, assertion) of the findings of one type."""
    return {f.get("side"): (f.get("severity"), f["assertion"]) for f in find(read(text), type=finding_type)}


@pytest.mark.parametrize("text, side, severity", [
    ("L4-5: mod R NF narrowing.", "right", "moderate"),
    ("L4-5: Mod-severe L NFN.", "left", "moderate-to-severe"),
    ("L5-S1: BFN, worse on the left.", "bilateral", None),
    ("C5-6: DOC w/ mod BFN.", "bilateral", "moderate"),
    ("L3-4: sev Lt NFN.", "left", "severe"),
    ("L3-4: NFs mildly narrowed, L>R.", "bilateral", "mild"),
    ("C6-7 - mild Rt neural foraminal narrowing", "right", "mild"),
    ("L4-5: B/L mild foraminal narrowing + mild canal stenosis.", "bilateral", "mild"),
])
def test_foraminal_shorthand(text, side, severity):
    found = single(find(read(text), type=FORAMEN))
    assert (found.get("side"), found.get("severity"), found["assertion"]) == (side, severity, "present")


@pytest.mark.parametrize("text, severity", [
    ("L4-5: Mild SS.", "mild"),
    ("L4-5: mod CS.", "moderate"),
    ("L3-4: sev central canal stenosis (CCS).", "severe"),
    ("L4-5: DDD with mild CS.", "mild"),
])
def test_canal_shorthand(text, severity):
    found = single(find(read(text), type=CANAL))
    assert (found["severity"], found["assertion"], found["level"]) == (severity, "present", text[:4].replace("-", "-L"))


@pytest.mark.parametrize("text, cause", [
    ("C5-6: DOC contacts the L C6 root.", "osteophyte"),
    ("L4-5: Lt HNP compresses the L L5 root.", "disc-herniation"),
    ("L4-5: LF hypertrophy compresses the R L5 root.", "ligamentum-flavum"),
])
def test_shorthand_causes_and_sides(text, cause):
    found = single(find(read(text), type=NERVE))
    assert found["side"] == "left" if " L " in text else found["side"] == "right"
    assert found["cause"] == [cause]


@pytest.mark.parametrize("text", ["L4-5: DDD.", "L4-5: DJD of the facets.", "Multilevel DDD and DJD."])
def test_degeneration_alone_is_no_finding(text):
    assert read(text) == []


def test_side_letters_do_not_break_levels():
    found = read("L4-5: mild L NFN. L5-S1: mod R NFN.")
    assert {(f["level"], f["side"], f["severity"]) for f in found} == {
        ("L4-L5", "left", "mild"), ("L5-S1", "right", "moderate")}


# -- one structure, a grade per side -----------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "L4-5: Moderate right and mild left foraminal stenosis.",
    "L4-5: mod R, mild L neuroforaminal stenosis.",
    "L4-5: Foramina: moderate right, mild left.",
    "L4-5:\n- Foramina: moderate R, mild L.",
    "L4-5: Neural foramina: mod right, mild left narrowing.",
])
def test_side_split_grades(text):
    assert sides(text) == {"right": ("moderate", "present"), "left": ("mild", "present")}


@pytest.mark.parametrize("text", [
    "C6-7: Severe left foraminal narrowing, right patent.",
    "C6-7: severe L foraminal stenosis, R patent.",
    "C6-7: Severe left neural foraminal narrowing; the right is patent.",
])
def test_graded_side_and_patent_side(text):
    found = sides(text)
    assert found["left"] == ("severe", "present")
    assert found.get("right", (None, "absent"))[1] == "absent"


@pytest.mark.parametrize("text", [
    "L4-5: Foramina: R moderate, L mild.",
    "L4-5: Neural foramina: right moderate, left mild.",
    "Level\tCanal\tForamina\nL4-5\tnone\tR moderate, L mild",
    "Level | Canal | Foramina\nL4-5 | - | moderate right, mild left",
])
def test_side_then_grade(text):
    assert sides(text) == {"right": ("moderate", "present"), "left": ("mild", "present")}


@pytest.mark.parametrize("text", [
    "L5-S1: Foramina: severe L, R patent.",
    "L5-S1: Neural foramina: severe left narrowing, right patent.",
    "Level\tDisc\tForamina\nL5-S1\tprotrusion\tsevere L, R patent",
])
def test_graded_side_then_patent_side_in_one_phrase(text):
    assert sides(text) == {"left": ("severe", "present"), "right": (None, "absent")}


@pytest.mark.parametrize("text, severity", [
    ("Level\tDisc\tCanal\nL4-5\tbulge\tmild", "mild"),
    ("L4-5: Canal: moderate.", "moderate"),
])
def test_grade_under_a_canal_label(text, severity):
    assert single(find(read(text), type=CANAL))["severity"] == severity


def test_grade_under_a_label_that_belongs_to_a_structure():
    assert find(read("L4-5: Foramen: mild disc bulge."), type=FORAMEN) == []


@pytest.mark.parametrize("text, finding_type", [
    ("L3-4: no SS or NFN.", CANAL),
    ("L3-4: no SS or NFN.", FORAMEN),
    ("L3-4: bulge w/o SS.", CANAL),
    ("L3-4: NFs patent.", FORAMEN),
    ("L2-3: Neg for SS.", CANAL),
    ("L2-3: No sig SS.", CANAL),
    ("L2-3: no sig. NFN", FORAMEN),
    ("L2-3: Foramina patent b/l.", FORAMEN),
])
def test_shorthand_denials(text, finding_type):
    assert single(find(read(text), type=finding_type))["assertion"] == "absent"


@pytest.mark.parametrize("text, root, side", [
    ("L5-S1: R HNP compresses R S1.", "S1", "right"),
    ("L5-S1: extrusion impinging on the left S1, sev.", "S1", "left"),
    ("L4-5: L HNP contacting the L5.", "L5", "left"),
])
def test_root_named_by_its_letter_after_a_verb(text, root, side):
    found = single(find(read(text), type=NERVE))
    assert (found["root"], found["side"]) == (root, side)


@pytest.mark.parametrize("text", ["L4-5: The bulge abuts L4-5 disc space.", "T12: Compression deformity of T12."])
def test_level_after_a_verb_is_no_root(text):
    assert find(read(text), type=NERVE) == []


@pytest.mark.parametrize("text", [
    "L4-5: Bilateral foraminal stenosis, moderate on the right and mild on the left.",
    "L4-5: Bilateral neural foraminal narrowing (right moderate, left mild).",
    "L4-5: Neural foraminal narrowing: moderate (R), mild (L).",
    "L4-5: Moderate (R) and mild (L) foraminal narrowing.",
])
def test_bilateral_described_side_by_side_is_two_findings(text):
    assert sides(text) == {"right": ("moderate", "present"), "left": ("mild", "present")}


@pytest.mark.parametrize("text", [
    "L4-5: Bilateral foraminal stenosis, worse on the right.",
    "L4-5: mild bilateral foraminal narrowing, L>R",
])
def test_bilateral_with_one_side_worse_stays_one(text):
    assert list(sides(text)) == ["bilateral"]


@pytest.mark.parametrize("text, side, severity", [
    ("C6-7: DOC, no SS, B/L mild NFN.", "bilateral", "mild"),
    ("C6-7: no canal stenosis, R mod foraminal narrowing.", "right", "moderate"),
    ("C6-7: No SS, left mild NF narrowing.", "left", "mild"),
])
def test_denial_ends_at_a_new_graded_side_item(text, side, severity):
    assert sides(text) == {side: (severity, "present")}
    assert single(find(read(text), type=CANAL))["assertion"] == "absent"


@pytest.mark.parametrize("text", ["L4-5: No foraminal stenosis, left or right.",
                                  "L4-5: No stenosis of the canal, left or right foramina."])
def test_denial_runs_over_a_list_of_sides(text):
    assert all(f["assertion"] == "absent" for f in find(read(text), type=FORAMEN))


def test_verb_without_subject_acts_for_the_clause_before():
    found = single(find(read("L5-S1: L paracentral HNP; abuts L S1 root."), type=NERVE))
    assert (found["side"], found["cause"]) == ("left", ["disc-herniation"])


@pytest.mark.parametrize("text, finding_type", [
    ("L5-S1: NFs OK.", FORAMEN), ("L5-S1: Canal ok.", CANAL), ("L5-S1: Foramina nl.", FORAMEN)])
def test_shorthand_normal_words(text, finding_type):
    assert single(find(read(text), type=finding_type))["assertion"] == "absent"


@pytest.mark.parametrize("text", [
    "L4-5: Foramina: mild right, none left.",
    "L4-5: NF: mild R, none L.",
    "L4-5: mild right and no left foraminal narrowing.",
])
def test_other_sides_denial_leaves_this_side_present(text):
    assert sides(text) == {"right": ("mild", "present"), "left": (None, "absent")}


@pytest.mark.parametrize("text, first, second", [
    ("L4-5: Foramina: without stenosis on the right; mild on the left.", ("right", None, "absent"),
     ("left", "mild", "present")),
    ("L4-5: Moderate left foraminal stenosis; mild on the right.", ("left", "moderate", "present"),
     ("right", "mild", "present")),
])
def test_graded_side_alone_after_a_semicolon(text, first, second):
    found = sides(text)
    assert {side: value for side, *value in (first, second)} == {k: list(v) for k, v in found.items()}


def test_graded_side_alone_names_no_structure_of_its_own():
    assert list(sides("L4-5: Moderate left foraminal stenosis; mild disc bulge on the right.")) == ["left"]


def test_table_cells_read_under_their_column_labels():
    text = ("FINDINGS:\nLevel | Central canal | Right foramen | Left foramen | Comment\n"
            "L3-4 | normal | mild | patent | -\n"
            "L4-5 | moderate stenosis | severe | moderate | right foraminal protrusion compresses the exiting right L4 root\n")
    found = {(f["type"], f["level"], f.get("side")): (f.get("severity"), f["assertion"]) for f in read(text)}
    assert found == {
        (CANAL, "L3-L4", None): (None, "absent"),
        (FORAMEN, "L3-L4", "right"): ("mild", "present"),
        (FORAMEN, "L3-L4", "left"): (None, "absent"),
        (CANAL, "L4-L5", None): ("moderate", "present"),
        (FORAMEN, "L4-L5", "right"): ("severe", "present"),
        (FORAMEN, "L4-L5", "left"): ("moderate", "present"),
        (NERVE, "L4-L5", "right"): (None, "present"),
    }


@pytest.mark.parametrize("text, expected", [
    ("L4-5: mod. L NFN.", {("left", "moderate")}),
    ("L4-5: sev. R NF narrowing.", {("right", "severe")}),
    ("L4-5: SS, sev. Mild BFN.", {("bilateral", "mild")}),
])
def test_abbreviated_grade_with_a_full_stop(text, expected):
    assert {(f["side"], f["severity"]) for f in find(read(text), type=FORAMEN)} == expected


def test_grade_abbreviation_ending_a_sentence_stays_with_its_finding():
    found = read("L4-5: SS, sev. Mild BFN.")
    assert single(find(found, type=CANAL))["severity"] == "severe"


def test_a_root_named_by_its_letter_after_a_roots_label():
    findings = read("L3-L4: Roots: left L3 contacted in the foramen")
    assert findings == [{"type": "nerve-root", "level": "L3-L4", "root": "L3", "side": "left",
                         "degree": "contact", "assertion": "present"}]


def test_a_table_roots_column_names_roots_by_their_letters():
    text = ("Level | Canal | Foramina | Roots\n"
            "L4-L5 | mild stenosis | mild L | bilateral L5 compression in the lateral recesses\n"
            "L5-S1 | none | severe L | L L5 impinged by foraminal osteophyte\n"
            "L3-L4 | - | - | no impingement\n")
    findings = read(text)
    assert {"type": "nerve-root", "level": "L4-L5", "root": "L5", "side": "bilateral", "degree": "compression",
            "assertion": "present"} in findings
    assert {"type": "nerve-root", "level": "L5-S1", "root": "L5", "side": "left", "degree": "impingement",
            "assertion": "present", "cause": ["osteophyte"]} in findings
    assert [f["assertion"] for f in find(findings, type=NERVE, level="L3-L4")] == ["absent"]


def test_slashed_sides_pair_with_slashed_grades():
    assert sides("L3-4: R/L NF narrowing mild/mod.") == {"right": ("mild", "present"), "left": ("moderate", "present")}
    assert sides("L3-4: mild/mod bilateral NF narrowing.") == {"bilateral": ("mild-to-moderate", "present")}


def test_a_root_named_by_side_and_letter_before_a_ladder_word():
    findings = read("L5-S1: R L5 compressed (foraminal); L L5 contact")
    assert {(f["side"], f["degree"]) for f in find(findings, type=NERVE, root="L5", level="L5-S1")} == \
        {("right", "compression"), ("left", "contact")}
    assert read("L1 compression fracture. Mild left L1 compression deformity.") == []  # vertebrae, not roots


def test_a_hedge_inside_a_labelled_stenosis():
    assert sides("L4-5: Foramina: possibly mild right narrowing.") == {"right": ("mild", "possible")}


def test_shorthand_after_an_imaging_study_names_a_body_part():
    assert read("HPI: MVC yesterday. CT CS negative. XR LS normal.") == []
    assert find(read("MRI L-spine: mild CS at L4-5."), type=CANAL) == \
        [{"type": CANAL, "level": "L4-L5", "severity": "mild", "assertion": "present"}]


def test_shorthand_before_an_imaging_study_names_the_study():
    # "LSS" / "L.SS" before the study's name is the lumbosacral spine, not spinal stenosis.
    assert read("L.SS MRI :\nMild bulge at L3-L4.") == []
    assert read("LSS CT: normal alignment.") == []
    assert find(read("Findings: SS at L4-5, mild."), type=CANAL) != []


def test_root_names_in_the_plural_and_answer_headers():
    findings = read("Foramina: severe narrowing R/L at L5-S1, both L5s pinched by the pars fibrocartilage.")
    assert {"type": NERVE, "level": "L5-S1", "root": "L5", "side": "bilateral", "degree": "compression",
            "assertion": "present"} in [{k: v for k, v in f.items() if k != "cause"} for f in findings]
    text = ("CLINICAL QUESTION: Nerve root compression to explain right L5 radiculopathy?\n"
            "ANSWER: Yes. A right L4-5 subarticular protrusion compresses the right L5 root in the lateral recess.\n"
            "OTHER FINDINGS: L3-4 mild bilateral foraminal narrowing.")
    assert {(f["type"], f["level"]) for f in read(text)} == {(NERVE, "L4-L5"), (FORAMEN, "L3-L4")}


def test_side_items_with_a_grade_or_a_denial_each():
    assert sides("L3-L4: NF: R mild, L none") == {"right": ("mild", "present"), "left": (None, "absent")}
    findings = read("L5-S1: L S1 mildly deflected by a small paracentral protrusion.")
    assert [(f["root"], f["side"], f["degree"]) for f in findings] == [("S1", "left", "displacement")]
