"""The classes of the third radiologist review of issue 9 (50 unseen real reports), with sentences of our own.

Each test names the class it guards: the cause of a narrowing, hedged and "adequate" denials, grades the
page must not move or invent, exact quotes, the worse side, what the report also mentions (cysts,
hemangiomas, an organ's cyst, a kidney and the test suggested for it, "the thecal" without "sac", cord
flattening with its levels, scar tissue after an operation), and the engine's level reading in scope.py.
"""

from __future__ import annotations

import re

import pytest

from service.explain import explain
from service.explain.causes import page_causes
from service.explain.compose import finding_sentence
from service.explain.ownwords import tell
from service.explain.phrasebook import phrasebook
from service.explain.scope import disc_levels, page_mentions, regions, suggestion_details
from service.extract import extract_findings
from service.extract.finding import FINDING_TYPES, Evidence, Finding

from combinations import stenosis_combinations

LANGUAGES = ("en", "es")


def _at(text: str, sentence: str) -> list[Evidence]:
    start = text.index(sentence)
    return [Evidence(start, start + len(sentence))]


def _narrowing(text: str, sentence: str | None = None, kind: str = "foraminal-stenosis", level: str = "L4-L5",
               side: str | None = "left", assertion: str = "present", **fields) -> Finding:
    return Finding(kind, level=level, side=side, assertion=assertion, evidence=_at(text, sentence or text), **fields)


# --- the cause of a narrowing, from its own sentence ------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_narrowing_names_the_cause_its_own_sentence_gives(language):
    book = phrasebook(language)
    text = "L4-L5: a broad disc bulge with thick ligamentum flavum narrows the left exit foramen."
    explanation = explain([_narrowing(text)], language, text=text)
    sentence = explanation.finding_sentences[0]
    expected = book["narrowing_cause"]["present"]["many"].format(
        subject=f'{book["causes"]["disc-bulge"]["phrase"]}{book["and"]}{book["causes"]["ligamentum-flavum"]["phrase"]}')
    assert expected[0].upper() + expected[1:] in sentence


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hedged_narrowing_keeps_its_hedge_with_its_cause(language):
    text = "At L5-S1 a small protrusion may narrow the right foramen."
    finding = _narrowing(text, level="L5-S1", side="right", assertion="possible")
    sentence = explain([finding], language, text=text).finding_sentences[0]
    form = phrasebook(language)["narrowing_cause"]["possible"]["one"]
    parts = [part.strip(" .") for part in form.split("{subject}") if part.strip(" .")]
    assert parts and all(part.lower() in sentence.lower() for part in parts)


def test_the_cause_of_another_level_or_a_denied_cause_is_not_borrowed():
    text = "L3-L4 disc protrusion; L4-L5 mild left foraminal narrowing."
    assert page_causes(_narrowing(text), text) == []
    text = "L4-L5: no disc herniation. Facet hypertrophy narrows the left foramen."
    assert page_causes(_narrowing(text, "Facet hypertrophy narrows the left foramen."), text) == ["facet-arthropathy"]
    text = "L4-L5 no disc protrusion, mild left foraminal narrowing from facet arthropathy."
    assert page_causes(_narrowing(text), text) == ["facet-arthropathy"]


def test_levels_listed_together_share_the_cause_before_them():
    text = "Disc bulges at L3-L4 and L4-L5 narrowing both foramina."
    assert page_causes(_narrowing(text, side="bilateral"), text) == ["disc-bulge"]


def test_a_bare_disc_word_names_no_cause():
    text = "Dehydrated L4-L5 disc with mild left foraminal narrowing."
    assert page_causes(_narrowing(text), text) == []


def test_a_denied_narrowing_names_no_cause():
    text = "L4-L5: disc bulge without foraminal narrowing."
    assert page_causes(_narrowing(text, assertion="absent"), text) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_disc_is_said_as_one_thing(language):
    book = phrasebook(language)
    root = Finding("nerve-root", level="L5-S1", root="S1", side="left", degree="compression",
                   cause=["disc-bulge", "disc-herniation", "disc-protrusion"])
    sentence = explain([root], language, text="x").finding_sentences[0]
    assert book["causes"]["disc-protrusion"]["phrase"] in sentence
    assert book["causes"]["disc-bulge"]["phrase"] not in sentence
    assert book["causes"]["disc-herniation"]["phrase"] not in sentence


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_stated_narrowing_with_a_cause_says_it_and_keeps_its_hedge(language):
    """Property: over every narrowing combination, a stated or hedged one with a nameable cause names it
    in the form of its assertion; a denial never does."""
    book = phrasebook(language)
    hedge = {"en": re.compile(r"\bmay\b"), "es": re.compile(r"\bpodrían?\b", re.IGNORECASE)}[language]
    for finding in stenosis_combinations():
        sentence = finding_sentence(book, finding)
        named = [c for c in finding.cause if c != "other"]
        if not named:
            continue
        phrase = book["causes"][named[0]]["phrase"].lower()
        said = [part for part in sentence.split(". ") if phrase in part.lower()]
        assert bool(said) == (finding.assertion != "absent"), (finding, sentence)
        if said:
            assert bool(hedge.search(said[0])) == (finding.assertion == "possible"), (finding, sentence)


