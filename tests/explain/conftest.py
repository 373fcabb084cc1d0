"""Fixtures for the explanation tests: labelled corpora as Finding lists, readability scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.extract.finding import FORMAT_FIELDS, Finding

TESTS_DIR = Path(__file__).resolve().parents[1]
SHARED_DEV = TESTS_DIR / "corpus" / "dev.jsonl"  # a copy of shared/corpus/dev.jsonl
OWN_CORPUS = TESTS_DIR / "corpus" / "own.jsonl"
CORPORA = [path for path in (SHARED_DEV, OWN_CORPUS) if path.exists()]


def gold_finding(labels: dict) -> Finding:
    """A corpus label as the engine's Finding (FORMAT fields only; no inferred root)."""
    return Finding(**{name: labels[name] for name in FORMAT_FIELDS if name in labels})


def corpus_reports() -> list[dict]:
    reports = []
    for path in CORPORA:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                reports.append(json.loads(line))
    return reports


REPORTS = corpus_reports()


@pytest.fixture
def readability():
    """textstat with its language set for one test and put back to English afterwards (it is global)."""
    import textstat

    yield textstat
    textstat.set_lang("en_US")
