"""Page-side classes of the sixth radiologist review of issue 9 (50 unseen real reports), with sentences of
our own: a kidney's cyst is named as a cyst on its side, not as "something about a kidney"; the spinal cord
is described without placing it in the neck, since a cord finding can sit at the bottom of the thoracic spine.
"""

from __future__ import annotations

import pytest

from service.explain import explain
from service.explain.phrasebook import phrasebook
from service.explain.scope import page_mentions

LANGUAGES = ("en", "es")


def _kinds(text: str) -> list[tuple[str, str | None]]:
    mentions, _, _ = page_mentions([], text)
    return [(mention.kind, mention.problem) for mention in mentions]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_kidney_cyst_is_named_with_its_side(language):
    book = phrasebook(language)
    text = "At T12-L1 a disc bulge indents the thoracic cord. Incidental Rt renal cyst measuring 2 cm."
    assert ("kidney", "cyst_right") in _kinds(text)
    page = explain([], language, text=text).text
    assert book["scope"]["problems"]["kidney"]["cyst_right"] in page
    assert book["scope"]["kinds"]["kidney"] not in page
    assert ("kidney", "cyst") in _kinds("A small simple renal cyst is seen.")
    assert ("kidney", "stone") in _kinds("A 4 mm left renal calculus.")
    assert ("kidney", "other") in _kinds("A small atrophic right kidney.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cord_is_not_described_as_a_neck_organ(language):
    book = phrasebook(language)
    text = "At T12-L1 a disc bulge indents the thoracic cord."
    page = explain([], language, text=text).text
    assert book["scope"]["problems"]["cord"]["pressure"] in page
    for line in book["scope"]["problems"]["cord"].values():
        assert "neck" not in line and "cuello" not in line


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_root_of_no_stated_side_is_one_or_both_and_a_denial_stays_plural(language):
    from service.explain.compose import finding_sentence
    from service.extract.finding import Finding

    book = phrasebook(language)
    stated = Finding("nerve-root", level="L5-S1", degree="compression", severity="mild", root_inferred="L5",
                     cause=["disc-bulge"])
    sentence = finding_sentence(book, stated)
    assert book["nerve_root"]["unnamed_stated"]["phrase"] in sentence
    assert book["inferred_root"]["unsided"].format(root="L5") in sentence
    denied = Finding("nerve-root", level="L5-S1", degree="compression", assertion="absent")
    assert book["nerve_root"]["unnamed"]["phrase"] in finding_sentence(book, denied)
    assert book["nerve_root"]["unnamed_stated"]["phrase"] not in finding_sentence(book, denied)
    # A side the report gives is kept as it is.
    left = Finding("nerve-root", level="L5-S1", side="left", degree="compression", root_inferred="L5")
    assert book["nerve_root"]["unnamed_stated"]["phrase"] not in finding_sentence(book, left)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_slip_keeps_its_grade_word_and_its_grade_number(language):
    book = phrasebook(language)
    mild = "At T12-L1 a disc bulge indents the thoracic cord.\nL4-L5: Mild anterolisthesis of L4 on L5."
    page = explain([], language, text=mild).text
    assert book["scope"]["kind_grade"]["slip"]["sentence"].format(grade=book["grades"]["mild"]) in page
    numbered = "At T12-L1 a disc bulge indents the thoracic cord.\nGrade 1 anterolisthesis of L4 on L5."
    assert book["scope"]["slip_grade"].format(grade="1") in explain([], language, text=numbered).text


def test_thecal_sac_pressure_is_listed_when_compressing_loses_its_p():
    assert ("sac", None) in _kinds("Small right paracentral disc protrusion at L4-L5 level, comressing the thecal sac.")


def test_a_lipoma_is_listed_quietly_under_the_skin_and_for_review_inside_the_canal():
    skin, _, _ = page_mentions([], "Incidental subcutaneous lipoma at the level of the L2 vertebra.")
    assert [(m.kind, m.review) for m in skin] == [("lipoma", False)]
    canal, _, _ = page_mentions([], "A small intradural lipoma at the conus.")
    assert [(m.kind, m.review) for m in canal] == [("lipoma", True)]


def test_a_cause_placed_by_the_level_right_after_it_is_that_levels_only():
    from service.explain.causes import page_causes
    from service.extract.finding import Evidence, Finding

    text = ("Broad disc bulges at L3-L4 and L4-L5 narrowing both exit foramina, with thickened ligamentum flavum "
            "at L4-L5 level.")
    whole = [Evidence(0, len(text))]
    upper = Finding("foraminal-stenosis", level="L3-L4", side="bilateral", evidence=whole)
    lower = Finding("foraminal-stenosis", level="L4-L5", side="bilateral", evidence=whole)
    assert "ligamentum-flavum" not in page_causes(upper, text)
    assert "ligamentum-flavum" in page_causes(lower, text)
    assert "disc-bulge" in page_causes(upper, text) and "disc-bulge" in page_causes(lower, text)


def test_thecal_sac_pressure_is_listed_through_a_second_verb_and_typed_slips():
    for text in ("Large central disc protrusion at L2-L3, severely compressing and filling the thecal sac.",
                 "Diffuse disc bulge at L4-L5, cpmpressing the thecal sac.",
                 "Diffuse disc bulge at L4-L5, compressing the theca sac."):
        assert ("sac", None) in _kinds(text), text
    largely, _, _ = page_mentions([], "Central disc protrusion at L1-L2, largely compressing and filling the thecal sac.")
    assert [m.review for m in largely if m.kind == "sac"] == [True]


def test_a_denial_does_not_reach_over_a_hedged_new_statement():
    text = "Loss of height of the L1 vertebral body, with no marrow edema, mostly old fracture."
    assert any(kind == "fracture" for kind, _ in _kinds(text))
    assert not any(kind == "fracture" for kind, _ in _kinds("No marrow edema and no fracture."))
