"""Safety rules of issue 9, as property tests (hypothesis) over generated findings and report text.

- No page states present and absent for one place: conflicting readings are only quoted, and flagged.
- No report words inside a sentence that negates them.
- Warning signs by region: the spinal cord's for the neck and upper back, the cauda equina's for the
  lower back, both when the region is unknown or mixed.
- A "Your report also mentions" section exactly when the report states cord trouble (not when it denies it).
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.explain import explain
from service.explain.guard import contradicts, same_place
from service.explain.phrasebook import phrasebook
from service.explain.scope import mentions, regions
from service.extract.finding import Evidence, Finding

LANGUAGES = ("en", "es")
LEVELS = (None, "C5-C6", "C6-C7", "T11-T12", "L4-L5", "L5-S1")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

findings_strategy = st.builds(
    Finding,
    type=st.sampled_from(("nerve-root", "foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis")),
    level=st.sampled_from(LEVELS),
    root=st.sampled_from((None, None, "L5", "C6")),
    side=st.sampled_from((None, "left", "right", "bilateral")),
    degree=st.sampled_from((None, "contact", "displacement", "compression", "impingement")),
    severity=st.sampled_from((None, "mild", "moderate", "severe")),
    assertion=st.sampled_from(("present", "possible", "absent")),
    severity_text=st.sampled_from((None, "significant", "marked", "mild to moderate left and mild", "not much")),
)
reports_strategy = st.lists(findings_strategy, min_size=1, max_size=6)


@SETTINGS
@given(reports_strategy, st.sampled_from(LANGUAGES))
def test_no_page_states_present_and_absent_for_one_place(findings, language):
    explanation = explain(findings, language)
    kept = [i for i in range(len(findings)) if i not in explanation.withheld]
    for i in kept:
        for j in kept:
            if findings[i].assertion != "absent" and findings[j].assertion == "absent":
                assert not contradicts(findings[i], findings[j]), (findings[i], findings[j])
    if explanation.withheld:
        assert explanation.status == "needs-review" and "conflict" in explanation.review_reasons
        conflict = phrasebook(language)["conflict"].split("{object}")[-1]
        assert conflict.strip() in explanation.text
        for i in explanation.withheld:
            # A withheld finding's own sentence appears nowhere on the page.
            from service.explain.compose import finding_sentence
            # As a line of its own: a kept denial limited to words we cannot read may begin with the same
            # words. On a page grouped by level, a finding of no level reads like one under a level heading.
            lines = [line.lstrip("- ") for line in explanation.text.splitlines()]
            grouped = any(re.fullmatch(r"(?:At|En) \S+:", line) for line in lines)
            if findings[i].level or not grouped:
                for with_level in (True,) if grouped else (True, False):
                    assert finding_sentence(phrasebook(language), findings[i], with_level=with_level) not in lines


def test_a_denial_and_a_finding_of_one_place_are_said_less_and_flagged():
    narrow = Finding("foraminal-stenosis", level="L4-L5", side="left", severity="moderate", evidence=[Evidence(0, 40)])
    none = Finding("foraminal-stenosis", level="L4-L5", assertion="absent", evidence=[Evidence(41, 80)])
    text = "L4-L5: moderate left foraminal stenosis. L4-L5: no foraminal stenosis is seen here."
    for language in LANGUAGES:
        explanation = explain([narrow, none], language, text=text)
        assert explanation.withheld == [0, 1] and explanation.status == "needs-review"
        assert "conflict" in explanation.review_reasons
        assert "L4-L5" in explanation.text and text[:40] in explanation.text
    said = explain([narrow, none]).text
    assert "is narrow" not in said and "was seen" not in said and "Your doctor will explain" in said


def test_what_a_limited_denial_leaves_standing_is_no_conflict():
    mild = Finding("canal-stenosis", level="L4-L5", severity="mild")
    assert not contradicts(mild, Finding("canal-stenosis", level="L4-L5", assertion="absent", severity_text="significant"))
    assert contradicts(Finding("canal-stenosis", level="L4-L5", severity="severe"),
                       Finding("canal-stenosis", level="L4-L5", assertion="absent", severity_text="significant"))
    contact = Finding("nerve-root", level="L4-L5", root="L5", side="left", degree="contact")
    assert not contradicts(contact, Finding("nerve-root", level="L4-L5", root="L5", degree="compression", assertion="absent"))
    assert not contradicts(contact, Finding("nerve-root", level="L4-L5", root="L5", degree="impingement", assertion="absent"))
    assert contradicts(contact, Finding("nerve-root", level="L4-L5", root="L5", degree="contact", assertion="absent"))
    assert not same_place(contact, Finding("nerve-root", level="L4-L5", root="L5", side="right"))
    assert not same_place(contact, Finding("nerve-root", level="L5-S1", root="S1"))


QUOTES = re.compile(r"[\"“”«»]")


@SETTINGS
@given(reports_strategy, st.sampled_from(LANGUAGES))
def test_no_report_words_inside_a_sentence_that_negates_them(findings, language):
    explanation = explain(findings, language)
    for finding, sentence in zip(findings, explanation.finding_sentences):
        if finding.assertion == "absent":
            assert not QUOTES.search(sentence), sentence
            if finding.severity_text and finding.severity_text not in ("significant", "marked"):
                assert finding.severity_text not in sentence, sentence


def _region_of(level: str | None) -> set[str]:
    if not level:
        return set()
    return {{"C": "neck", "T": "upper_back", "L": "lower_back", "S": "lower_back"}[c] for c in re.findall(r"[CTLS](?=\d)", level)}


@SETTINGS
@given(reports_strategy, st.sampled_from(LANGUAGES))
def test_warning_signs_follow_the_region(findings, language):
    book = phrasebook(language)
    explanation = explain(findings, language)
    found = set().union(*(_region_of(f.level) for f in findings)) | set().union(*(_region_of(f.root) for f in findings))
    # The upper back without the neck: its own signs, without the hands.
    chest = bool(found) and "neck" not in found
    cord = book["reassure_cord_chest" if chest else "reassure_cord"] if explanation.reassuring \
        else book["help"]["cord_chest" if chest else "cord"][-1]
    cauda = book["reassure_cauda"] if explanation.reassuring else book["help"]["urgent"][0]
    assert (cord in explanation.text) == (bool(found & {"neck", "upper_back"}) or not found)
    assert (cauda in explanation.text) == ("lower_back" in found or not found)


def test_region_words_of_the_report_count_too():
    foramen = Finding("foraminal-stenosis", side="left", severity="mild")
    assert regions([foramen], "MRI CERVICAL SPINE. Mild left foraminal narrowing.") == {"neck"}
    assert regions([foramen], "Lumbar spine: mild left foraminal narrowing.") == {"lower_back"}
    neck = explain([foramen], text="MRI cervical spine. Mild left foraminal narrowing.")
    assert "clumsy" in neck.text and "cauda equina" not in neck.text
    low = explain([foramen], text="MRI lumbar spine. Mild left foraminal narrowing.")
    assert "clumsy" not in low.text and "cauda equina" in low.text


CORD_STATED = ("Disc osteophyte complex flattens the ventral cord.", "There is mild cord compression at C5-C6.",
               "Myelomalacia at C4-C5.", "The disc indents the spinal cord.", "Crowding of the cauda equina at L3-L4.")
CORD_DENIED = ("No cord compression.", "There is no evidence of cord compression or myelomalacia.",
               "The cord is not compressed, and there is no cord signal abnormality.",
               "Without cord compression.", "Normal cord signal. No myelomalacia.")
OTHER = ("C5-C6: mild left foraminal narrowing.", "Mild disc bulge at C6-C7.", "")


@SETTINGS
@given(st.sampled_from(CORD_STATED + CORD_DENIED), st.sampled_from(OTHER), st.sampled_from(LANGUAGES))
def test_a_scope_section_exactly_when_the_report_states_cord_trouble(cord, other, language):
    text = f"{other} {cord}".strip()
    finding = Finding("foraminal-stenosis", level="C5-C6", side="left", severity="mild")
    explanation = explain([finding], language, text=text)
    heading = phrasebook(language)["scope"]["also"]
    stated = cord in CORD_STATED
    assert (heading in explanation.text) == stated, text
    assert ("out-of-scope" in explanation.review_reasons) == stated
    # A mild bulge at a level the page has no finding for is common: it asks for no review (review 9b).
    assert "unexplained-level" not in explanation.review_reasons
    assert (explanation.status == "needs-review") == stated


def test_serious_findings_beyond_scope_are_listed_in_plain_words():
    text = ("L4-L5: disc protrusion contacts the left L5 nerve root. Compression fracture of L1. "
            "A 2 cm lesion in the sacrum. No discitis or osteomyelitis. Contrast-enhanced MRI is recommended.")
    assert [m.kind for m in mentions(text)] == ["mass", "fracture"]
    root = Finding("nerve-root", level="L4-L5", root="L5", side="left", degree="contact", cause=["disc-protrusion"])
    for language in LANGUAGES:
        explanation = explain([root], language, text=text)
        book = phrasebook(language)
        assert book["scope"]["kinds"]["fracture"] in explanation.text
        assert book["scope"]["kinds"]["infection"] not in explanation.text
        assert book["scope"]["suggests"] in explanation.text and "Contrast-enhanced MRI is recommended." in explanation.text


def test_review_status_reasons():
    root = Finding("nerve-root", level="L4-L5", root="L5", side="left", degree="contact")
    assert explain([root]).status == "ready" and explain([root]).review_reasons == []
    unplaced = Finding("foraminal-stenosis", side="left", severity="mild")
    assert explain([unplaced]).review_reasons == ["no-level"]
    fallback = Finding("nerve-root", level="L4-L5", root="L5", degree="contact")
    fallback.reading = "fallback"  # the engine marks a finding read by its fallback path
    assert explain([fallback]).review_reasons == ["fallback-reading"]
    assert explain([root], unread_text=True).review_reasons == ["unread-text"]
    # A denial without a level is a spine-wide denial, not a finding that could not be placed.
    assert explain([Finding("canal-stenosis", assertion="absent")]).status == "ready"


def test_no_good_news_and_a_narrowed_opening_names_its_likely_root():
    denial = Finding("canal-stenosis", level="L4-L5", assertion="absent")
    for language in LANGUAGES:
        assert "good news" not in explain([denial], language).text.lower()
        assert "buena noticia" not in explain([denial], language).text.lower()
    foramen = Finding("foraminal-stenosis", level="L4-L5", side="left", severity="moderate")
    assert "The left L4 nerve likely passes through it." in explain([foramen]).text
    recess = Finding("lateral-recess-stenosis", level="L4-L5", side="right", severity="mild")
    assert "The right L5 nerve likely passes through it." in explain([recess]).text
    neck = Finding("foraminal-stenosis", level="C7-T1", side="bilateral", severity="mild")
    assert "The C8 nerves likely pass through them." in explain([neck]).text


def test_why_the_scan_was_done_and_risks_discussed_are_not_mentions():
    assert mentions("INDICATION: Metastatic breast cancer with new back pain. L4-L5: mild disc bulge.") == []
    assert mentions("Risks including recurrence, infection and nerve injury were discussed.") == []
    from service.explain.scope import suggestions
    assert suggestions("No further imaging is needed. Follow-up MRI in 6 months is recommended.") == [
        "Follow-up MRI in 6 months is recommended."]
