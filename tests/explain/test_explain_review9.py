"""The page classes of the radiologist's review of 40 real reports (issue 9), one test per class.

The texts here are written for the tests (never copied from the real reports). Classes the page
controls: C2 serious content or the reason for a suggested test missing, C4 what the report also
mentions placed last, C6 nerve-root reassurance on pages about something else, C7 English or report
words inside Spanish sentences, C8 a suggestion shown only in English, C9 "tumor" put on any lesion.
C10 (no page at all) is in test_explain_beyond_only.py; C1, C3 and C5 are engine readings.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.explain import explain
from service.explain.phrasebook import phrasebook
from service.explain.scope import mentions, suggestion_details
from service.extract.finding import Evidence, Finding

LANGUAGES = ("en", "es")
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ROOT_TEXT = "L4-L5: a left disc protrusion compresses the traversing left L5 nerve root."
ROOT = Finding("nerve-root", level="L4-L5", root="L5", side="left", degree="compression", cause=["disc-protrusion"],
               evidence=[Evidence(0, len(ROOT_TEXT))])
SERIOUS = (
    "Flattening of the ventral cord at C5-C6.",
    "Acute compression fracture of the T12 vertebral body.",
    "A 2 cm enhancing lesion lies behind the L1 vertebral body.",
    "A sequestered disc fragment lies behind the L5 vertebral body.",
    "Findings at L2-L3 suggest discitis.",
)


# --- C2: serious content and the reason for a suggested test ---------------------------------------

@pytest.mark.parametrize(("sentence", "kind"), [
    ("A 12 mm sequestered fragment lies behind the L5 vertebral body.", "fragment"),
    ("Soft tissue behind L4, probably detached disc material.", "fragment"),
    ("Evidence of recent surgery at L4-L5 with soft tissue edema.", "surgery"),
    ("Bone marrow edema in the L1 vertebral body, extending to the left pedicle.", "bone"),
    ("Anterior wedging of the T12 vertebral body.", "fracture"),
    ("The fracture is thought to be pathological.", "tumour"),
    ("Lesion in the L3 pedicle, likely a metastasis.", "tumour"),
])
def test_serious_content_beyond_the_roots_is_listed(sentence, kind):
    assert kind in [mention.kind for mention in mentions(f"{ROOT_TEXT} {sentence}")]
    for language in LANGUAGES:
        explanation = explain([ROOT], language, text=f"{ROOT_TEXT} {sentence}")
        words = phrasebook(language)["scope"]
        # The kind, the problem of that kind its words name ("a change in the bone marrow"), or its "may be" line.
        lines = [words["kinds"][kind], *words["problems"].get(kind, {}).values(), words["hedged_kinds"].get(kind, "-")]
        assert any(line in explanation.text for line in lines)
        assert explanation.status == "needs-review" and "out-of-scope" in explanation.review_reasons


@pytest.mark.parametrize("sentence", [
    "No sequestered fragment.", "No bone marrow edema.", "No fracture of the T12 vertebral body.",
    "MRI of the whole spine with contrast (metastatic survey).",
])
def test_denied_serious_content_is_not_listed(sentence):
    assert mentions(f"{ROOT_TEXT} {sentence}") == [] or sentence.startswith("MRI") and not mentions(sentence)


def test_a_test_to_rule_out_something_serious_says_why_and_needs_review():
    text = f"{ROOT_TEXT} A bone scan is advsied to rule out secondary deposits."
    (suggestion,) = suggestion_details(text)
    assert suggestion.kind == "bone_scan" and suggestion.reasons == ("tumour",)
    assert mentions(text) == []  # "to rule out": nothing is listed as present
    for language in LANGUAGES:
        book = phrasebook(language)
        explanation = explain([ROOT], language, text=text)
        assert f'{book["scope"]["tests"]["bone_scan"]} {book["scope"]["reasons"]["tumour"]}' in explanation.text
        assert explanation.status == "needs-review"


def test_the_reason_is_what_the_suggestion_is_for_not_what_was_seen_before_it():
    (suggestion,) = suggestion_details("Wedging of the T12 vertebral body, MRI is advised to rule out a growth disorder.")
    assert suggestion.kind == "mri" and suggestion.reasons == ()


def test_a_long_sentence_is_quoted_around_its_suggestion():
    filler = "with a long run of words about the vertebral body and its many parts " * 5
    text = f"There is wedging of the L5 vertebral body {filler}however a contrast study is recommended to look again."
    (suggestion,) = suggestion_details(text)
    assert "contrast study is recommended" in suggestion.quote and suggestion.quote.startswith("…")
    assert len(suggestion.quote) <= 245


# --- C4: what the report also mentions comes first --------------------------------------------------

@SETTINGS
@given(st.sampled_from(SERIOUS), st.sampled_from(LANGUAGES))
def test_what_the_report_also_mentions_comes_before_the_findings(sentence, language):
    book = phrasebook(language)
    page = explain([ROOT], language, text=f"{ROOT_TEXT} {sentence}").text
    assert page.index(book["scope"]["also"]) < page.index(book["headings"]["says"])
    assert book["scope"]["also_first"] in page and book["intro_after_also"] in page
    assert book["intro"] not in page  # "the findings that may matter most come first" would be untrue


# --- C6: no nerve-root reassurance on a page about something else ---------------------------------

@SETTINGS
@given(st.sampled_from(SERIOUS), st.sampled_from(LANGUAGES))
def test_no_nerve_root_reassurance_beside_a_serious_mention(sentence, language):
    book = phrasebook(language)
    page = explain([ROOT], language, text=f"{ROOT_TEXT} {sentence}").text
    assert not [line for line in book["treatment"] if line in page]
    assert not [line for line in book["matters"]["after"] if line in page and line not in book["matters"]["after_beyond"]]
    assert book["treatment_beyond"][0] in page
    plain = explain([ROOT], language, text=ROOT_TEXT).text
    assert book["treatment"][0] in plain and book["matters"]["after"][1] in plain


# --- C7: no English or report words inside the page's own sentences -------------------------------

findings_strategy = st.builds(
    Finding,
    type=st.sampled_from(("nerve-root", "foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis")),
    level=st.sampled_from((None, "C5-C6", "L4-L5", "L5-S1")),
    root=st.sampled_from((None, "L5")),
    side=st.sampled_from((None, "left", "bilateral")),
    degree=st.sampled_from((None, "contact", "displacement", "compression", "impingement")),
    severity=st.sampled_from((None, "mild", "severe")),
    assertion=st.sampled_from(("present", "possible", "absent")),
    severity_text=st.sampled_from((None, "marked", "mild in degree", "significant", "not much")),
    cause=st.sampled_from(([], ["facet-arthropathy"], ["osteophyte", "disc-bulge"])),
)


@SETTINGS
@given(st.lists(findings_strategy, min_size=1, max_size=5), st.sampled_from(LANGUAGES))
def test_no_quoted_words_in_the_pages_own_sentences(findings, language):
    """Without the report's text there is no line of its words: nothing on the page is in quotes."""
    explanation = explain(findings, language)
    words = phrasebook(language)["quote"]
    assert words["open"] not in explanation.text and words["close"] not in explanation.text
    assert '"' not in explanation.text
    if language == "es":
        for english in ("contact", "displacement", "compression", "impingement", "marked", "mild in degree"):
            said = re.compile(rf"\b{english}\b")
            assert not said.search(explanation.text) and not said.search(explanation.html), english
    assert "pinching" not in explanation.text  # one word for it: pressure, beside squeezed (compression)


