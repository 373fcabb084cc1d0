"""Anaphora, side phrases, roots coordinated under one side, cause links, and zone words that only place."""

import pytest

from extract_helpers import FORAMEN, NERVE, RECESS, find, read, single



def roots(text: str) -> list[dict]:
    return find(read(text), type=NERVE)


# -- anaphora and side phrases ---------------------------------------------------------------------
@pytest.mark.parametrize("text, side", [
    ("C6-7: Uncovertebral hypertrophy on the right causes moderate foraminal narrowing. "
     "It flattens the exiting C7 nerve root.", "right"),
    ("C5-6: Spurring on the left side results in severe foraminal stenosis. This compresses the exiting C6 root.",
     "left"),
    ("C5-6: Osteophytes to the left produce moderate foraminal narrowing. This contacts the C6 nerve root.", "left"),
])
def test_pronoun_takes_side_of_previous_finding(text, side):
    assert single(find(read(text), type=FORAMEN))["side"] == side
    assert single(roots(text))["side"] == side


@pytest.mark.parametrize("text, degree", [
    ("L5-S1: The S1 root is not displaced; however, the protrusion may contact it.", "contact"),
    ("L5-S1: The left S1 root is not compressed, but the protrusion possibly abuts it.", "contact"),
    ("L4-5: The traversing L5 roots are not displaced; however, the bulge might touch them.", "contact"),
])
def test_denied_higher_rung_with_hedged_lower_rung_is_possible(text, degree):
    found = single(roots(text))
    assert (found["assertion"], found["degree"]) == ("possible", degree)


# -- two roots sharing a side ----------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "L4-5: Far lateral extrusion compressing both the exiting left L4 and the traversing left L5 nerve roots.",
    "L4-5: The extrusion compresses the left L4 and L5 roots.",
    "L4-5: The extrusion abuts the exiting left L4 nerve root and the traversing left L5 nerve root.",
    "L4-5: Left-sided extrusion displacing the left L4 as well as the left L5 nerve roots.",
])
def test_two_roots_each_keep_the_side(text):
    found = roots(text)
    assert sorted((f["root"], f["side"]) for f in found) == [("L4", "left"), ("L5", "left")]


# -- cause links -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, cause", [
    ("L5-S1: There is irritation of the right S1 root by the bulging disc.", "disc-bulge"),
    ("L4-5: The right L5 root is compressed by a synovial cyst.", "synovial-cyst"),
    ("L4-5: There is a right synovial cyst which compresses the right L5 root.", "synovial-cyst"),
    ("L5-S1: A left extrusion, which displaces the left S1 root, is noted.", "disc-extrusion"),
    ("C5-6: Uncovertebral hypertrophy results in moderate narrowing of both foramina; the exiting C6 roots are "
     "likely irritated.", "osteophyte"),
    ("C6-7: Facet arthropathy causing severe right foraminal stenosis with impingement of the exiting right C7 root.",
     "facet-arthropathy"),
])
def test_cause_links(text, cause):
    assert single(roots(text))["cause"] == [cause]


def test_structure_listed_with_a_stenosis_is_no_cause():
    found = single(roots("L5-S1: Facet arthropathy with left foraminal narrowing; the left L5 root is compressed."))
    assert "cause" not in found


# -- zone words place a finding, they do not assert a stenosis --------------------------------------
@pytest.mark.parametrize("text", [
    "C6-7: The protrusion flattens the C7 root sheath in the lateral recess.",
    "L4-5: The extrusion extends into the left foramen and contacts the exiting left L4 root.",
    "L4-5: A protrusion in the left subarticular zone abuts the traversing left L5 root.",
])
def test_zone_words_are_not_stenosis(text):
    assert [f["type"] for f in read(text)] == [NERVE]


@pytest.mark.parametrize("text", [
    "L4-5: The left lateral recess is effaced.",
    "L4-5: The left lateral recess is obliterated by the protrusion.",
    "L4-5: Effacement of the left lateral recess.",
])
def test_effaced_recess_is_a_stenosis(text):
    found = single(find(read(text), type=RECESS))
    assert (found["side"], found["assertion"], found.get("severity")) == ("left", "present", None)


@pytest.mark.parametrize("text, side, assertion, severity", [
    ("C5-6: The right foramen is narrowed to a mild degree. The left is moderately narrowed.", "left", "present",
     "moderate"),
    ("L4-5: Severe left foraminal stenosis. The right is patent.", "right", "absent", None),
    ("L4-5: Mild right lateral recess narrowing. On the left, there is severe stenosis.", "left", "present", "severe"),
])
def test_side_alone_speaks_of_the_openings_before(text, side, assertion, severity):
    found = single(find(read(text), side=side))
    assert found["type"] in (FORAMEN, RECESS)
    assert (found["assertion"], found.get("severity")) == (assertion, severity)


def test_pronoun_after_semicolon_takes_the_causes_before():
    text = ("C5-6: There is a disc osteophyte complex with right uncovertebral hypertrophy; this narrows the right "
            "foramen and contacts the exiting C6 root.")
    found = single(roots(text))
    assert (found["side"], found["cause"]) == ("right", ["osteophyte"])


@pytest.mark.parametrize("text, side", [
    ("L4-5: There is mild foraminal narrowing on the right, which contacts the exiting L4 root.", "right"),
    ("C5-6: Foraminal narrowing is severe on the left side, with compression of the C6 root.", "left"),
    ("C6-7: Moderate left foraminal stenosis with impingement of the exiting C7 nerve root.", "left"),
])
def test_root_in_a_one_sided_opening_takes_its_side(text, side):
    assert single(roots(text))["side"] == side


def test_root_after_openings_narrowed_on_both_sides_keeps_no_side():
    text = "C6-7: Moderate right and mild left foraminal stenosis; the C7 nerve root is contacted."
    assert single(roots(text)).get("side") is None


@pytest.mark.parametrize("text, root, side, degree", [
    ("L4-5: The right L5 root was previously compressed. It is now only contacted.", "L5", "right", "contact"),
    ("L5-S1: The left S1 nerve root is thickened. It is displaced posteriorly by the extrusion.", "S1", "left",
     "displacement"),
    ("L4-5: The L5 roots are thickened. They are compressed in the lateral recesses.", "L5", "bilateral",
     "compression"),
])
def test_pronoun_subject_of_a_passive_ladder_word_is_the_root_before(text, root, side, degree):
    found = single(roots(text))
    assert (found["root"], found["side"], found["degree"], found["assertion"]) == (root, side, degree, "present")


@pytest.mark.parametrize("text", [
    "L4-5: A protrusion contacts the right L5 root. It causes compression of the thecal sac.",
    "L4-5: A protrusion contacts the right L5 root. It is large and effaces the thecal sac.",
])
def test_pronoun_of_an_active_verb_is_not_the_root(text):
    assert single(roots(text))["degree"] == "contact"


@pytest.mark.parametrize("text", [
    "The extrusion compresses the right S1 root at L5-S1 and mild left foraminal narrowing at L4-5.",
    "R HNP compresses R S1 at L5-S1 and mild L NFN at L4-5.",
])
def test_level_after_a_stenosis_is_its_own(text):
    found = read(text)
    assert single(find(found, type=FORAMEN))["level"] == "L4-L5"
    assert single(roots(text))["level"] == "L5-S1"