# --- denials: hedges, "adequate" ---------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_denial_limited_by_a_grade_word_keeps_its_limit_when_the_engine_dropped_it(language):
    book = phrasebook(language)
    text = "L5-S1: a disc bulge touching the thecal sac but not causing significant foraminal narrowing."
    denial = _narrowing(text, level="L5-S1", side=None, assertion="absent")
    assert tell(denial, text).finding.severity_text == "significant"
    sentence = explain([denial], language, text=text).finding_sentences[0]
    assert book["partial_denial"]["smaller"] in sentence


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_adequate_canal_is_not_told_as_no_narrowing(language):
    book = phrasebook(language)
    text = "L4-L5: bulge compressing the thecal sac. The canal remains adequate in size."
    denial = _narrowing(text, "The canal remains adequate in size.", kind="canal-stenosis", side=None,
                        assertion="absent")
    explanation = explain([denial], language, text=text)
    opening = book["openings"]["canal-stenosis"]["unsided_many"]["phrase"]
    assert book["opening_adequate"]["still"]["one"].format(object=opening) in explanation.text
    assert book["opening_absent"]["phrase"].format(object=opening, limit="") not in explanation.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_without_findings_does_not_say_nothing_about_narrowing_when_the_sac_is_pressed(language):
    book = phrasebook(language)
    explanation = explain([], language, text="L4-L5: central protrusion compressing the thecal sac.")
    assert book["scope"]["nothing_in_scope_sac"] in explanation.text
    assert book["scope"]["nothing_in_scope"] not in explanation.text


def test_a_level_whose_next_sentence_explains_it_is_not_unexplained():
    text = ("At L4-L5 there is a right disc protrusion which is small in size. "
            "It flattens the thecal sac and touches the traversing right L5 root.")
    root = Finding("nerve-root", level="L4-L5", root="L5", side="right", degree="contact",
                   evidence=_at(text, "It flattens the thecal sac and touches the traversing right L5 root."))
    _, unread, any_level = page_mentions([root], text)
    assert unread == [] and not any_level
    # A denial explains only its own clause.
    denial = Finding("nerve-root", level="L4-L5", assertion="absent",
                     evidence=_at(text, "It flattens the thecal sac and touches the traversing right L5 root."))
    _, unread, _ = page_mentions([denial], text)
    assert [m.level for m in unread] == ["L4-L5"]


# --- grades ------------------------------------------------------------------------------------------

def test_a_grade_of_what_presses_is_not_the_grade_of_the_pressure_on_the_sac():
    listed, _, _ = page_mentions([], "L3-L4: large disc protrusion compressing the thecal sac.")
    (sac,) = listed
    assert sac.grade is None and sac.review  # the word still asks for a clinician's review
    listed, _, _ = page_mentions([], "L3-L4: mild bulges compressing the thecal sac.")
    assert listed[0].grade is None and not listed[0].review


@pytest.mark.parametrize("language", LANGUAGES)
def test_largely_is_said_as_large_not_as_a_word_the_report_does_not_use(language):
    book = phrasebook(language)
    text = "L5-S1 protrusion largely compresses the thecal sac."
    explanation = explain([], language, text=text)
    own = book["scope"]["kind_grade"]["sac"]
    large = book["grade_meanings"]["large"]
    large = large.get(own["gender"], large["m"]) if isinstance(large, dict) else large
    assert own["sentence"].format(grade=large) in explanation.text
    assert book["grade_meanings"]["significant"] not in explanation.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_sentence_grading_two_things_leaves_the_grade_to_its_words(language):
    book = phrasebook(language)
    text = "C5-C6: slight exit and moderate central narrowing."
    canal = _narrowing(text, kind="canal-stenosis", level="C5-C6", side=None, severity="mild", severity_text="slight")
    sentence = explain([canal], language, text=text).finding_sentences[0]
    assert book["grade_sentence_quoted"] in sentence
    assert book["grade_sentence"].format(grade=book["grades"]["mild"]) not in sentence


def test_a_grade_beside_its_side_stays():
    text = "C6-C7: severe right and mild left exit narrowing."
    right = _narrowing(text, level="C6-C7", side="right", severity="severe", severity_text="severe")
    assert tell(right, text).finding.severity == "severe" and not tell(right, text).grade_in_words
    joined = "L4-L5: mild to moderate left foraminal narrowing."
    assert not tell(_narrowing(joined, severity="mild-to-moderate", severity_text="mild to moderate"), joined).grade_in_words


