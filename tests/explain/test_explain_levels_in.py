"""scope.levels_in (the levels of some words read from the text's one scan) gives what scope.disc_levels (a
scan of the words alone) gives, on every sentence and clause of every corpus at hand.

The page reads the levels of each sentence and clause from the one scan of the whole text (one scan per
report instead of one per sentence); this is the proof that nothing changed. Corpora: tests/corpus/*.jsonl,
eval/heldout/*.jsonl and, when beside the checkout, ../shared/corpus/real (read at test time, never copied).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from service.explain import scope

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "corpus" / "real"
CORPORA = sorted((ROOT / "tests" / "corpus").glob("*.jsonl")) + sorted((ROOT / "eval" / "heldout").glob("*.jsonl")) \
    + [path for path in (REAL / "real-dev.jsonl", REAL / "unlabelled.jsonl") if path.exists()]
CLAUSE = re.compile(r"[^;]+")

# Shapes the corpora may lack: levels over line breaks and runs of spaces, at the edges of a clause, named
# levels, ranges, a vertebra alone.
HAND_MADE = [
    "At L4-L5:   a   protrusion;  L5-S1  is normal.\n\nC5/6 and C6-7 show   bulges.",
    "  L4/5\tdisc bulge; mild narrowing at the lumbosacral junction.  ",
    "Levels L3 to L5 are affected; T12-L1 and C7-T1 are not.\nL5 vertebra: hemangioma.",
    "Disc protrusions at L3-4, L4-5 and L5-S1;no stenosis at L2-L3 .",
]


def _texts() -> list[str]:
    texts = list(HAND_MADE)
    for path in CORPORA:
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def _pieces(text: str):
    """Each sentence of the text and each clause of it, as [start, end) offsets."""
    for start, end, _ in scope.sentence_spans(text):
        yield start, end
        for clause in CLAUSE.finditer(text, start, end):
            if not clause.group().isspace():
                yield clause.start(), clause.end()


def test_levels_in_gives_what_a_scan_of_the_words_gives():
    compared = 0
    for text in _texts():
        for start, end in _pieces(text):
            folded = " ".join(text[start:end].split())
            assert scope.levels_in(text, start, end) == scope.disc_levels(folded), folded
            compared += 1
    assert compared > 1000


@pytest.mark.parametrize("text", HAND_MADE)
def test_hand_made_texts_name_their_levels(text):
    named = {level for start, end in _pieces(text) for _, _, levels in scope.levels_in(text, start, end)
             for level in levels}
    assert named  # the comparison above is not between two empty readings
