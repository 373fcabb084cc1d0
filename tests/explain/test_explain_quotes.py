"""The radiologist's own words beside each finding, when explain() is given the report text."""

from __future__ import annotations

import re
from dataclasses import replace

import html5lib
import pytest

from service.explain import explain
from service.explain.causes import with_page_causes
from service.explain.ownwords import report_wide, tell
from service.explain.quotes import LONGEST_QUOTE, evidence_quote
from service.extract import extract_findings
from service.extract.finding import Evidence, Finding

from conftest import REPORTS
from test_explain_quality_gates import FORBIDDEN_TAGS, HANDLER

TEXT = ("L4-L5: Small right disc protrusion abuts the right L5 nerve root. "
        "L2-L3: No canal stenosis.")
FIRST = Evidence(0, TEXT.index(" L2-L3"))
SECOND = Evidence(TEXT.index("L2-L3"), len(TEXT))
TOUCHED = Finding("nerve-root", level="L4-L5", root="L5", side="right", degree="contact",
                  cause=["disc-protrusion"], evidence=[FIRST])
NO_CANAL = Finding("canal-stenosis", level="L2-L3", assertion="absent", evidence=[SECOND])
QUOTE_BLOCK = re.compile(r'<details class="nre-quote">.*?</details>\n?', re.S)
QUOTE_LINE = {"en": re.compile(r"\n  The report's own words: .*"),
              "es": re.compile(r"\n  Las palabras del informe \(en inglés\): .*")}


def without_quotes(explanation):
    return QUOTE_BLOCK.sub("", explanation.html), QUOTE_LINE[explanation.language].sub("", explanation.text)


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_finding_shows_its_own_words(language):
    explanation = explain([TOUCHED, NO_CANAL], language, text=TEXT)
    assert "L4-L5: Small right disc protrusion abuts the right L5 nerve root." in explanation.text
    assert "L2-L3: No canal stenosis." in explanation.text
    assert explanation.html.count('<details class="nre-quote">') == 2
    assert '<p lang="en">' in explanation.html
    assert explanation.finding_sentences == explain([TOUCHED, NO_CANAL], language).finding_sentences


@pytest.mark.parametrize("language", ["en", "es"])
def test_quotes_only_add_to_the_explanation(language):
    with_text = explain([TOUCHED, NO_CANAL], language, text=TEXT)
    plain = explain([TOUCHED, NO_CANAL], language)
    html, text = without_quotes(with_text)
    assert text == plain.text
    assert re.sub(r'id="nre-[0-9a-f]+', "", html) == re.sub(r'id="nre-[0-9a-f]+', "", plain.html)


def test_report_words_are_escaped_and_stay_safe():
    hostile = '<script>alert(1)</script> <img src="https://x.org/a.png" onerror="x()"> L5 root contact.'
    finding = Finding("nerve-root", level="L4-L5", degree="contact", evidence=[Evidence(0, len(hostile))])
    html = explain([finding], text=hostile).html
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parseFragment(html)
    elements = list(tree.iter())
    assert not [e.tag for e in elements if e.tag in ("script", "img", "iframe", "object", "embed", "link")]
    assert not [name for e in elements for name in e.attrib if name.startswith("on") or name in ("src", "href")]
    assert not FORBIDDEN_TAGS.search(html) and not HANDLER.search(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_evidence_that_does_not_fit_the_text_is_left_out():
    assert evidence_quote([replace_evidence(TOUCHED, Evidence(50, 500))], TEXT) is None
    assert evidence_quote([replace_evidence(TOUCHED, Evidence(10, 5))], TEXT) is None
    assert evidence_quote([TOUCHED], None) is None and evidence_quote([TOUCHED], "") is None
    assert evidence_quote([replace_evidence(TOUCHED)], TEXT) is None


def test_long_quotes_are_cut_at_a_word_and_repeated_spans_shown_once():
    long_text = "word " * 200
    finding = replace_evidence(TOUCHED, Evidence(0, len(long_text)), Evidence(0, len(long_text)))
    quote = evidence_quote([finding], long_text)
    assert len(quote) <= LONGEST_QUOTE + 2 and quote.endswith("word …")
    twice = replace_evidence(TOUCHED, FIRST, SECOND, FIRST)
    assert evidence_quote([twice], TEXT) == \
        "L4-L5: Small right disc protrusion abuts the right L5 nerve root. … L2-L3: No canal stenosis."


def replace_evidence(finding, *spans):
    return replace(finding, evidence=list(spans))


def test_every_corpus_report_with_its_own_words_parses_safely_and_reads_the_same():
    checked = 0
    for report in REPORTS:
        findings = extract_findings(report["text"])
        for language in ("en", "es"):
            explanation = explain(findings, language, text=report["text"])
            if explanation is None:
                continue
            html = explanation.html
            html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parseFragment(html)
            assert not FORBIDDEN_TAGS.search(html) and not HANDLER.search(html), report["id"]
            # Our own sentences are unchanged; the text only adds quotes, the cause of a narrowing its own
            # sentence names (causes.py), what the report says beyond the page's scope (which can only
            # add warning signs and review reasons) ...
            if not findings:
                continue  # a page of what the report also mentions only: it has no sentences of its own
            # ... and what a finding's own sentence says that its fields do not (ownwords.py), after it.
            told = report_wide([tell(finding, report["text"]).finding
                                for finding in with_page_causes(findings, report["text"])], report["text"])
            plain = explain(told, language)
            assert len(explanation.finding_sentences) == len(plain.finding_sentences), report["id"]
            assert all(said.startswith(own) for said, own in zip(explanation.finding_sentences, plain.finding_sentences)), \
                report["id"]
            assert set(plain.review_reasons) <= set(explanation.review_reasons), report["id"]
            checked += 1
    assert checked >= 40


def test_a_denial_merged_across_levels_quotes_its_sentence_once():
    text = "L1-L2 through L3-L4: No canal stenosis."
    span = Evidence(0, len(text))
    denials = [Finding("canal-stenosis", level=level, assertion="absent", evidence=[span])
               for level in ("L1-L2", "L2-L3", "L3-L4")]
    explanation = explain(denials, text=text)
    assert explanation.text.count(text) == 1 and explanation.html.count('<details class="nre-quote">') == 1


def test_a_bracket_opened_at_the_end_of_a_quote_and_never_closed_is_left_out():
    """Review 9 (reading): a quote that ended in "( Figs." was cut mid-thought."""
    text = "Severe central canal stenosis at L4-L5 ( Figs. 3 and 4)."
    finding = Finding("canal-stenosis", level="L4-L5", severity="severe", evidence=[Evidence(0, text.index(" Figs") + 5)])
    assert evidence_quote([finding], text) == "Severe central canal stenosis at L4-L5"
    closed = Finding("canal-stenosis", level="L4-L5", evidence=[Evidence(0, len(text))])
    assert evidence_quote([closed], text) == text