def test_a_grade_right_before_the_findings_own_words_stays():
    """A sentence that grades a herniation's size and the canal: the canal's grade stands before its words."""
    text = "At C5-C6 a moderate-sized right paracentral herniation with severe central spinal stenosis."
    canal = _narrowing(text, kind="canal-stenosis", level="C5-C6", side=None, severity="severe", severity_text="severe")
    assert tell(canal, text).finding.severity == "severe" and not tell(canal, text).grade_in_words
    text = "At L4-L5 a mild bulge with moderate narrowing of the left neural foramen and severe canal stenosis."
    foramen = _narrowing(text, severity="moderate", severity_text="moderate")
    assert tell(foramen, text).grade_in_words  # "moderate narrowing of the left neural foramen": too far
    canal = _narrowing(text, kind="canal-stenosis", side=None, severity="severe", severity_text="severe")
    assert not tell(canal, text).grade_in_words


def test_a_grade_word_used_as_a_size_grades_nothing():
    text = "L5-S1: a moderate sized disc protrusion with mild left foraminal narrowing."
    foramen = _narrowing(text, level="L5-S1", severity="mild", severity_text="mild")
    assert not tell(foramen, text).grade_in_words


# --- quotes and sides --------------------------------------------------------------------------------

def test_a_quote_never_starts_with_a_header_line():
    text = "IMPRESSION:\n…central protrusion at L4-L5 compressing the thecal sac"
    listed, _, _ = page_mentions([], text)
    assert listed and all(not m.quote.startswith("IMPRESSION") for m in listed)
    assert all(m.quote in " ".join(text.split()) for m in listed)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_worse_side_of_a_finding_of_both_sides_is_said(language):
    book = phrasebook(language)
    text = "L5-S1 protrusion squeezing both exiting roots, more to the Rt side."
    root = Finding("nerve-root", level="L5-S1", side="bilateral", degree="compression", evidence=_at(text, text))
    sentence = explain([root], language, text=text).finding_sentences[0]
    side = book["sides"]["right"]
    assert book["more_on"].format(side=side["m"] if isinstance(side, dict) else side) in sentence


# --- what the report also mentions -------------------------------------------------------------------

def _kinds(text):
    return [(m.kind, m.problem, m.review) for m in page_mentions([], text)[0]]


def test_spinal_canal_cysts_are_listed_a_large_one_for_review():
    assert _kinds("Small perineural cyst at S2.") == [("spinal_cyst", "nerve", False)]
    assert _kinds("The sacral canal is filled by a thin-walled cyst.") == [("spinal_cyst", "large", True)]
    assert _kinds("No Tarlov cyst.") == []


