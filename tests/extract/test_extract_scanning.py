"""The scanning layer's shortcuts give what the full reading gives: the facts each shortcut rests on,
checked on every report of the repository's corpora and on generated text (words of reports, typos,
punctuation and Unicode noise run together)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.extract import load_lexicon
from service.extract.sentences import split_sentences
from service.extract.textview import plain_view, scan_view
from service.extract.tokens import scan
from service.extract.typos import read_every_gap, repair

ROOT = Path(__file__).resolve().parents[2]
CORPORA = sorted((ROOT / "tests" / "corpus").glob("*.jsonl")) + sorted((ROOT / "eval" / "heldout").glob("*.jsonl"))
_LETTERS = set("abcdefghijklmnopqrstuvwxyz")
_WORDS = ["L4-5", "L5-S1:", "C5-6", "left", "rt", "bilat", "no", "without", "may", "mild", "moderate to severe",
          "foraminal", "stenosis", "stenossis", "narrowing", "recess", "canal", "protrusion", "protruion", "disc",
          "buldge", "contacts", "compresed", "abuting", "impingement", "of the", "S1", "L5", "nerve root", "roots",
          "exiting", "traversing", "NFN", "B/L", "mod.", "thecal sac", "thecal nsac", "thecal sca", "levels", "L5/S1levels", "patient", "(S1)",
          "\u2013", "\u00a0", "\u0130", "\u4e2d", "<b>", "&gt;", ";", ":", ",", ".", "\n", "|", "-", "/", "(", ")"]


def _corpus_texts() -> list[str]:
    texts = []
    for path in CORPORA:
        with open(path, encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return texts


def _cuts_a_word(view: str, position: int) -> bool:
    return 0 < position < len(view) and view[position - 1] in _LETTERS and view[position] in _LETTERS


def _check_token_edges(text: str, lexicon) -> None:
    """The text between two tokens begins and ends between words, never inside one (typos.repair's shortcut
    rests on it). The tokens of a shorthand ("NFN") share its characters and leave no text between them."""
    view = scan_view(plain_view(text))
    tokens = scan(view, lexicon)
    for before, after in zip([None] + tokens, tokens + [None]):
        if before is not None and after is not None and before.end == after.start:
            continue
        for edge in ([] if before is None else [before.end]) + ([] if after is None else [after.start]):
            assert not _cuts_a_word(view, edge), (before, after, view[max(0, edge - 20):edge + 20])


def _check_repair(text: str, lexicon) -> None:
    """Repair, which skips the gaps of a sentence none of whose words and pairs can be repaired, gives what
    reading every gap gives."""
    view = scan_view(plain_view(text))
    tokens = scan(view, lexicon)
    for sentence in split_sentences(plain_view(text), 0, len(text), lexicon):
        inside = [t for t in tokens if sentence.start <= t.start and t.end <= sentence.end]
        quick = repair(inside, view, sentence.start, sentence.end, lexicon)
        full = read_every_gap(inside, view, sentence.start, sentence.end, lexicon)
        assert [(t.kind, t.start, t.end) for t in quick] == [(t.kind, t.start, t.end) for t in full]


@pytest.mark.parametrize("check", [_check_token_edges, _check_repair])
def test_on_every_corpus_report(check):
    lexicon = load_lexicon()
    for text in _corpus_texts():
        check(text, lexicon)


_noise = st.lists(st.sampled_from(_WORDS), max_size=60).map(lambda words: " ".join(words))
_tight = st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(["", " ", "  ", "-", ".", "x"])),
                  max_size=60).map(lambda pairs: "".join(w + glue for w, glue in pairs))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(_noise, _tight))
def test_on_generated_text(text):
    lexicon = load_lexicon()
    _check_token_edges(text, lexicon)
    _check_repair(text, lexicon)


def test_a_sentence_cut_inside_a_word_reads_its_gaps():
    """A run of text without a space is cut into sentences inside a word: the part of the word in the
    sentence is looked at as repair always did."""
    lexicon = load_lexicon()
    view = "x" * 590 + " protruion" + "a" * 700  # the sentence ends after "protruion"; the word goes on
    tokens = repair([], view, 0, 600, lexicon)
    assert [(t.kind, t.start, t.end) for t in tokens] == [("cause", 591, 600)]
