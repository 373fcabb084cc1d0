"""Every page the service writes for every corpus at hand, from the engine's own reading of the text.

Corpora: tests/corpus/*.jsonl, eval/heldout/*.jsonl and, when they are beside the checkout,
../shared/corpus/real/real-dev.jsonl and unlabelled.jsonl (read at test time, never copied). On every page:
- Spanish: no English word outside the quoted report words; Fernández-Huerta 70 or more;
- the report's words only in their own lines ("The report's own words: ..."), never inside a sentence;
- English: Flesch-Kincaid grade 8 or lower;
- no "good news"; neck and upper-back pages name the spinal cord's warning signs;
- a report with a finding, or with only a serious statement about the spine beyond the page's scope,
  gets a page in both languages, and no page states a place as affected and not affected (the
  consistency guard).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from service.explain import explain
from service.explain.guard import contradicts
from service.explain.phrasebook import phrasebook
from service.explain.scope import has_page, regions
from service.extract import extract_findings

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "corpus" / "real" / "real-dev.jsonl"
REAL_FILES = [REAL, REAL.with_name("unlabelled.jsonl")]
CORPORA = sorted((ROOT / "tests" / "corpus").glob("*.jsonl")) + sorted((ROOT / "eval" / "heldout").glob("*.jsonl"))

# English words that are not Spanish words: any of them outside a quote is an English fragment.
ENGLISH = frozenset("""
the and of is are was were with nerve nerves root roots left right narrow narrowing stenosis mild moderate
severe contact displacement compression impingement spine spinal report level page step both sides side seen
this that at or on in for your you may be likely touching squeezing pushing affecting opening openings which
what does not doctor cord signal fracture mass lesion infection suggests recommended recommend follow-up
disc bulge protrusion extrusion herniation bone spurs joint cyst ligament thick scar something findings
foraminal recess canal lateral central
""".split()) - {"canal", "lateral", "central", "foraminal"}  # also Spanish words
QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”")
WORD = re.compile(r"[A-Za-zÁÉÍÓÚÑáéíóúñü]+(?:-[A-Za-z]+)*")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def pages(include_real: bool) -> list[tuple[str, list, str, object, object]]:
    """(id, findings, text, en explanation, es explanation) for every report with something to tell."""
    paths = [path for path in REAL_FILES if path.exists()] if include_real else CORPORA
    out = []
    for path in paths:
        for report in _read(path):
            findings = extract_findings(report["text"])
            english = explain(findings, "en", text=report["text"])
            spanish = explain(findings, "es", text=report["text"])
            told = has_page(findings, report["text"])
            assert (english is None) == (spanish is None) == (not told), report["id"]
            if told:
                out.append((report["id"], findings, report["text"], english, spanish))
    return out


SOURCES = ["repository", pytest.param("real", marks=pytest.mark.skipif(not REAL.exists(), reason="../shared not beside the checkout"))]


def _pages(source: str):
    return pages(source == "real")


@pytest.mark.parametrize("source", SOURCES)
def test_no_english_outside_quotes_in_spanish_pages(source):
    found = {}
    for rid, _, _, _, spanish in _pages(source):
        words = [w for w in WORD.findall(QUOTED.sub(" ", spanish.text)) if w.lower() in ENGLISH]
        if words:
            found[rid] = words[:5]
    assert found == {}


@pytest.mark.parametrize("source", SOURCES)
def test_readability_on_every_page(source, readability):
    readability.set_lang("es")
    spanish = {rid: readability.fernandez_huerta(es.text) for rid, _, _, _, es in _pages(source)}
    readability.set_lang("en_US")
    english = {rid: readability.flesch_kincaid_grade(en.text) for rid, _, _, en, _ in _pages(source)}
    print(f"\n[{source}] {len(spanish)} pages: Fernández-Huerta min {min(spanish.values()):.1f}; "
          f"Flesch-Kincaid max {max(english.values()):.1f}")
    assert {rid: score for rid, score in spanish.items() if score < 70} == {}
    assert {rid: grade for rid, grade in english.items() if grade > 8} == {}


@pytest.mark.parametrize("source", SOURCES)
def test_no_good_news_and_cord_signs_on_neck_pages(source):
    for rid, findings, text, english, spanish in _pages(source):
        assert "good news" not in english.text.lower() and "buena noticia" not in spanish.text.lower(), rid
        if regions(findings, text) & {"neck", "upper_back"}:
            for explanation in (english, spanish):
                book = phrasebook(explanation.language)
                # A reassuring page says them in one line, unless it also lists something serious: then in full.
                # The upper back alone gets its own list, without the hands (help.cord_chest).
                neck = "neck" in regions(findings, text)
                signs, line = (book["help"]["cord"], book["reassure_cord"]) if neck else \
                    (book["help"]["cord_chest"], book["reassure_cord_chest"])
                full = signs[-1] in explanation.text
                assert full or (explanation.reassuring and line in explanation.text), rid
                if not neck:
                    assert book["help"]["cord"][0] not in explanation.text, rid


@pytest.mark.parametrize("source", SOURCES)
def test_no_page_states_present_and_absent_for_one_place(source):
    for rid, findings, _, english, _ in _pages(source):
        kept = [f for i, f in enumerate(findings) if i not in english.withheld]
        stated = [f for f in kept if f.assertion != "absent"]
        denied = [f for f in kept if f.assertion == "absent"]
        assert not [(a, b) for a in stated for b in denied if contradicts(a, b)], rid


@pytest.mark.parametrize("source", SOURCES)
def test_report_words_are_quoted_only_in_their_own_lines(source):
    """Review 9, C7: guillemets around English terms inside Spanish sentences ("(«impingement»)",
    "dice «mild in degree»", "«contact»" on the ladder) read as the report's words where it had none."""
    found = {}
    for rid, _, _, *explanations in _pages(source):
        for explanation in explanations:
            words = phrasebook(explanation.language)["quote"]
            prefix = f"  {words['summary']}: "
            outside = [line for line in explanation.text.splitlines()
                       if not line.startswith(prefix) and (words["open"] in line or words["close"] in line)]
            if outside:
                found[(rid, explanation.language)] = outside[:2]
    assert found == {}