def test_hemangiomas_are_listed_without_review_unless_atypical():
    assert _kinds("T11 vertebral hemangioma.") == [("hemangioma", None, False)]
    assert _kinds("Atypical L2 hemangioma.") == [("hemangioma", None, True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_cyst_elsewhere_is_named_with_its_organ_and_without_an_added_size(language):
    book = phrasebook(language)
    text = "Incidental 4 cm right ovarian cyst."
    explanation = explain([_narrowing("L4-L5: left foraminal narrowing.")], language, text=text)
    assert book["scope"]["problems"]["cyst"]["ovary_right"] in explanation.text
    assert book["scope"]["kinds"]["cyst"] not in explanation.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_suggested_test_says_what_it_is_for_when_the_words_before_it_name_it(language):
    book = phrasebook(language)
    (suggestion,) = suggestion_details("Atrophic left kidney (correlate with US).")
    assert suggestion.kind == "ultrasound" and suggestion.reasons == ("kidney",)
    explanation = explain([], language, text="L4-L5: protrusion compressing the thecal sac. Atrophic left kidney (correlate with US).")
    assert book["scope"]["reasons"]["kidney"] in explanation.text
    assert book["scope"]["kinds"]["kidney"] in explanation.text


def test_the_thecal_without_sac_is_still_the_sac():
    (sac,) = page_mentions([], "L5-S1 protrusion significantly compressing the thecal and both foramina.")[0]
    assert sac.kind == "sac" and sac.review


@pytest.mark.parametrize("language", LANGUAGES)
def test_cord_flattening_is_listed_with_each_level(language):
    book = phrasebook(language)
    text = ("C4/5 Disc osteophyte complex. Slight anterior cord flattening. "
            "C5/6 Disc osteophyte complex. Slight left hemicord flattening. "
            "C6/7 Disc osteophyte complex. Slight anterior cord flattening.")
    listed, _, _ = page_mentions([], text)
    assert [(m.kind, m.at) for m in listed] == [("cord", ("C4-C5",)), ("cord", ("C5-C6",)), ("cord", ("C6-C7",))]
    explanation = explain([], language, text=text)
    # Each level its own item, whose quote holds the words that name its level (review 9e).
    for level, words in (("C4-C5", "C4/5"), ("C5-C6", "C5/6"), ("C6-C7", "C6/7")):
        assert book["scope"]["said_at"].format(level=level) in explanation.text
        assert any(m.quote.startswith(words) for m in listed if m.at == (level,))


def test_a_level_is_not_carried_into_the_impression():
    text = "C5/6 Disc bulge. IMPRESSION: Slight cord flattening."
    (cord,) = page_mentions([], text)[0]
    assert cord.at == ()


def test_scar_tissue_after_an_operation_gets_a_page_that_needs_review():
    text = "Previous left laminectomy at L4-5 with epidural fibrosis around the left L5 root."
    explanation = explain([], "en", text=text)
    assert explanation is not None and explanation.status == "needs-review"
    assert phrasebook("en")["scope"]["kinds"]["scar"] in explanation.text
    assert explain([], "en", text="No epidural fibrosis.") is None


# --- levels read by the engine -----------------------------------------------------------------------

def test_scope_reads_levels_with_the_engine():
    assert [levels for _, _, levels in disc_levels("L4/5 and L5-S1")] == [("L4-L5",), ("L5-S1",)]
    assert disc_levels("Sagittal T1/T2 weighted images.") == ()
    assert [levels for _, _, levels in disc_levels("D11/D12 flavum")] == [("T11-T12",)]
    assert regions([], "C5/6 disc bulge.") == {"neck"}


def test_the_page_of_a_real_engine_reading_names_the_cause():
    text = "L4-L5: diffuse disc bulge compressing the thecal sac and narrowing both exit foramina."
    findings = extract_findings(text)
    assert any(f.type in FINDING_TYPES[1:] for f in findings)
    page = explain(findings, "en", text=text)
    assert "A disc bulge causes this narrowing." in page.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_level_the_page_explains_in_part_is_not_called_unexplained(language):
    book = phrasebook(language)
    text = "At L4-L5, a right protrusion touches the right L5 root. L4-L5 also shows a left extrusion."
    root = Finding("nerve-root", level="L4-L5", root="L5", side="right", degree="contact",
                   evidence=_at(text, "At L4-L5, a right protrusion touches the right L5 root."))
    page = explain([root], language, text=text).text
    # An extrusion: "more about a disc at L4-L5 than this page explains".
    assert book["scope"]["unread_disc_more_at"].format(level="L4-L5") in page
    assert book["scope"]["unread_disc_at"].format(level="L4-L5") not in page


def test_marrow_reconversion_is_listed():
    assert _kinds("Vertebral bone marrow signal reconversion is seen.") == [("bone", "marrow", True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hemangioma_alone_does_not_take_the_treatment_text_away(language):
    book = phrasebook(language)
    narrowing = "L4-L5: left foraminal narrowing."
    quiet = explain([_narrowing(narrowing)], language, text=narrowing + " L1 hemangioma.").text
    assert book["scope"]["kinds"]["hemangioma"] in quiet
    assert book["treatment"][0] in quiet and book["scope"]["also_first"] not in quiet
    serious = explain([_narrowing(narrowing)], language, text=narrowing + " L1 hemangioma. L2 fracture.").text
    assert book["treatment_beyond"][0] in serious and book["scope"]["also_first"] in serious



def test_a_cause_in_another_sentence_under_the_same_level_is_not_borrowed():
    # "L5-S1: subarticular extrusion ... . Moderate left foraminal narrowing.": the report does not say the
    # extrusion narrows the foramen; the page does not guess it.
    text = "C5/6: Disc extrusion. Moderate left exit stenosis."
    assert page_causes(_narrowing(text, "Moderate left exit stenosis.", level="C5-C6"), text) == []


def test_a_bracketed_side_and_a_swapped_sac_still_name_the_sac_pressure():
    """Review 9e: "largely compressing (Lt) thecal sca" is large pressure on the sac, listed and reviewed."""
    text = "Right paracentral protrusion at L3/L4, markedly compressing (Rt) thecal sca and the exit nerve root."
    found = [mention for mention in page_mentions([], text)[0] if mention.kind == "sac"]
    assert found and found[0].review


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_narrowing_at_no_level_speaks_of_the_openings_in_the_plural(language):
    """Review 9e: "Multilevel bulges encroaching the exit canals" is not one "nerve opening"."""
    book = phrasebook(language)
    text = "Multilevel mild disc bulges encroaching upon the exit canals."
    foramina = _narrowing(text, level=None, side=None)
    sentence = explain([foramina], language, text=text).finding_sentences[0]
    assert book["openings"]["foraminal-stenosis"]["unsided_many"]["phrase"] in sentence.lower()
