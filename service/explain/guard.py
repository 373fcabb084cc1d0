"""The consistency guard: findings that say a place is affected and is not, at the same time.

Two findings speak of one place when they have the same type, their levels and roots do not differ
(an unstated level or root covers any), and their sides overlap (an unstated side or "both sides"
covers either side). A denial conflicts with a stated or hedged finding of its place unless it is
limited to more than that finding says: "no compression" leaves contact standing, "no significant
narrowing" leaves mild narrowing standing.

A report can also disagree with itself on a side: "a left paracentral bulge compressing the right nerve
root" (``side_disagrees``). The page keeps the report's words for the root, and asks for review.

The page says less about a conflicting place: it quotes the report and says the doctor will explain,
the Bundle states neither reading, and the explanation needs review. The engine may have misread
the report, or the report may disagree with itself: either way, this page cannot tell which.
"""

from __future__ import annotations

from service.explain import scope
from service.explain.compose import adequate_way, rung_key
from service.explain.grades import read_grade_words
from service.extract.finding import Finding
from service.extract.lexicon import CAUSE, SIDE, ZONE

# How far up the contact -> compression ladder a stated finding reaches, and from where a denial
# rules it out. Impingement or an unstated degree is at least contact; "no impingement" is read as
# ruling out a deformed root, not a touch ("abuts the root without impingement").
_STATED_RUNG = {"contact": 1, "displacement": 2, "compression": 3, "impingement": 1, "unstated": 1}
_DENIED_RUNG = {"contact": 1, "displacement": 2, "compression": 3, "impingement": 2, "unstated": 2}
# How much narrowing a severity states, and how much a denial's limit leaves standing below it.
_SEVERITY_RANK = {"mild": 1.0, "mild-to-moderate": 1.5, "moderate": 2.0, "moderate-to-severe": 2.5, "severe": 3.0}
_MEANING_RANK = {"minimal": 0.5, "mild": 1.0, "moderate": 2.0, "severe": 3.0, "significant": 2.0,
                 "clear": 1.0, "borderline": 0.5}


def _sides_overlap(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b or "bilateral" in (a, b)


def _same(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def same_place(a: Finding, b: Finding) -> bool:
    """Whether two findings speak of one place (same type, level, root; overlapping sides).

    An opening's place is its level and side: the page names no root for it, so two openings that
    differ only in a root would read as one place said twice."""
    roots_differ = a.type == "nerve-root" and not _same(a.root or a.root_inferred, b.root or b.root_inferred)
    return a.type == b.type and _same(a.level, b.level) and not roots_differ and _sides_overlap(a.side, b.side)


def _denial_limit(denial: Finding) -> float | None:
    """The least amount a limited denial rules out ("no significant" -> 2.0), None when unlimited.

    A canal called adequate (ownwords.py) has enough room: that rules out a significant narrowing, not a mild
    one ("adequate spinal canal" for the whole scan beside "mild canal stenosis at L4-L5")."""
    if adequate_way(denial):
        return _MEANING_RANK["significant"]
    if denial.severity_text and denial.severity_text.strip():
        meanings = read_grade_words(denial.severity_text).meanings
        if not meanings:
            return 0.0  # a limit we cannot read: any stated amount might be above it
        return min(_MEANING_RANK.get(meaning, 0.0) for meaning in meanings)
    if denial.severity:
        return _SEVERITY_RANK.get(denial.severity, 0.0)
    return None


def contradicts(stated: Finding, denial: Finding) -> bool:
    """Whether ``denial`` rules out what ``stated`` (present or possible) says of the same place."""
    if not same_place(stated, denial):
        return False
    if stated.type == "nerve-root" and _STATED_RUNG[rung_key(stated)] < _DENIED_RUNG[rung_key(denial)]:
        return False
    limit = _denial_limit(denial)
    if limit is None:
        return True
    amount = _stated_amount(stated)
    if amount is None:
        return False  # "no significant narrowing" beside a narrowing of unstated grade: both can hold
    return amount >= limit


def _stated_amount(stated: Finding) -> float | None:
    """How much a stated finding says: its severity, else the radiologist's words ("marked": as severe), so
    that two findings the page says alike are judged alike."""
    amount = _SEVERITY_RANK.get(stated.severity or "")
    if amount is None and stated.severity_text and stated.severity_text.strip():
        meanings = read_grade_words(stated.severity_text).meanings or ()
        ranks = [_MEANING_RANK[meaning] for meaning in meanings if meaning in _MEANING_RANK]
        amount = min(ranks) if ranks else None
    return amount


def conflicts(findings: list[Finding]) -> list[list[int]]:
    """Groups of finding indexes whose readings conflict, each in report order; a finding in one group only."""
    told = [i for i, f in enumerate(findings) if f.assertion != "absent"]
    denied = [i for i, f in enumerate(findings) if f.assertion == "absent"]
    parent = {}

    def root(i: int) -> int:
        while parent.get(i, i) != i:
            i = parent[i]
        return i

    for i in told:
        for j in denied:
            if contradicts(findings[i], findings[j]):
                parent[root(j)] = root(i)
                parent.setdefault(i, i)
    grouped: dict[int, list[int]] = {}
    for i in sorted(parent):
        grouped.setdefault(root(i), []).append(i)
    return sorted(grouped.values())


# How far before its cause a side word may stand and still be the cause's own side ("Lt paracentral wide
# base disc bulge"): characters, with only zone words between them.
_CAUSE_SIDE_REACH = 40
_OPPOSITE = {"left": "right", "right": "left"}


def side_disagrees(findings: list[Finding], text: str | None) -> bool:
    """Whether a stated or hedged one-sided finding's own sentence puts its cause on the other side, with no
    finding of that side read from the sentence: "Lt paracentral disc bulge ... compressing the Rt sided
    nerve root" (one of the two sides is a slip of the report's, and the page cannot tell which)."""
    if not text:
        return False
    for finding in findings:
        other = _OPPOSITE.get(finding.side or "")
        if other is None or finding.assertion == "absent" or not finding.cause:
            continue
        for span in finding.evidence:
            if not 0 <= span.start < span.end <= len(text):
                continue
            if any(f.side in (other, "bilateral") and f.assertion != "absent" and span in f.evidence for f in findings):
                continue
            if other in _cause_sides(scope.tokens_within(text, span.start, span.end), set(finding.cause)):
                return True
    return False


def _cause_sides(tokens: list, causes: set[str]) -> set[str]:
    """The sides written right before the sentence's words for these causes ("left foraminal protrusion")."""
    sides = set()
    for i, token in enumerate(tokens):
        if token.kind != CAUSE or token.value not in causes:
            continue
        j = i - 1
        while j >= 0 and tokens[j].kind == ZONE:
            j -= 1
        if j >= 0 and tokens[j].kind == SIDE and token.start - tokens[j].end <= _CAUSE_SIDE_REACH:
            sides.add(tokens[j].value)
    return sides