# --- C8: each suggestion said in the page's language -----------------------------------------------

@pytest.mark.parametrize(("sentence", "kind"), [
    ("Contrast study is advised.", "contrast"),
    ("Follow-up MRI with gadolinium is recommended.", "contrast"),
    ("Bone isotope scan is advised.", "bone_scan"),
    ("Dorsal spine MRI is advsied.", "mri"),
    ("CT is recommended to assess the bone.", "ct"),
    ("Flexion and extension radiographs are suggested.", "xray"),
    ("EMG may be helpful.", "nerve_test"),
    ("Clinical correlation is recommended.", "correlation"),
    ("Further evaluation is advised.", "other"),
])
def test_each_suggestion_is_said_in_the_pages_language(sentence, kind):
    text = f"{ROOT_TEXT} {sentence}"
    assert [s.kind for s in suggestion_details(text)] == [kind]
    for language in LANGUAGES:
        book = phrasebook(language)
        page = explain([ROOT], language, text=text).text
        line = next(line for line in page.splitlines() if line.startswith("- " + book["scope"]["tests"][kind]))
        assert sentence in page.split(line, 1)[1].splitlines()[1]  # the report's words right under it


# --- C9: a lesion is not called a tumour --------------------------------------------------------------

def test_a_lesion_is_not_called_a_tumour_unless_the_report_does():
    lesion = f"{ROOT_TEXT} Small T1 hypointense lesion in the L3 end plate, of uncertain nature."
    tumour = f"{ROOT_TEXT} Lesion in the L3 pedicle, suspicious for metastasis."
    assert [m.kind for m in mentions(lesion)] == ["mass"] and [m.kind for m in mentions(tumour)] == ["tumour"]
    for language in LANGUAGES:
        kinds = phrasebook(language)["scope"]["kinds"]
        assert "tumor" not in kinds["mass"].lower()
        assert kinds["mass"] in explain([ROOT], language, text=lesion).text
        page = explain([ROOT], language, text=tumour).text
        assert kinds["tumour"] in page and kinds["mass"] not in page


def test_spanish_names_the_facet_joints():
    finding = Finding("nerve-root", level="L5-S1", root="S1", side="right", degree="contact", cause=["facet-arthropathy"])
    page = explain([finding], "es").text
    assert "articulaciones facetarias" in page and "de atrás son" not in page
