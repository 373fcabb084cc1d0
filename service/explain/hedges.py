"""The report's words of doubt, one vocabulary for the page (mappings/explain/hedges.yaml).

``hedge_words(meaning)`` gives one meaning's words as an alternation for a pattern to embed: the cause
of a narrowing (ownwords.py) reads all three meanings, the list of other findings (scope.py) only the
words that doubt whether a thing is there.
"""

from __future__ import annotations

from functools import cache

import yaml

from service.explain.phrasebook import MAPPINGS_DIR

MEANINGS = ("mostly", "likely", "possible")  # the order a cause's hedge is looked for in
DOUBTS = ("likely", "possible")  # the meanings that doubt whether a thing is there at all


@cache
def _hedges() -> dict:
    with open(MAPPINGS_DIR / "hedges.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def hedge_words(*meanings: str) -> str:
    """The words of the given meanings as one non-capturing alternation, longest first."""
    words = [word for meaning in meanings for word in _hedges()[meaning]]
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"
