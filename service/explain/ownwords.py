"""What a finding's own sentence says that its fields may not: the page keeps it, or says less.

The engine may drop a word that changes what the page may say. Read from the finding's evidence
sentence, with the patterns of mappings/explain/own_words.yaml and the grade words of grade_words.yaml:

- a denial limited by a grade word ("not causing significant narrowing") stays limited, even when the
  engine read it as a plain denial: the page copy gets the grade word;
- a canal called adequate ("the canal remains adequate") is not "no narrowing": it is said as
  having enough room;
- a sentence that grades two things differently ("slight exit and moderate central narrowing") gives no
  grade in the page's sentence, unless the grade stands right beside the finding's side ("moderate left
  and mild right") or right before the finding's own words ("severe central spinal stenosis"): the
  report's words below it give the grades; a grade word used as a size ("moderate-sized") grades nothing;
- "more to the left" on a finding of both sides is said.

Nothing here adds a finding; the Bundle's Observations keep the engine's fields.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import NamedTuple

import yaml

from service.explain import scope
from service.explain.compose import ADEQUATE
from service.explain.grades import grade_words
from service.explain.phrasebook import MAPPINGS_DIR
from service.extract.finding import Finding


@dataclass(frozen=True)
class Told:
    """A finding as the page tells it, and what its sentence adds ("more on the left")."""

    finding: Finding
    more_on: str | None = None       # "left"/"right": a finding of both sides the report says is worse on one
    grade_in_words: bool = False     # its grade is left to the report's own words


@cache
def _rules() -> dict:
    with open(MAPPINGS_DIR / "own_words.yaml", encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    words = sorted(grade_words()["meanings"], key=len, reverse=True)
    return {
        "adequate": re.compile(raw["adequate"], re.IGNORECASE),
        "more_on": [(side, re.compile(pattern, re.IGNORECASE)) for side, patterns in raw["more_on"].items()
                    for pattern in patterns],
        "side_after_grade": re.compile(raw["side_after_grade"], re.IGNORECASE),
        "size_after_grade": re.compile(raw["size_after_grade"], re.IGNORECASE),
        "own_words": {kind: re.compile(pattern, re.IGNORECASE)
                      for kind, pattern in raw["own_words_after_grade"].items()},
        "own_words_reach": int(raw["own_words_reach"]),
        "own_words_breaks": re.compile(raw["own_words_breaks"], re.IGNORECASE),
        "grades": re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b", re.IGNORECASE),
        "limited_denial": re.compile(raw["limited_denial"].replace("{grade}", "|".join(re.escape(w) for w in words)),
                                     re.IGNORECASE),
        "meanings": {word.lower(): meaning for word, meaning in grade_words()["meanings"].items()},
    }


def _sentences(finding: Finding, text: str) -> list[str]:
    return [" ".join(text[span.start:span.end].split()) for span in finding.evidence
            if 0 <= span.start < span.end <= len(text)]


def tell(finding: Finding, text: str | None) -> Told:
    """The finding as the page tells it, from its own sentence."""
    if not text:
        return Told(finding)
    rules = _rules()
    sentences = _sentences(finding, text)
    if not sentences:
        return Told(finding)
    if finding.assertion == "absent":
        return Told(_limited_denial(finding, sentences, rules))
    more_on = _more_on(finding, sentences, rules)
    if finding.severity or finding.severity_text:
        if _grades_differ(finding, sentences, rules):
            return Told(replace(finding, severity=None, severity_text=None), more_on, grade_in_words=True)
    return Told(finding, more_on)


def _limited_denial(finding: Finding, sentences: list[str], rules: dict) -> Finding:
    if finding.type == "canal-stenosis" and any(rules["adequate"].search(s) for s in sentences):
        return replace(finding, severity=None, severity_text=ADEQUATE)
    if finding.severity or finding.severity_text:
        return finding
    for sentence in sentences:
        limit = rules["limited_denial"].search(sentence)
        if limit:
            return replace(finding, severity_text=limit.group(1))
    return finding


def _more_on(finding: Finding, sentences: list[str], rules: dict) -> str | None:
    if finding.side != "bilateral":
        return None
    sides = {side for sentence in sentences for side, pattern in rules["more_on"] if pattern.search(sentence)}
    return next(iter(sides)) if len(sides) == 1 else None


def _grades_differ(finding: Finding, sentences: list[str], rules: dict) -> bool:
    """Whether the sentence grades things differently and the finding's grade is not tied to its own side."""
    for sentence in sentences:
        stated, several = _stated_grades(sentence)
        if not several:
            continue
        if finding.side in ("left", "right") and any(
                rules["meanings"].get(word.text) == _meaning_of(finding, rules)
                and (side := rules["side_after_grade"].match(sentence, word.end)) is not None
                and side.group("side").lower()[0] == finding.side[0] for word in stated):
            continue
        if any(rules["meanings"].get(word.text) == _meaning_of(finding, rules)
               and _before_own_words(finding, sentence, word, stated, rules) for word in stated):
            continue
        return True
    return False


class _Grade(NamedTuple):
    """A grade word a sentence states (not denied, not a size), lower-cased, at [start, end)."""

    start: int
    end: int
    text: str


@lru_cache(maxsize=1024)
def _stated_grades(sentence: str) -> tuple[tuple[_Grade, ...], bool]:
    """The grade words a sentence states, and whether they grade things differently (two or more meanings).

    Depends on the sentence alone: read once for every finding of the sentence and every language of a
    request (a report's sentences rarely repeat across reports, so this is no cache of whole reports)."""
    rules, rules_scope = _rules(), scope.scope_rules()
    stated = [word for word in rules["grades"].finditer(sentence)
              if not scope.denied(sentence, word.start(), word.end(), rules_scope)
              and not rules["size_after_grade"].match(sentence, word.end())]
    # "mild to moderate", "moderate-severe": one grade of one thing.
    graded = [[stated[0]]] if stated else []
    for before, word in zip(stated, stated[1:]):
        if _JOINED.fullmatch(sentence, before.end(), word.start()):
            graded[-1].append(word)
        else:
            graded.append([word])
    meanings = {tuple(rules["meanings"].get(word.group().lower()) for word in group) for group in graded}
    return tuple(_Grade(word.start(), word.end(), word.group().lower()) for word in stated), len(meanings) >= 2


def _before_own_words(finding: Finding, sentence: str, word: _Grade, stated: tuple[_Grade, ...], rules: dict) -> bool:
    """Whether a grade word stands right before the finding's own words ("severe central spinal stenosis"),
    with no other grade word nor a coordinator between them."""
    own = rules["own_words"].get(finding.type)
    if own is None:
        return False
    for following in itertools.islice(_WORD.finditer(sentence, word.end), rules["own_words_reach"]):
        if rules["own_words_breaks"].search(sentence, word.end, following.start()) \
                or any(word.end <= other.start < following.start() for other in stated):
            return False
        if own.match(following.group()):
            return True
    return False


_WORD = re.compile(r"\S+")


_JOINED = re.compile(r"\s*(?:-|/|to|or)\s*", re.IGNORECASE)


def _meaning_of(finding: Finding, rules: dict) -> str | None:
    if finding.severity_text and finding.severity_text.lower() in rules["meanings"]:
        return rules["meanings"][finding.severity_text.lower()]
    return {"mild": "mild", "moderate": "moderate", "severe": "severe"}.get(finding.severity or "")
