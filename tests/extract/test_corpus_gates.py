"""Regression gates for every labelled corpus: each is held at its score when last recorded, minus 0.005,
and at its safety counts. The real reports are read from ../shared (never copied here); without them those
gates are skipped, except in CI, where shared/ sits beside the checkout.

To record new scores after an improvement: ``python tests/extract/test_corpus_gates.py > tests/extract/corpus_gates.json``
writes the table from the current engine.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpus" / "real"
sys.path.insert(0, str(ROOT))

from service import extract_findings  # noqa: E402
from service.evaluation import in_half, load_jsonl, score  # noqa: E402

MARGIN = 0.005
TYPES = ("nerve-root", "foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis")
ATTRIBUTES = ("degree", "severity", "level", "assertion", "cause")

# corpus -> (labels, texts or None, half or None)
CORPORA = {
    "dev": (ROOT / "tests/corpus/dev.jsonl", None, None),
    "own": (ROOT / "tests/corpus/own.jsonl", None, None),
    "patterns": (ROOT / "tests/corpus/patterns.jsonl", None, None),
    # own sentences in the styles of real dictation (run-on, numbered impressions, level headers, hedges, typos)
    "probes": (ROOT / "tests/corpus/probes.jsonl", None, None),
    **{f"heldout-{n}": (ROOT / f"eval/heldout/heldout-{n}.jsonl", None, None) for n in range(1, 10)},
    "real-dev": (SHARED / "real-dev.jsonl", None, None),
    "real-notes": (ROOT / "eval/real-notes/labels.jsonl", SHARED / "unlabelled.jsonl", None),
    "real-notes-heldout": (ROOT / "eval/real-notes/labels-151-327.jsonl", SHARED / "unlabelled.jsonl", None),
}

# F1 per finding type, accuracy per attribute and the two safety counts, as last recorded.
GATES_FILE = Path(__file__).with_name("corpus_gates.json")


def metrics_of(name: str) -> dict:
    labels, texts, half = CORPORA[name]
    gold = load_jsonl(labels)
    if texts is not None:
        by_id = {record["id"]: record["text"] for record in load_jsonl(texts)}
        gold = [dict(record, text=by_id[record["id"]]) for record in gold]
    if half:
        gold = [record for record in gold if in_half(record["id"], half)]
    return score(gold, [{"id": r["id"], "findings": extract_findings(r["text"])} for r in gold])


def summary(metrics: dict) -> dict:
    return {
        "f1": {t: round(metrics["by_type"][t]["f1"], 3) for t in TYPES},
        "accuracy": {a: round(metrics["attributes"][a]["accuracy"], 3) for a in ATTRIBUTES},
        "negation_inversions": metrics["safety"]["negation_inversions"],
        "present_reported_absent": metrics["safety"]["present_reported_absent"],
    }


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_corpus_holds_its_scores(name):
    labels, texts, _ = CORPORA[name]
    if not labels.exists() or (texts is not None and not texts.exists()):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{labels} is missing: CI runs with shared/ beside the checkout")
        pytest.skip("the real reports live in ../shared")
    gate = json.loads(GATES_FILE.read_text(encoding="utf-8"))[name]
    now = summary(metrics_of(name))
    for kind in ("f1", "accuracy"):
        for key, floor in gate[kind].items():
            assert now[kind][key] >= floor - MARGIN, f"{name} {key} {kind}: {now[kind][key]} < {floor}"
    assert now["negation_inversions"] <= gate["negation_inversions"]
    assert now["present_reported_absent"] <= gate["present_reported_absent"]


if __name__ == "__main__":
    print(json.dumps({name: summary(metrics_of(name)) for name in CORPORA}, indent=1))
