"""The page-side classes of the fifth radiologist review of issue 9 (50 unseen real reports), with
sentences of our own: the page stays right whatever the engine reads.

A finding placed at no level is said "at one or more levels", and an opening at a level with no side as
"one or both"; an ungraded compression is not ranked below a mild one; a denial the report writes for
the whole scan is not pinned to a level; an item for a level the page does not explain names only the
level its words belong to, and its quote holds that level.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from service.explain import explain
from service.explain.compose import finding_sentence
from service.explain.outline import told_in_order
from service.explain.ownwords import report_wide
from service.explain.phrasebook import phrasebook
from service.explain.scope import page_mentions
from service.extract.finding import Evidence, Finding

from combinations import stenosis_combinations

LANGUAGES = ("en", "es")


def _at(text: str, sentence: str) -> list[Evidence]:
    start = text.index(sentence)
    return [Evidence(start, start + len(sentence))]


def _meaning(book: dict, meaning: str) -> str:
    word = book["grade_meanings"][meaning]
    return word["m"] if isinstance(word, dict) else word


def _level_words(book: dict) -> str:
    return book["no_level_intro"].strip(" ,")


# --- no level, no side: never one place ------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_stated_finding_at_no_level_is_said_at_one_or_more_levels(language):
    book = phrasebook(language)
    for finding in stenosis_combinations():
        if finding.level is not None or finding.assertion == "absent":
            continue
        sentence = finding_sentence(book, finding)
        assert sentence.lower().startswith(_level_words(book).lower()), sentence
    root = Finding("nerve-root", degree="compression", cause=["disc-bulge"])
    assert finding_sentence(book, root).lower().startswith(_level_words(book).lower())
    # A denial at no level is the report's own for the whole scan: no "one or more levels".
    denial = Finding("canal-stenosis", assertion="absent")
    assert _level_words(book).lower() not in finding_sentence(book, denial).lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_opening_at_a_level_with_no_side_is_one_or_both(language):
    book = phrasebook(language)
    for kind in ("foraminal-stenosis", "lateral-recess-stenosis"):
        finding = Finding(kind, level="L4-L5", severity="mild")
        sentence = finding_sentence(book, finding)
        assert book["openings"][kind]["unsided"]["phrase"] in sentence, sentence
        assert book["openings"][kind]["unsided"]["many"]
    # The singular is kept for a side the report names.
    left = Finding("foraminal-stenosis", level="L4-L5", side="left")
    assert book["openings"]["foraminal-stenosis"]["unsided"]["phrase"] not in finding_sentence(book, left)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_grouped_page_heads_findings_of_no_level_as_one_or_more_levels(language):
    book = phrasebook(language)
    findings = [Finding("foraminal-stenosis", level=level, side="left", severity="mild") for level in ("L3-L4", "L4-L5")]
    findings += [Finding("canal-stenosis", level="L4-L5", severity="moderate"),
                 Finding("foraminal-stenosis", side="bilateral"), Finding("canal-stenosis", severity="mild")]
    text = explain(findings, language).text
    assert book["level_other"] in text


# --- order: rung and grade together ---------------------------------------------------------------

def test_an_ungraded_compression_is_not_ranked_below_a_mild_one():
    mild = Finding("nerve-root", level="L4-L5", side="bilateral", degree="compression", severity="mild")
    ungraded = Finding("nerve-root", level="L5-S1", side="left", degree="compression")
    assert told_in_order([mild, ungraded]) == [1, 0]
    # ... nor below a mild one when the report grades it in words the engine left as text.
    largely = replace(ungraded, severity_text="largely")
    assert told_in_order([mild, largely]) == [1, 0]
    # A severe compression stays before an ungraded one, and a moderate one never below it.
    assert told_in_order([ungraded, replace(mild, severity="severe")]) == [1, 0]
    assert told_in_order([replace(mild, severity="moderate"), ungraded]) == [0, 1]
    # "Largely compressing" (severe in words) before an ungraded compression.
    assert told_in_order([ungraded, largely]) == [1, 0]
    # The order never puts a grade into words: the ungraded one says none.
    for language in LANGUAGES:
        book = phrasebook(language)
        assert not any(word in finding_sentence(book, ungraded) for word in book["grades"].values())


# --- a report-wide denial is not pinned to a level -------------------------------------------------

REPORT = ("Lumbar MRI\n"
          "L4-L5: Broad disc bulge narrowing both exit foramina.\n"
          "L3-L4: Small disc bulge.\n"
          "The spinal canal is adequate.\n"
          "No significant compression of the nerve roots.\n")


def _report_findings(text: str, level: str = "L3-L4") -> list[Finding]:
    return [Finding("foraminal-stenosis", level="L4-L5", side="bilateral",
                    evidence=_at(text, "L4-L5: Broad disc bulge narrowing both exit foramina.")),
            Finding("canal-stenosis", level=level, assertion="absent",
                    evidence=_at(text, "The spinal canal is adequate.")),
            Finding("nerve-root", level=level, side="bilateral", assertion="absent", severity_text="significant",
                    evidence=_at(text, "No significant compression of the nerve roots."))]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_denial_on_a_closing_line_of_its_own_is_told_at_no_level(language):
    book = phrasebook(language)
    explanation = explain(_report_findings(REPORT), language, text=REPORT)
    assert book["level_intro"].format(level="L3-L4") not in explanation.text
    said = explanation.finding_sentences
    assert not said[1].startswith(book["level_intro"].format(level="L3-L4"))
    assert not said[2].startswith(book["level_intro"].format(level="L3-L4"))
    # "Both sides" was the engine's reading of "roots": the whole report's denial names no side.
    assert book["nerve_root"]["both"]["phrase"] not in said[2]


def test_a_denial_under_a_level_heading_or_beside_its_level_keeps_the_level():
    headed = "L3-L4 level:\nThe spinal canal is adequate.\n"
    finding = Finding("canal-stenosis", level="L3-L4", assertion="absent", evidence=_at(headed, "The spinal canal is adequate."))
    assert report_wide([finding], headed)[0].level == "L3-L4"
    inline = "There is a small bulge at L3-L4. The spinal canal is adequate.\n"
    finding = replace(finding, evidence=_at(inline, "The spinal canal is adequate."))
    assert report_wide([finding], inline)[0].level == "L3-L4"
    at_this = "L3-L4: Small bulge.\nThe spinal canal is adequate at this level.\n"
    finding = replace(finding, evidence=_at(at_this, "The spinal canal is adequate at this level."))
    assert report_wide([finding], at_this)[0].level == "L3-L4"


def test_a_denial_is_not_unpinned_beside_a_stated_finding_of_its_kind():
    """Unpinned, "no canal narrowing" would meet "the canal is narrow at L4-L5" on the same page."""
    text = "L4-L5: Mild canal stenosis.\nL3-L4: Small bulge.\nNo canal stenosis.\n"
    stated = Finding("canal-stenosis", level="L4-L5", severity="mild", evidence=_at(text, "L4-L5: Mild canal stenosis."))
    denial = Finding("canal-stenosis", level="L3-L4", assertion="absent", evidence=_at(text, "No canal stenosis."))
    assert report_wide([stated, denial], text)[1].level == "L3-L4"


def test_a_denial_limited_by_a_misspelt_grade_stays_limited():
    text = "L5-S1: Mild bulge.\nNo signficant compression of the nerve root.\n"
    finding = Finding("nerve-root", level="L5-S1", assertion="absent",
                      evidence=_at(text, "No signficant compression of the nerve root."))
    for language in LANGUAGES:
        book = phrasebook(language)
        sentence = explain([finding], language, text=text).finding_sentences[0]
        assert book["partial_denial"]["smaller"] in sentence, sentence


# --- a level the page does not explain --------------------------------------------------------------

def test_an_unexplained_item_names_only_the_level_its_words_belong_to():
    text = ("At L2-3 a large central protrusion narrows both foramina, more than at L1-2 where the facets are worn.\n"
            "Disc extrusions are seen at the L4-5 and L5-S1 levels.\n")
    finding = Finding("foraminal-stenosis", level="L2-L3", side="bilateral",
                      evidence=_at(text, text.splitlines()[0]))
    _, unread, _ = page_mentions([finding], text)
    assert [mention.level for mention in unread] == ["L4-L5", "L5-S1"]


def test_an_unexplained_item_under_a_heading_quotes_the_heading():
    text = "L4/L5 level:\n- broad disc extrusion reaching the left side.\n"
    _, unread, _ = page_mentions([], text)
    assert [mention.level for mention in unread] == ["L4-L5"]
    assert re.search(r"L4/L5", unread[0].quote) and "extrusion" in unread[0].quote


# --- what the report also mentions: each item of a sentence ------------------------------------------

def _kinds(text: str) -> list[tuple[str, str | None]]:
    mentions, _, _ = page_mentions([], text)
    return [(mention.kind, mention.problem) for mention in mentions]


def test_a_sentence_with_several_problems_of_the_cord_lists_each():
    text = "At C4-C5 a large disc extrusion causes cord compression and high T2 cord signal."
    assert {("cord", "pressure"), ("cord", "change")} <= set(_kinds(text))
    for language in LANGUAGES:
        book = phrasebook(language)
        page = explain([], language, text=text).text
        assert book["scope"]["problems"]["cord"]["pressure"] in page
        assert book["scope"]["problems"]["cord"]["change"] in page


def test_cord_signal_named_at_the_end_of_a_list_is_listed_and_bones_in_a_list_too():
    text = ("The study shows low T1 signal in the T4, T6 and T9 vertebral bodies, and bright T2 signal in the "
            "lower brainstem, and thoracic cord (T2-T5).")
    kinds = _kinds(text)
    assert ("cord", "change") in kinds and any(kind == "bone" for kind, _ in kinds)
    # A cord the report calls normal is not listed.
    assert not any(kind == "cord" for kind, _ in _kinds("The T2 signal of the thoracic cord is normal."))
    assert not any(kind == "cord" for kind, _ in _kinds("No abnormal signal in the cervical cord."))


def test_a_separate_cord_sentence_is_listed_beside_a_tumour_sentence():
    text = ("There is patchy high T2 signal in the medulla and the cervical cord (C3-C6).\n"
            "Enhancing nodules along the cauda equina are in keeping with metastatic spread.")
    kinds = [kind for kind, _ in _kinds(text)]
    assert "cord" in kinds and "tumour" in kinds


def test_distortion_or_attenuation_of_the_thecal_sac_is_listed():
    for text in ("At L2-3 a broad protrusion causes effacement and attenuation of the ventral thecal sac.",
                 "At L3-4 a smaller protrusion causes slight thecal sac distortion."):
        assert "sac" in [kind for kind, _ in _kinds(text)], text


# --- a hedged cause is never told as fact ------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hedged_cause_keeps_its_hedge(language):
    book = phrasebook(language)
    # "mostly fibrosis" is a hedge in this dialect ("most likely", review 9l); "predominantly" says "mainly".
    cases = [("L3-L4: enhancing tissue on the right, mostly fibrosis, narrowing the right exit foramen.", "likely"),
             ("L3-L4: enhancing tissue on the right, predominantly fibrosis, narrowing the right exit foramen.", "mostly"),
             ("L3-L4: soft tissue on the right, probably disc material, narrowing the right exit foramen.", "likely")]
    for text, meaning in cases:
        finding = Finding("foraminal-stenosis", level="L3-L4", side="right", evidence=_at(text, text))
        sentence = explain([finding], language, text=text).finding_sentences[0]
        # The firm "X causes this narrowing" is not said; the hedged line is.
        firm = [form.format(subject=cause["phrase"]) for form in book["narrowing_cause"]["present"].values()
                for cause in book["causes"].values()]
        assert not any(said.lower() in sentence.lower() for said in firm), sentence
        hedged = book["cause_hedged"][meaning].split("{subject}")[0]
        assert hedged in sentence, sentence
    # A root squeezed by hedged tissue: "something" squeezes it, and the report's guess follows with its hedge.
    text = "L5-S1: enhancing tissue, mostly granulation tissue, compressing the left S1 root."
    root = Finding("nerve-root", level="L5-S1", side="left", root="S1", degree="compression", cause=["scar"],
                   evidence=_at(text, text))
    sentence = explain([root], language, text=text).finding_sentences[0]
    assert book["cause_hedged"]["likely"].format(subject=book["causes"]["scar"]["phrase"]) in sentence
    assert book["rungs"]["compression"]["present"]["one"].format(
        subject=book["nobody"]["phrase"], object="").strip().lower() in sentence.lower()
    # Without the hedge the cause is said as the report says it.
    firm = "L5-S1: granulation tissue compressing the left S1 root."
    root = replace(root, evidence=_at(firm, firm))
    assert book["cause_hedged"]["mostly"].split("{subject}")[0] not in explain([root], language, text=firm).finding_sentences[0]


def test_a_pocket_of_fluid_and_a_marrow_change_are_named():
    assert ("collection", None) in _kinds("Enhancing tissue at the operated level with a small fluid collection.")
    assert ("bone", "marrow") in _kinds("Diffusely low marrow signal in the lumbar vertebrae, correlate with a bone scan.")
    for language in LANGUAGES:
        text = "L3-L4: soft tissue at the operation site with a small collection behind it."
        assert phrasebook(language)["scope"]["kinds"]["collection"] in explain([], language, text=text).text


def test_a_sentence_placed_at_its_own_vertebra_does_not_take_the_level_before():
    text = ("L2/L3: broad protrusion compressing the thecal sac.\n"
            "A small low-signal focus behind the L3 vertebral body indents the thecal sac.")
    mentions, _, _ = page_mentions([], text)
    sac = [mention for mention in mentions if mention.kind == "sac"]
    # The first is at the level its own sentence names; the second, at its own vertebra, at none.
    assert [mention.at for mention in sac] == [("L2-L3",), ()]
    # A sentence with no level of its own under a level keeps it ("C4/5: ... . Mild cord flattening.").
    carried, _, _ = page_mentions([], "C4/5: central disc bulge. Mild cord flattening.")
    assert [mention.at for mention in carried if mention.kind == "cord"] == [("C4-C5",)]


# --- grades said as the radiologist means them, regions from what was imaged ----------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_radiologists_own_grade_word_is_said_not_the_engines_rounding(language):
    book = phrasebook(language)
    text = "At L1-2 a small bulge causes minimal central canal narrowing."
    finding = Finding("canal-stenosis", level="L1-L2", severity="mild", severity_text="minimal", evidence=_at(text, text))
    sentence = explain([finding], language, text=text).finding_sentences[0]
    assert book["grade_sentence_said"].format(grade=_meaning(book, "minimal")) in sentence


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_ungraded_narrowing_keeps_the_grade_right_before_its_word(language):
    book = phrasebook(language)
    text = "At T11-12 the canal is borderline stenotic, with thick ligaments."
    finding = Finding("canal-stenosis", level="T11-T12", evidence=_at(text, text))
    sentence = explain([finding], language, text=text).finding_sentences[0]
    assert _meaning(book, "borderline") in sentence
    # Two grades in the sentence: neither is moved onto the narrowing.
    text = "At T11-12 a mild bulge; the canal is borderline stenotic."
    finding = replace(finding, evidence=_at(text, text))
    assert _meaning(book, "borderline") not in explain([finding], language, text=text).finding_sentences[0]


def test_the_indication_does_not_choose_the_warning_signs():
    from service.explain.scope import regions
    text = "Clinical indication: neck pain and low back pain.\nL4-L5: mild bulge narrowing the left foramen."
    assert regions([], text) == {"lower_back"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_finding_at_one_level_of_a_multilevel_sentence_says_there_may_be_more(language):
    book = phrasebook(language)
    text = "Multilevel disc bulges, most marked at L2-L3 level, narrowing both exit foramina."
    finding = Finding("foraminal-stenosis", level="L2-L3", side="bilateral", evidence=_at(text, text))
    assert book["more_levels"] in explain([finding], language, text=text).finding_sentences[0]
    tied = "Multilevel disc bulges, largest at L2-L3 level, where it narrows both exit foramina."
    finding = replace(finding, evidence=_at(tied, tied))
    assert book["more_levels"] not in explain([finding], language, text=tied).finding_sentences[0]


def test_a_quote_holds_the_level_the_page_says():
    text = "Lumbar MRI\nBroad disc bulges at L2-L3 and L3-L4 levels\nnarrowing both exit foramina.\n"
    finding = Finding("foraminal-stenosis", level="L3-L4", side="bilateral", evidence=_at(text, "narrowing both exit foramina."))
    from service.explain.quotes import evidence_quote
    quote = evidence_quote([finding], text)
    assert quote.startswith("Broad disc bulges at L2-L3 and L3-L4 levels") and quote.endswith("narrowing both exit foramina.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_unexplained_disc_levels_of_one_sentence_are_one_plain_item(language):
    book = phrasebook(language)
    text = "Disc extrusions are seen at the L2-3 and L3-4 levels."
    page = explain([], language, text=text).text
    line = book["scope"]["unread_disc_at"].format(level=f'L2-L3{book["and"]}L3-L4')
    assert page.count(line) == 1


def test_an_also_mentions_item_never_states_a_level_its_quote_does_not_hold():
    text = "C3/4: central osteophyte complex. Mild cord flattening.\nMultilevel small protrusions indent the thecal sac."
    mentions, _, _ = page_mentions([], text)
    placed = [mention for mention in mentions if mention.at]
    assert placed and all(any(word in mention.quote for word in ("C3/4",)) for mention in placed)
    # The multilevel sentence is placed at no level.
    assert [mention.at for mention in mentions if mention.kind == "sac"] == [()]


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_ungraded_root_keeps_the_grade_of_what_presses_on_it_and_no_other(language):
    book = phrasebook(language)
    text = "L2-L3: central protrusion, largely compressing (right) thecal sac and the right exit nerve root."
    root = Finding("nerve-root", level="L2-L3", side="right", degree="compression", cause=["disc-protrusion"],
                   evidence=_at(text, text))
    sentence = explain([root], language, text=text).finding_sentences[0]
    # An extent, in its own sentence: never "un grado alto", a severity the report does not state.
    assert book["grade_sentence_large"] in sentence and "grado alto" not in sentence
    # A grade of the sac is not moved onto the canals another verb acts on, nor onto a canal stenosis.
    text = "L2-L3: central protrusion, largely compressing the thecal sac and encroaching on both exit canals."
    foramen = Finding("foraminal-stenosis", level="L2-L3", side="bilateral", evidence=_at(text, text))
    canal = Finding("canal-stenosis", level="L2-L3", evidence=_at(text, text))
    for finding in (foramen, canal):
        sentence = explain([finding], language, text=text).finding_sentences[0]
        assert _meaning(book, "large") not in sentence, sentence


def test_an_adequate_canal_at_no_level_leaves_a_mild_stenosis_standing():
    from service.explain.guard import conflicts
    from service.explain.compose import ADEQUATE
    mild = Finding("canal-stenosis", level="L4-L5", severity="mild")
    adequate = Finding("canal-stenosis", assertion="absent", severity_text=ADEQUATE)
    assert conflicts([mild, adequate]) == []
    assert conflicts([replace(mild, severity="severe"), adequate]) == [[0, 1]]
