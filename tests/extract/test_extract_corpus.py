"""Corpus gates: dev.jsonl (a copy of shared/corpus/dev.jsonl) and our own corpora, scored by service.evaluation."""

from pathlib import Path

from service import extract_findings
from service.evaluation import load_jsonl, score

DEV = Path(__file__).resolve().parents[1] / "corpus" / "dev.jsonl"
OWN = Path(__file__).resolve().parents[1] / "corpus" / "own.jsonl"
PATTERNS = Path(__file__).resolve().parents[1] / "corpus" / "patterns.jsonl"


def _metrics(path: Path) -> dict:
    gold = load_jsonl(path)
    system = [{"id": record["id"], "findings": extract_findings(record["text"])} for record in gold]
    return score(gold, system)


def _f1(metrics: dict, finding_type: str) -> float:
    return metrics["by_type"][finding_type]["f1"]


def test_dev_gates():
    metrics = _metrics(DEV)
    assert _f1(metrics, "nerve-root") >= 0.95
    for finding_type in ("foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis"):
        assert _f1(metrics, finding_type) >= 0.90
    assert metrics["safety"]["negation_inversions"] == 0
    assert metrics["safety"]["present_reported_absent"] == 0


def test_own_corpus_gates():
    metrics = _metrics(OWN)
    assert _f1(metrics, "nerve-root") >= 0.90
    assert _f1(metrics, "foraminal-stenosis") >= 0.85
    assert metrics["safety"]["negation_inversions"] == 0


def test_patterns_corpus_gates():
    """Snippets of the patterns seen on held-out reports (shorthand, side-split grades, history, wraps ...)."""
    metrics = _metrics(PATTERNS)
    for finding_type in ("nerve-root", "foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis"):
        assert _f1(metrics, finding_type) >= 0.95
    assert metrics["safety"]["negation_inversions"] == 0
    assert metrics["safety"]["present_reported_absent"] == 0
