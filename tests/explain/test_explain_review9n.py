"""The page-side classes of the fourteenth radiologist review of issue 9 (50 real reports seen in earlier
rounds, read again), with sentences of our own.

A canal called borderline stenotic is close to narrow, not narrow; the first warning sign names the
limbs of the page's region; a hedged thing's age is hedged too; a cause written on one side of a root the
report puts on the other asks for review; a cause placed in the nerve opening does not narrow the canal;
a typed slip grade and a typed "compresion" are read; a page of denials lists the common bulges the
report names, so that it does not read as a clear scan. One hedge vocabulary (hedges.yaml) serves the
page's two readers of doubt.
"""

from __future__ import annotations

import pytest

from service.explain import explain, hedges, ownwords, scope
from service.explain.phrasebook import phrasebook
from service.explain.scope import mentions
from service.extract import extract_findings

LANGUAGES = ("en", "es")


def _page(text: str, language: str):
    return explain(extract_findings(text), language, text=text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_borderline_canal_is_close_to_narrow(language):
    book = phrasebook(language)
    borderline = "L3-L4: broad disc bulge. The canal is borderline stenotic."
    mild = "L3-L4: broad disc bulge. The canal is mildly stenotic."
    (canal,) = [f for f in extract_findings(borderline) if f.type == "canal-stenosis"]
    sentence = explain([canal], language, text=borderline).finding_sentences[0]
    close = book["narrowed"]["borderline"]["one"].split("{object}")[1]
    assert close in sentence and book["narrowed"]["present"]["one"].split("{object}")[1] + " " not in sentence
    (mild_canal,) = [f for f in extract_findings(mild) if f.type == "canal-stenosis"]
    assert close not in explain([mild_canal], language, text=mild).finding_sentences[0]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("text", "region"), [
    ("L5-S1: disc protrusion contacting the right S1 nerve root.", "lower_back"),
    ("C5-C6: uncovertebral spurs narrow the left foramen, contacting the exiting left C6 root.", "neck"),
    ("C5-C6: spurs narrow the left foramen. L5-S1: disc protrusion contacting the right S1 nerve root.", "any"),
])
def test_the_first_warning_sign_names_the_limbs_of_the_region(text, region, language):
    weaker = phrasebook(language)["help"]["prompt_weaker"]
    page = _page(text, language).text
    assert weaker[region] in page
    assert all(line not in page for key, line in weaker.items() if key != region)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hedged_thing_keeps_its_age_hedged(language):
    words = phrasebook(language)["scope"]
    text = "L4-L5: disc bulge contacting the left L5 nerve root. Loss of height of T12, probably an old fracture."
    (fracture,) = [m for m in mentions(text) if m.kind == "fracture"]
    assert fracture.hedged and fracture.age == "old"
    page = _page(text, language).text
    assert words["ages_hedged"]["old"] in page and words["ages"]["old"] not in page


def test_a_cause_on_the_other_side_of_its_root_asks_for_review():
    crossed = "L4-L5: right paracentral disc protrusion compressing the left L5 nerve root."
    same = "L4-L5: left paracentral disc protrusion compressing the left L5 nerve root."
    both = "L4-L5: right paracentral disc protrusion compressing the right L5 root and abutting the left L5 root."
    assert "conflict" in _page(crossed, "en").review_reasons
    assert _page(same, "en").status == "ready"
    assert "conflict" not in _page(both, "en").review_reasons


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_cause_in_the_nerve_opening_does_not_narrow_the_canal(language):
    book = phrasebook(language)
    text = "L3-L4: diffuse disc bulge with a left foraminal disc protrusion.\nWith moderate canal stenosis."
    (canal,) = [f for f in extract_findings(text) if f.type == "canal-stenosis"]
    sentence = explain([canal], language, text=text).finding_sentences[0].lower()
    assert book["causes"]["disc-bulge"]["phrase"] in sentence
    assert book["causes"]["disc-protrusion"]["phrase"] not in sentence


@pytest.mark.parametrize(("sentence", "grade", "review"), [
    ("Grdae I anterolisthesis of L4 over L5.", "Grdae I", False),
    ("Grae II spondylolisthesis of L5 over S1.", "Grae II", True),
])
def test_a_typed_slip_grade_is_read(sentence, grade, review):
    (slip,) = [m for m in mentions(sentence) if m.kind == "slip"]
    assert slip.grade == grade and slip.review is review
    page = _page(f"L4-L5: disc bulge contacting the left L5 nerve root. {sentence}", "en").text
    number = grade.split()[-1].replace("II", "2").replace("I", "1")
    assert phrasebook("en")["scope"]["slip_grade"].format(grade=number) in page


