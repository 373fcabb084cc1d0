"""service/explain/patterns.py finds what the patterns it stands in for find, at the same places.

``patterns.words`` (a word list as a trie) against the plain alternation of the same list, and
``patterns.ascii_twin`` (ASCII mode) against Unicode mode where ``ascii_alike`` holds: on every sentence of
every corpus at hand (tests/corpus, eval/heldout and, when beside the checkout, the real reports of
../shared, read at test time, never copied), on hand-made strings and on random strings built from the
lists' own words. The lists are the page's own (grade, negation and clause-break words) and small ones
made to trip a trie: a word that begins another up to a word boundary or inside a word, repeats, case.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
import yaml

from service.explain import patterns, scope
from service.explain.grades import grade_words
from service.explain.phrasebook import MAPPINGS_DIR

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "corpus" / "real"
CORPORA = sorted((ROOT / "tests" / "corpus").glob("*.jsonl")) + sorted((ROOT / "eval" / "heldout").glob("*.jsonl")) \
    + [path for path in (REAL / "real-dev.jsonl", REAL / "unlabelled.jsonl") if path.exists()]


def _sentences() -> list[str]:
    out = []
    for path in CORPORA:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out += [sentence for _, _, sentence in scope.sentence_spans(json.loads(line)["text"])]
    return out


SENTENCES = _sentences()
SCOPE = yaml.safe_load((MAPPINGS_DIR / "scope.yaml").read_text(encoding="utf-8"))
LISTS = {
    "grades": (sorted(grade_words()["meanings"], key=len, reverse=True), False),
    "negation_before": (SCOPE["negation_before"], True),
    "clause_breaks": (SCOPE["clause_breaks"], True),
    # A word that begins a later one at a word boundary ("no" / "no evidence of": the later is never reached),
    # inside a word ("mild" / "mildly"), after a hyphen ("mild" / "mild-grade"), the longer first, repeats, case.
    "shadows": (["no", "no evidence of", "mild", "mildly", "mild-grade", "Severe", "severe", "severely", "r/o",
                 "r/o x", "a b", "a"], True),
    "letters": (["ab", "a", "abc", "b-", "b", "-b"], False),
}


def _plain(phrases, phrase_words: bool) -> str:
    return "(?:" + "|".join(r"\s+".join(re.escape(word) for word in phrase.split()) if phrase_words else re.escape(phrase)
                            for phrase in phrases) + ")"


def _strings(phrases, count: int = 3000) -> list[str]:
    rng = random.Random(11)
    pieces = [*phrases, "x", "-", "/", "no", "a", "Mild-", "NOT", "no\tevidence  of", "mildly", "(", "1"]
    joins = ["", " ", "-", "s", ".", "\n", "  "]
    return ["".join(rng.choice(pieces) + rng.choice(joins) for _ in range(rng.randint(1, 8))) for _ in range(count)]


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_word_trie_matches_what_the_plain_alternation_matches(name):
    phrases, phrase_words = LISTS[name]
    plain = re.compile(r"\b" + _plain(phrases, phrase_words) + r"\b", re.IGNORECASE)
    trie = re.compile(r"\b" + patterns.words(phrases, phrase_words) + r"\b", re.IGNORECASE)
    assert trie.pattern != plain.pattern
    for text in SENTENCES + _strings(phrases):
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)], text
    # ... also inside a longer pattern, with a group around it (ownwords.yaml limited_denial).
    around = r"\b(?:no|not)\b(?:\s+[a-z]+){0,3}?\s+({words})\b"
    plain = re.compile(around.replace("{words}", _plain(phrases, phrase_words)), re.IGNORECASE)
    trie = re.compile(around.replace("{words}", patterns.words(phrases, phrase_words)), re.IGNORECASE)
    for text in SENTENCES[:3000] + _strings(phrases, 1000):
        assert [m.span(1) for m in trie.finditer(text)] == [m.span(1) for m in plain.finditer(text)], text


def test_words_beyond_ascii_or_none_stay_plain():
    assert patterns.words(["señal", "signal"]) == "(?:señal|signal)"
    assert re.compile(patterns.words([])).search("anything") is None


def test_an_ascii_twin_finds_the_same_in_an_ascii_text():
    texts = [text for text in SENTENCES if patterns.ascii_alike(text)]
    assert len(texts) > 0.9 * len(SENTENCES)
    rules = scope.scope_rules()
    for region, pattern in rules["region_words"].items():
        twin = rules["region_words_ascii"][region]
        assert twin.flags & re.ASCII
        for text in texts + ["C-SPINE", "Cervico-thoracic", "lumbo\x0bsacral"]:
            assert [m.span() for m in twin.finditer(text)] == [m.span() for m in pattern.finditer(text)], text


def test_what_the_two_modes_read_apart_is_not_ascii_alike():
    unicode_mode = re.compile(r"a\sb")
    assert unicode_mode.search("a\x1cb") and not patterns.ascii_twin(unicode_mode).search("a\x1cb")
    assert not patterns.ascii_alike("a\x1cb") and not patterns.ascii_alike("café") and patterns.ascii_alike("L4-L5\t:")
    # A pattern beyond ASCII is kept as it is: under IGNORECASE "\u017f" (long s) matches "s" in Unicode mode only.
    long_s = re.compile("\u017fevere", re.IGNORECASE)
    assert patterns.ascii_twin(long_s) is long_s and long_s.search("severe")


def test_a_substring_trie_is_found_where_a_word_is_a_substring():
    word_lists = [*SCOPE["mention_words"].values(), SCOPE["suggestion_words"], ["ab", "a", "abc", " us", "b-"], [""]]
    for words in word_lists:
        trie = re.compile(patterns.substrings(words))
        for text in [sentence.lower() for sentence in SENTENCES] + _strings(words, 500):
            assert (trie.search(text) is not None) == any(word in text for word in words), (words, text)
    assert re.compile(patterns.substrings([])).search("anything") is None
