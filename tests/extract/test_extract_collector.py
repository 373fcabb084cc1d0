"""The engine pauses the cycle collector while it reads a report (service/extract/__init__.py): it may, because
reading makes no reference cycles, which these tests prove on every report of the repository's corpora and on
the synthetic and hostile texts of bench/extract_equivalence.py; and the collector is on again afterwards."""

from __future__ import annotations

import gc
import importlib.util
import time
from pathlib import Path

import pytest

from service.extract import BudgetExceeded, extract_findings, load_lexicon

ROOT = Path(__file__).resolve().parents[2]


def _equivalence_texts() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("extract_equivalence", ROOT / "bench" / "extract_equivalence.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.all_texts()


def test_reading_makes_no_reference_cycles():
    lexicon = load_lexicon()
    texts = _equivalence_texts()
    gc.collect()
    gc.disable()
    try:
        with_cycles = []
        for key, text in texts.items():
            extract_findings(text, lexicon)
            # With the collector off, whatever the reading made is still in the youngest generation: a cycle
            # it left unreachable is found there, without a pass over the lexicon's objects.
            if gc.collect(0):
                with_cycles.append(key)
    finally:
        gc.enable()
    assert with_cycles == []


def test_the_collector_is_on_again_after_a_reading():
    assert gc.isenabled()
    extract_findings("L4-5: mild left foraminal stenosis contacting the exiting left L4 nerve root.")
    assert gc.isenabled()
    with pytest.raises(BudgetExceeded):
        extract_findings("L4-5: mild left foraminal stenosis.\n" * 2000, deadline=time.monotonic() - 1)
    assert gc.isenabled()


def test_a_caller_that_turned_the_collector_off_keeps_it_off():
    gc.disable()
    try:
        extract_findings("L5-S1: the right S1 nerve root is compressed.")
        assert not gc.isenabled()
    finally:
        gc.enable()