@pytest.mark.parametrize("typed", ["compresion", "compressuion"])
def test_a_typed_compression_of_the_sac_is_read_as_denied(typed):
    (sac,) = [m for m in scope.not_seen(f"No thecal sac or nerve root {typed} noted.") if m.kind == "sac"]
    assert sac.kind == "sac"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_of_denials_lists_the_common_bulges(language):
    words = phrasebook(language)["scope"]
    denials = "Small disc bulges at L3-L4 and L4-L5, abutting the thecal sac. No nerve root compression. Adequate canal."
    stated = "Small disc bulge at L3-L4. L4-L5: disc protrusion compressing the right L5 nerve root."
    alone = "Small disc bulge at L4-L5."
    page = _page(denials, language)
    assert words["kinds"]["bulge"] in page.text and page.status == "ready"
    assert words["said_at"].format(level=f"L3-L4{phrasebook(language)['and']}L4-L5") in page.text
    assert words["kinds"]["bulge"] not in _page(stated, language).text
    assert _page(alone, language) is None


@pytest.mark.parametrize(("sentence", "meaning"), [
    ("L5-S1: probably scar tissue compressing the left S1 root.", "likely"),
    ("L5-S1: tissue, questionable recurrent disc herniation, compressing the left S1 root.", "possible"),
    ("L5-S1: mainly epidural fibrosis compressing the left S1 root.", "mostly"),
])
def test_one_hedge_vocabulary_reads_a_cause(sentence, meaning):
    (root,) = [f for f in extract_findings(sentence) if f.type == "nerve-root"]
    assert ownwords._cause_hedge(root, sentence, ownwords._rules()) == meaning


def test_a_word_added_to_the_hedge_vocabulary_takes_effect(monkeypatch):
    text = "L4-L5: disc bulge contacting the left L5 nerve root. Soft tissue behind L4, conceivably a sequestered fragment."
    (fragment,) = [m for m in mentions(text) if m.kind == "fragment"]
    assert not fragment.hedged
    added = {**hedges._hedges(), "possible": [*hedges._hedges()["possible"], "conceivably"]}
    caches = (hedges._hedges, hedges.hedge_words, scope.scope_rules, scope._scan, ownwords._rules)
    try:
        for cached in caches:
            cached.cache_clear()
        monkeypatch.setattr(hedges, "_hedges", lambda: added)
        (fragment,) = [m for m in mentions(text) if m.kind == "fragment"]
        assert fragment.hedged
        # ... and the cause's reader: one vocabulary for both.
        assert any("conceivably" in pattern.pattern for _, pattern in ownwords._rules()["cause_hedges"])
    finally:
        monkeypatch.undo()
        for cached in caches:
            cached.cache_clear()


@pytest.mark.parametrize("language", LANGUAGES)
def test_pressure_on_the_sac_or_cord_says_its_own_sentences_level(language):
    words = phrasebook(language)["scope"]
    text = ("L4-L5: disc bulge contacting the left L5 nerve root.\n"
            "Central disc protrusions at L3-L4 and L5-S1 levels, compressing the thecal sac.\n"
            "C5-C6: disc osteophyte complex indenting the spinal cord.")
    (sac,) = [m for m in mentions(text) if m.kind == "sac"]
    (cord,) = [m for m in mentions(text) if m.kind == "cord"]
    assert sac.at == ("L3-L4", "L5-S1") and cord.at == ("C5-C6",)
    page = _page(text, language).text
    assert words["said_at"].format(level=f"L3-L4{phrasebook(language)['and']}L5-S1") in page
    assert words["said_at"].format(level="C5-C6") in page


def test_a_level_named_before_a_shortened_quote_is_quoted_with_it():
    text = ("At L5-S1 there is a broad-based disc bulge together with advanced facet arthropathy on both sides, marked "
            "ligamentum flavum thickening and small end plate spurs along the posterior margins of the vertebral "
            "bodies, causing compression of the thecal sac and narrowing of both neural foramina.")
    (sac,) = [m for m in mentions(text) if m.kind == "sac"]
    assert sac.quote.startswith("L5-S1 … ")  # cut before its words, the quote is headed by the level's words
    assert sac.at == ("L5-S1",)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("sentence", [
    "Previous laminectomy at L4-L5.",
    "Postoperative changes with pedicle screw fixation from L4 to S1.",
    "Status post right L5-S1 discectomy.",
])
def test_an_earlier_operation_is_listed_quietly(sentence, language):
    words = phrasebook(language)["scope"]
    text = f"L4-L5: disc bulge contacting the left L5 nerve root. {sentence}"
    (operated,) = [m for m in mentions(text) if m.kind == "operated"]
    assert not operated.review
    page = _page(text, language)
    assert words["kinds"]["operated"] in page.text and page.status == "ready"
    # Alone it makes no page, and it is no finding the engine missed.
    assert _page(sentence, language) is None or "unread-finding" not in _page(sentence, language).review_reasons


