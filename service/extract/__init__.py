"""The extraction engine: report text in, Finding objects out. No FHIR, no Flask.

SEAM (owned by the extraction work): ``extract_findings(text, lexicon=None, deadline=None) -> list[Finding]``.
Evidence offsets index into ``text`` exactly as given. ``deadline`` (a ``time.monotonic()`` value) bounds the
time spent: past it, the next sentence raises ``BudgetExceeded`` (budget.py).

The journey inside: sections -> sentences and level segments -> tokens from the lexicon (mappings/extraction)
-> assertion (ConText) -> stenosis and nerve-root mentions -> levels -> one finding per identity.

The hot modules run compiled (mypyc) from a built wheel only (setup.py), never from an editable install;
``COMPILED`` tells whether they run so, ``ENRICHER_PURE_PYTHON=1`` makes a wheel run its sources (compiled.py).
Output is identical either way.
"""

from __future__ import annotations

import gc
from pathlib import Path

from service.extract.compiled import use_compiled

# Decided before any other engine module loads: see compiled.py.
COMPILED = use_compiled(__path__[0])

from service.extract.budget import BudgetExceeded, check_deadline  # noqa: E402
from service.extract.finding import Evidence, Finding  # noqa: E402
from service.extract.lexicon import Lexicon, load_lexicon  # noqa: E402
from service.extract.merge import merge_findings  # noqa: E402
from service.extract.reader import read_report  # noqa: E402


def extract_findings(text: str, lexicon: Lexicon | str | Path | None = None,
                     deadline: float | None = None) -> list[Finding]:
    """The findings ``text`` states, one per identity (FORMAT.md), with evidence offsets into ``text``.

    ``lexicon`` is a loaded Lexicon or a directory of lexicon YAML files; by default the packaged one.
    ``deadline`` is a ``time.monotonic()`` value or None (no budget); reading past it raises ``BudgetExceeded``.
    """
    if not isinstance(lexicon, Lexicon):
        lexicon = load_lexicon(lexicon)
    if not text:
        return []
    # Reading a report makes thousands of short-lived objects and no reference cycles (tests/extract/
    # test_extract_collector.py): reference counting frees them all, and the cycle collector's passes over them
    # (about a tenth of the time) find nothing. It pauses for the call; a caller that turned it off keeps it off.
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        reading = read_report(text, lexicon, deadline)
        check_deadline(deadline)
        return merge_findings(reading.findings, reading.tentative, reading.summaries, reading.cleared,
                              reading.repeated)
    finally:
        if collecting:
            gc.enable()


__all__ = ["extract_findings", "load_lexicon", "Finding", "Evidence", "BudgetExceeded", "COMPILED"]
