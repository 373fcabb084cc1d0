"""The radiologist's grade words (``Finding.severity_text``) said in the patient's language.

"moderate or high-grade" reads as "moderate or severe"; "marked" on a severe finding is worth
showing beside "severe"; a word we do not know is never guessed at (``GradeWords.plain`` is None)
and the explanation quotes it instead. The word list is mappings/explain/grade_words.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml

from service.explain import patterns
from service.explain.phrasebook import MAPPINGS_DIR


@cache
def grade_words() -> dict:
    with open(MAPPINGS_DIR / "grade_words.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def grade_word_list() -> str:
    """The radiologist's grade words as one alternation (a trie, patterns.py), for patterns to embed."""
    return patterns.words(sorted(grade_words()["meanings"], key=len, reverse=True))


@cache
def grade_word_pattern() -> re.Pattern:
    """Any one grade word of grade_words.yaml, as a whole word."""
    return re.compile(r"\b" + grade_word_list() + r"\b", re.IGNORECASE)


@dataclass(frozen=True)
class GradeWords:
    """What the radiologist wrote, and what it means: meanings joined by one joiner, or None."""

    written: str
    meanings: tuple[str, ...] | None
    joiner: str | None = None


def read_grade_words(written: str) -> GradeWords:
    """Split "moderate or high-grade" into meanings ("moderate", "severe") and a joiner ("or")."""
    table = grade_words()
    words = sorted(table["meanings"], key=len, reverse=True)
    joiners = sorted(table["joiners"], key=len, reverse=True)
    text = " ".join(written.lower().split())
    meanings: list[str] = []
    joiner = None
    position = 0
    expect_word = True
    while position < len(text):
        candidates = words if expect_word else joiners
        match = next((c for c in candidates if text.startswith(c, position) and _ends_word(text, position + len(c), expect_word)), None)
        if match is None:
            return GradeWords(_shown(written), None)
        if expect_word:
            meanings.append(table["meanings"][match])
        else:
            joiner = joiner or table["joiners"][match]
        position += len(match)
        expect_word = not expect_word
    if expect_word:  # ended on a joiner, or nothing at all
        return GradeWords(_shown(written), None)
    return GradeWords(_shown(written), tuple(dict.fromkeys(meanings)), joiner)


def _shown(written: str) -> str:
    """The words as the explanation quotes them: a report typed in capitals is not shouted."""
    words = " ".join(written.split())
    return words.lower() if words.isupper() else words


def severity_grade_words(severity: str) -> GradeWords:
    """A severity as grade words ("moderate-to-severe": moderate to severe), to be said in any gender."""
    meanings = grade_words()["severity_meanings"].get(severity)
    return GradeWords(severity, tuple(meanings) if meanings else None, "to")


def _ends_word(text: str, end: int, is_word: bool) -> bool:
    """A grade word must end where a word ends ("mild" is not the start of "mildew")."""
    return not is_word or end == len(text) or not text[end].isalnum()


def plain_grade(book: dict, grade: GradeWords, gender: str = "m") -> str | None:
    """The meanings in the book's words ("moderate or severe", "moderada o grave"), or None."""
    if not grade.meanings:
        return None
    said = [_form(book["grade_meanings"][meaning], gender) for meaning in grade.meanings]
    if len(said) == 1:
        return said[0]
    joiner = book["grade_joiners"][grade.joiner or "or"]
    return joiner.join(said)


def adds_to_severity(grade: GradeWords, severity: str | None) -> bool:
    """Whether the radiologist's words say more than the severity ("marked" beside severe)."""
    if not severity:
        return True
    table = grade_words()
    expected = table["severity_meanings"].get(severity, [])
    if grade.meanings is None or sorted(grade.meanings) != sorted(expected):
        return True
    # Same meaning in other words ("marked" for severe) still helps the patient find it in the report.
    written = set(re.split(r"[^a-z]+", grade.written.lower())) - {""} - set(table["plain_words"])
    return bool(written)


def _form(word, gender: str) -> str:
    return word.get(gender, word["m"]) if isinstance(word, dict) else word
