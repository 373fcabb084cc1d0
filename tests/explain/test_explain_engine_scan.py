"""The page takes the tokens the engine scanned for a report's sections (service.extract.scans) and scans only
the rest of the text: the tokens it reads are exactly those of one scan of the whole text, on every text of
every corpus at hand, and on hand-made texts whose sections meet their headers with no room between.

Corpora: tests/corpus/*.jsonl, eval/heldout/*.jsonl and, when beside the checkout, the real reports of
../shared/corpus/real (read at test time, never copied).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.explain import scope
from service.extract import extract_findings, load_lexicon, scans
from service.extract.sections import find_sections
from service.extract.textview import plain_view, scan_view
from service.extract.tokens import scan

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "corpus" / "real"
CORPORA = sorted((ROOT / "tests" / "corpus").glob("*.jsonl")) + sorted((ROOT / "eval" / "heldout").glob("*.jsonl")) \
    + [path for path in (REAL / "real-dev.jsonl", REAL / "unlabelled.jsonl") if path.exists()]

# Sections that end right where the next header starts, a header glued to a level, labels the engine marks
# ("Nerve roots: normal"), a section without findings between two with findings.
HAND_MADE = [
    "FINDINGS: L4-5 disc bulge with mild left foraminal stenosis.\nIMPRESSION:L4-5 mild left foraminal stenosis.",
    "HISTORY: back pain, L5 radiculopathy.\nFINDINGS:\nNerve roots: normal.\nL5-S1: no stenosis.\n"
    "TECHNIQUE: sagittal T1 and T2.\nIMPRESSION: 1. Right L5 nerve root compressed at L4-L5.",
    "Comparison: none\nFindings: At L3-L4 a protrusion contacts the left L4 root;L4/5 and L5-S1 canal stenosis.",
    "IMPRESSION:\n\nsevere canal stenosis at L4-5 due to a disc extrusion\nCLINICAL INFORMATION: L4-L5",
]


def _texts() -> list[str]:
    texts = list(HAND_MADE)
    for path in CORPORA:
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def _tokens(tokens) -> list[tuple]:
    return [(t.kind, t.start, t.end, repr(t.value), repr(t.detail)) for t in tokens]


def _read(text: str) -> None:
    """The engine's reading of ``text`` as the enrichment journey asks for it (its scan kept for the page)."""
    with scans.kept():
        extract_findings(text)


def _page_tokens(text: str) -> list[tuple]:
    """The page's tokens of ``text`` read right after the engine, as in a request."""
    scope.scanned.cache_clear()
    _read(text)
    return _tokens(scope.scanned(text)[1])


def test_the_page_reads_the_tokens_of_one_whole_scan():
    lexicon = load_lexicon()
    compared = 0
    for text in _texts():
        assert _page_tokens(text) == _tokens(scan(scan_view(plain_view(text)), lexicon)), text[:80]
        compared += 1
    assert compared > 1000


def test_sections_are_not_scanned_again(monkeypatch):
    text = HAND_MADE[1]
    scope.scanned.cache_clear()
    _read(text)
    view = scan_view(plain_view(text))
    sections = [(s.start, s.end) for s in find_sections(plain_view(text), view, load_lexicon()) if s.yields_findings]
    scanned_here = []

    def counted(view, lexicon, start=0, end=None):
        scanned_here.append((start, len(view) if end is None else end))
        return scan(view, lexicon, start, end)

    monkeypatch.setattr(scope, "scan", counted)
    scope.scanned(text)
    assert sections and scanned_here  # the headers and the sections without findings are scanned, no more
    assert not any(start < section_end and section_start < end
                   for start, end in scanned_here for section_start, section_end in sections)


def test_the_slot_serves_only_its_own_text_once():
    lexicon = load_lexicon()
    _read(HAND_MADE[0])
    assert scans.take(HAND_MADE[2], lexicon) is None  # another text: not served, and the slot is emptied
    assert scans.take(HAND_MADE[0], lexicon) is None
    _read(HAND_MADE[0])
    assert scans.take(HAND_MADE[0], lexicon) is not None
    assert scans.take(HAND_MADE[0], lexicon) is None


def test_the_engine_alone_keeps_nothing():
    lexicon = load_lexicon()
    extract_findings(HAND_MADE[0])  # as /extract and other callers of the engine alone
    assert scans.take(HAND_MADE[0], lexicon) is None


def test_the_enrichment_journey_hands_the_scan_over():
    from service.enrich import Limits, read_findings

    read_findings(HAND_MADE[0], Limits())
    assert scans.take(HAND_MADE[0], load_lexicon()) is not None


@pytest.mark.parametrize("text", HAND_MADE)
def test_hand_made_texts_have_sections_and_levels(text):
    lexicon = load_lexicon()
    _read(text)
    handed = scans.take(text, lexicon)
    assert handed is not None and handed[1]  # the engine read sections of it: the comparison above compares