def test_loosened_metal_work_asks_for_review():
    text = "L4-L5: disc bulge contacting the left L5 nerve root. Lucency around the L5 pedicle screws, loosening."
    (operated,) = [m for m in mentions(text) if m.kind == "operated"]
    assert operated.review and _page(text, "en").status == "needs-review"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mentioned_infection_adds_its_warning_signs(language):
    help_words = phrasebook(language)["help"]
    text = "L4-L5: disc bulge contacting the left L5 nerve root. L2-L3 end plate oedema and fluid in the disc, possibly discitis."
    page = _page(text, language).text
    assert help_words["infection"][0] in page and help_words["infection_after"] in page
    quiet = _page("L4-L5: disc bulge contacting the left L5 nerve root.", language).text
    assert help_words["infection"][0] not in quiet


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_of_denials_does_not_call_an_ungraded_sac_pressure_more_important(language):
    words = phrasebook(language)["scope"]
    text = "L4-L5: midline disc protrusion indenting the thecal sac. No nerve root compression. Adequate canal."
    page = _page(text, language)
    assert words["also_intro"] in page.text and words["also_first"] not in page.text
    # The full warning signs stay: the report does state a pressure.
    assert phrasebook(language)["help"]["urgent"][0] in page.text
    graded = _page(text.replace("midline disc protrusion", "large midline disc protrusion severely"), language)
    assert words["also_first"] in graded.text and graded.status == "needs-review"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bone_island_is_named_quietly_not_as_a_mass(language):
    words = phrasebook(language)["scope"]
    text = "L4-L5: disc bulge contacting the left L5 nerve root. Small dark lesion in the L2 body, probably a bone island."
    kinds = [m.kind for m in mentions(text)]
    assert "bone_island" in kinds and "mass" not in kinds
    page = _page(text, language)
    assert words["hedged_kinds"]["bone_island"] in page.text and page.status == "ready"


@pytest.mark.parametrize("sentence", ["Previus surgery at L4-L5.", "Preveius operation at L5-S1 (fenestration)."])
def test_a_typed_earlier_operation_is_listed(sentence):
    assert [m.kind for m in mentions(sentence)] == ["operated"]


def test_levels_joined_with_and_at_are_one_list():
    text = "Disc bulges at L3/L4 & at L4/L5 levels, compressing the thecal sac."
    (sac,) = [m for m in mentions(text) if m.kind == "sac"]
    assert sac.at == ("L3-L4", "L4-L5")


def test_a_denial_ending_on_compressing_denies_the_sac():
    (sac,) = [m for m in scope.not_seen("There is no thecal sac or exiting root compressing at this level.") if m.kind == "sac"]
    assert sac.kind == "sac"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_finding_the_report_says_appears_so_keeps_that_word(language):
    looks = phrasebook(language)["looks"]
    text = "L4-L5: broad disc bulge; the right exit foramen appears moderately narrowed and the canal is adequate."
    (foramen,) = [f for f in extract_findings(text) if f.type == "foraminal-stenosis"]
    assert foramen.assertion == "present"  # FORMAT.md: "appears" is no hedge
    page = _page(text, language).text
    assert looks in page
    plain = _page(text.replace("appears moderately narrowed", "is moderately narrowed"), language).text
    assert looks not in plain


@pytest.mark.parametrize("language", LANGUAGES)
def test_largely_is_a_lot_not_an_extent(language):
    book = phrasebook(language)
    text = "L4-L5: right paracentral disc protrusion largely compressing the right L5 nerve root."
    sentence = _page(text, language).finding_sentences[0]
    assert book["grade_sentence_large"] in sentence
    assert "extent" not in sentence and "extensi" not in sentence


def test_a_typed_thecal_sac_and_levels_named_with_level_and():
    (sac,) = [m for m in scope.not_seen("There is no thyecal sac or exiting root compression.") if m.kind == "sac"]
    assert sac.kind == "sac"
    text = "Disc bulges, most marked at L4/L5 level and L2/L3 levels, compressing the thecal sac."
    (pressed,) = [m for m in mentions(text) if m.kind == "sac"]
    assert pressed.at == ("L4-L5", "L2-L3")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_scoliosis_is_listed_quietly_and_makes_no_page_alone(language):
    words = phrasebook(language)["scope"]
    text = "Mild scoliosis of the lumbar spine, convex to the right. L4-L5: disc bulge contacting the left L5 root."
    page = _page(text, language)
    assert words["kinds"]["curve"] in page.text and page.status == "ready"
    assert _page("Mild scoliosis of the lumbar spine, convex to the right.", language) is None
    assert not scope.has_page([], "Previous laminectomy at L4-L5. Mild scoliosis of the lumbar spine.")


def test_a_level_of_two_vertebrae_that_are_not_neighbours_asks_for_review():
    odd = "Broad disc bulge at L3/L4 & L4/S1, compressing the exit nerve roots."
    ranged = "Broad disc bulges from L4-S1, compressing the exit nerve roots."
    assert "odd-level" in _page(odd, "en").review_reasons
    assert "odd-level" not in _page(ranged, "en").review_reasons
    assert "odd-level" not in _page("C4/5: disc osteophyte complex narrowing the left foramen.", "en").review_reasons


def test_a_disc_described_by_its_state_is_not_what_narrows():
    from service.explain.causes import with_page_causes
    text = "Desiccated disc material noted at L4-L5 and L5-S1\nbroad disc bulge noted at the L4-L5 level there is mild encroaching the neural canals"
    (foramen,) = [f for f in with_page_causes(extract_findings(text), text) if f.type == "foraminal-stenosis"]
    assert "disc-herniation" not in foramen.cause
