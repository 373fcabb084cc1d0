"""What narrows an opening, read from the report's own sentence for that narrowing.

The scored finding format gives a stenosis no cause (corpus FORMAT.md), yet a report usually names
it in the same sentence ("a disc bulge narrowing both foramina"), and a page that names the cause of a
squeezed root but never of a narrowed opening misleads. This module looks the cause up on the page's
side, with the engine's own cause lexicon (mappings/extraction/causes.yaml) and level reading, in
the finding's evidence sentence: a cause from another level or a denial ("no disc herniation") is never
borrowed, nor one from another sentence, with two exceptions that are the same sentence typed over two lines:
a line that opens with no subject of its own ("Mildly compressing ... the exit canals", "With canal stenosis")
takes the causes of the line before, and a heading that lists levels ("L3-L4, L4-L5:") gives the sentence
under it to each of them, up to the first other level it names. Words that name no cause by themselves (a bare "disc")
are left out (mappings/explain/narrowing.yaml).

The page also says one disc as one thing: when a finding lists several disc words ("herniation/
protrusion", or a bulge read at the level beside it), it names the most specific one, as the engine
does across statements.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

import yaml

from service.explain import scope
from service.explain.phrasebook import MAPPINGS_DIR
from service.extract import load_lexicon
from service.extract.attributes import one_disc_cause
from service.extract.finding import Finding
from service.extract.levels import level_groups
from service.extract.lexicon import CAUSE, GRADE, LOC, ZONE
from service.extract.typos import repair

OPENINGS = ("foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis")


@cache
def _rules() -> dict:
    with open(MAPPINGS_DIR / "narrowing.yaml", encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return {"not_by_itself": frozenset(word.lower() for word in raw["not_by_itself"]),
            "never": frozenset(raw["never_named"]),
            "back_reference": re.compile(raw["back_reference"], re.IGNORECASE),
            "back_reach": int(raw["back_reach"]),
            "not_for_the_canal_zones": frozenset(raw["not_for_the_canal_zones"]),
            "state_before": re.compile(raw["state_before"], re.IGNORECASE)}


_scanned = scope.scanned  # the engine's view and tokens of one text, scanned once (regions read them too)


def page_causes(finding: Finding, text: str | None) -> list[str]:
    """The causes the page names for a finding: its own, or for a stated or hedged narrowing without
    one, those its evidence sentence gives for its level; one disc word per disc."""
    causes = list(finding.cause)
    if not causes and finding.type in OPENINGS and finding.assertion != "absent" and text:
        causes = _sentence_causes(finding, text)
    return one_disc_cause(causes)


def with_page_causes(findings: list[Finding], text: str | None) -> list[Finding]:
    """The findings as the page tells them (a copy where the causes differ; the Bundle keeps its own)."""
    told = []
    for finding in findings:
        causes = page_causes(finding, text)
        told.append(finding if causes == finding.cause else replace(finding, cause=causes))
    return told


def _sentence_causes(finding: Finding, text: str) -> list[str]:
    rules = _rules()
    view, _ = _scanned(text)
    lexicon = load_lexicon()
    found: list[str] = []
    for span in finding.evidence:
        if not 0 <= span.start < span.end <= len(text):
            continue
        inside = repair(scope.tokens_within(text, span.start, span.end), view, span.start, span.end, lexicon)
        causes = _causes_for_level(inside, view, finding.level, text, span.start, span.end, rules,
                                   _heading_levels(text, span.start), finding.type)
        if not causes and _continues(inside, view, span.start, lexicon):
            before = _line_before(view, span.start)
            if before:
                inside = repair(scope.tokens_within(text, before[0], before[1]), view, before[0], before[1], lexicon)
                causes = _causes_for_level(inside, view, finding.level, text, before[0], before[1], rules,
                                           _heading_levels(text, before[0]), finding.type)
        if rules["back_reference"].search(text, span.start, span.end):
            causes = _causes_before(finding, text, span.start, rules) + causes
        found.extend(causes)
    return list(dict.fromkeys(found))


def _causes_before(finding: Finding, text: str, start: int, rules: dict) -> list[str]:
    """The causes of the sentences right before ``start`` that "these causes" points back to: up to
    ``back_reach`` sentences of the same paragraph, not past one that names another level."""
    view, _ = _scanned(text)
    lexicon = load_lexicon()
    found: list[str] = []
    before = [span for span in scope.sentence_spans(text) if span[1] <= start][-rules["back_reach"]:]
    for begin, end, sentence in reversed(before):
        if "\n\n" in text[end:start] or any(finding.level not in levels for _, _, levels in scope.disc_levels(sentence)):
            break
        inside = repair(scope.tokens_within(text, begin, end), view, begin, end, lexicon)
        found = _causes_for_level(inside, view, finding.level, text, begin, end, rules, (), finding.type) + found
        start = begin
    return found


def _continues(tokens: list, view: str, start: int, lexicon) -> bool:
    """Whether the sentence opens with no subject of its own ("Mildly compressing ...", "With ..."): a grade
    word may stand first."""
    first = next((token for token in tokens if token.start >= start), None)
    at = first.end if first is not None and first.kind == GRADE and not view[start:first.start].strip() else start
    return lexicon.continuing_re.match(view, at) is not None


def _line_before(view: str, start: int) -> tuple[int, int] | None:
    """The [start, end) of the line right before the one ``start`` is on, when it holds words."""
    line_start = view.rfind("\n", 0, start) + 1
    if view[line_start:start].strip():
        return None  # the sentence does not open its line
    end = line_start - 1
    if end < 0:
        return None
    begin = view.rfind("\n", 0, end) + 1
    return (begin, end) if view[begin:end].strip() else None


def _heading_levels(text: str, start: int) -> list:
    """The levels of a heading line right above the sentence ("L3-L4, L4-L5:"), or []."""
    before = _line_before(text, start)
    line = text[before[0]:before[1]] if before else ""
    if not scope.is_level_heading(line):
        return []
    return [level for _, _, levels in scope.disc_levels(" ".join(line.split())) for level in levels]


def _causes_for_level(tokens: list, view: str, level: str | None, text: str, start: int, end: int,
                      rules: dict, heading: list = (), kind: str | None = None) -> list[str]:
    """The stated causes of the part of one sentence that speaks of ``level``: the whole sentence when it
    names no other level; else from the level's own mention (or the sentence's start, when no level is
    named before it) to the next other level named. Levels listed together ("L4-5 and L5-S1") are one. A
    level of the ``heading`` above the sentence that the sentence does not name has the sentence's start, up
    to the first level it names."""
    groups = level_groups(tokens, view, load_lexicon())
    if any(level not in group.levels for group in groups):
        own = next((group for group in groups if level in group.levels), None)
        if own is None and level in heading:
            first, after = start, tokens[groups[0].first].start
        elif own is None:
            return []  # the sentence speaks of other levels and not by name of this one: no cause is sure
        else:
            first = start if groups[0] is own else tokens[own.last].end
            after = next((tokens[group.first].start for group in groups if group.first > own.last), end)
        # A cause placed by the level right after it ("ligamentum flavum hypertrophy at L4/L5") is that level's.
        others = [tokens[group.first].start for group in groups if level not in group.levels]
        tokens = [token for token in tokens if first <= token.start and token.end <= after
                  and not (token.kind == CAUSE and _placed_after(view, token.end, others))]
    if kind == "canal-stenosis":
        tokens = _not_in_the_opening(tokens, view, rules)
    sentence = text[start:end]
    rules_scope = scope.scope_rules()
    return [token.value for token in tokens
            if token.kind == CAUSE and token.value not in rules["never"]
            and " ".join(text[token.start:token.end].lower().split()) not in rules["not_by_itself"]
            and not rules["state_before"].search(text, max(start, token.start - 30), token.start)
            and not scope.denied(sentence, token.start - start, token.end - start, rules_scope)]


def _not_in_the_opening(tokens: list, view: str, rules: dict) -> list:
    """The tokens without the causes placed in or beyond a nerve opening ("foraminal disc protrusion")."""
    zones = rules["not_for_the_canal_zones"]
    kept = []
    for before, token in zip([None, *tokens], tokens):
        placed = before is not None and token.kind == CAUSE and not view[before.end:token.start].strip(" -") and (
            (before.kind == ZONE and before.value in zones) or (before.kind == LOC and before.value == "foraminal-stenosis"))
        if not placed:
            kept.append(token)
    return kept


_PLACED_BY = re.compile(r"[ \t]*(?:[a-z-]+[ \t]+){0,2}(?:at|of|in)[ \t]+(?:the[ \t]+)?(?:level[ \t]+)?", re.IGNORECASE)


def _placed_after(view: str, end: int, level_starts: list[int]) -> bool:
    """Whether another level follows these words closely ("... hypertrophy at L4/L5"), placing them there."""
    return any(_PLACED_BY.fullmatch(view, end, at) is not None for at in level_starts if at >= end)


def cause_words(finding: Finding, text: str) -> list[tuple[int, int, str]]:
    """Where the finding's own sentence names its causes: [start, end) offsets in ``text`` and the cause."""
    wanted = set(finding.cause)
    return [(token.start, token.end, token.value) for span in finding.evidence if 0 <= span.start < span.end <= len(text)
            for token in scope.tokens_within(text, span.start, span.end)
            if token.kind == CAUSE and token.value in wanted]
