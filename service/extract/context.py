"""Assertion in the manner of ConText: which denial or hedge trigger covers each token of a sentence.

A forward trigger covers the tokens after it up to the end of its clause; a backward trigger covers the
tokens before it back to the start of its clause. Clauses end at terminators ("but", "however", "which",
";" ...). A forward denial also ends at a comma that opens a new graded item ("No central stenosis, mild
left foraminal narrowing") or a new verb phrase ("a bulge without stenosis, contacting the L5 roots"). When several triggers cover a token the nearest one decides. "Not a finding"
phrases (rule out, recommend, family history ...) cover forward in the same way and silence what they cover.
"""

from __future__ import annotations

from service.extract.lexicon import (
    AGAIN, GRADE, HEDGE, HIST, KILL, LABEL, LADDER, LEVEL, LOC, NEG, PSEUDO, ROOT, SIDE, TERM, Lexicon,
)
from service.extract.attributes import negates_grade
from service.extract.levels import opens_item
from service.extract.tokens import Token

PRESENT, POSSIBLE, ABSENT = "present", "possible", "absent"
_TRIGGERS = frozenset({NEG, HEDGE, KILL})


def _graded_side(tokens: list[Token], i: int) -> bool:
    """"no SS, B/L mild NFN": a side with its own grade after a comma opens a new item."""
    return (tokens[i].kind == SIDE and i + 1 < len(tokens) and tokens[i + 1].kind == GRADE
            and tokens[i + 1].value is not None)


def _graded_items(tokens: list[Token], view: str, new_item_gap, last: int) -> frozenset:
    """The last token of each comma-separated item, up to token ``last``, that a grade opens ("mild left
    foraminal narrowing, canal stenosis not seen"): a backward denial after the comma does not reach it, as a
    forward denial does not reach past a comma into a graded item ("No canal stenosis, mild ...")."""
    ends = set()
    graded = False
    for i in range(last):
        token = tokens[i]
        graded = graded or (token.kind == GRADE and bool(token.value)) or _graded_side(tokens, i)
        if new_item_gap.fullmatch(view, token.end, tokens[i + 1].start) and "," in view[token.end:tokens[i + 1].start]:
            if graded:
                ends.add(i)
            graded = False
    return frozenset(ends)


def _stated_item(tokens: list[Token], first: int, view: str) -> bool:
    """The comma item opening at ``tokens[first]`` (a side, root or opening) states its own predicate: a ladder verb
    or participle after its root or opening ("no Lt sided NR compromise, Rt S1 root abutted"), so a denial before
    the comma does not reach it; a listed noun ("no stenosis, nerve root compression or cord signal") stays denied."""
    subject = False
    for i in range(first, len(tokens)):
        token = tokens[i]
        if i > first and (token.kind == TERM or "," in view[tokens[i - 1].end:token.start]):
            return False
        if token.kind in (ROOT, LOC):
            subject = True
        elif token.kind == LADDER:
            return subject and token.detail.form in ("verb", "participle")
    return False


class Context:
    """Trigger coverage of one sentence's tokens, computed in two linear sweeps."""

    def __init__(self, tokens: list[Token], view: str, lexicon: Lexicon, kinds: set | None = None) -> None:
        """``kinds``: when the caller has them, the kinds of the sentence's tokens (at least all their
        denial, hedge and silencing kinds)."""
        count = len(tokens)
        self.tokens = tokens
        self.forward: list[tuple[int, int]] = [(-1, -1)] * count   # (nearest any-type trigger, nearest restricted)
        self.backward: list[tuple[int, int]] = [(-1, -1)] * count
        self.killed = [False] * count
        if _TRIGGERS.isdisjoint(kinds if kinds is not None else {token.kind for token in tokens}):
            return  # nothing denies, hedges or silences: every token is present
        triggers = [i for i, token in enumerate(tokens) if token.kind in _TRIGGERS]
        forward = [i for i in triggers if tokens[i].kind == KILL or tokens[i].value in ("forward", "both")]
        new_item_gap = lexicon.new_item_gap_re  # ", and" after a denial (grammar.yaml)
        new_clause_gap = lexicon.new_clause_gap_re  # "and the ..." after a denial
        last_any = last_restricted = -1
        killing = False
        previous_end = None
        # Before the first forward trigger nothing covers a token: the sweep starts there (with the initial state).
        for i in range(forward[0] if forward else count, count):
            token = tokens[i]
            kind = token.kind
            if kind == TERM or (kind == LEVEL and last_any + last_restricted > -2 and opens_item(tokens, i, i, view, lexicon)):
                # A terminator, or a comma dump's next item ("L3-4 bulge no stenosis, L4-5 mild narrowing").
                last_any = last_restricted = -1
                killing = False
            elif previous_end is not None and last_any >= 0 and tokens[last_any].kind == NEG \
                    and (i - last_any > 1 or tokens[last_any].value == "both") \
                    and ((kind == GRADE and token.value) or (kind == LADDER and token.detail.form == "verb")
                         or _graded_side(tokens, i)) \
                    and new_item_gap.match(view, previous_end, token.start):
                # "No central stenosis, mild foraminal narrowing"; "bulge without stenosis, contacting the root"
                last_any = -1
            elif previous_end is not None and last_any >= 0 and tokens[last_any].kind == NEG and i - last_any > 1 \
                    and (new_clause_gap.match(view, previous_end, token.start)
                         or (kind in (SIDE, ROOT, LOC) and "," in view[previous_end:token.start]
                             and _stated_item(tokens, i, view))):
                # "No stenosis and the protrusion contacts the S1 root": a new clause with its own subject.
                last_any = -1
            self.forward[i] = (last_any, last_restricted)
            self.killed[i] = killing
            if kind in (NEG, HEDGE) and token.value in ("forward", "both") and not negates_grade(tokens, i, view, lexicon):
                if token.detail:
                    last_restricted = i
                else:
                    last_any = i
            elif kind == KILL:
                killing = True
            previous_end = token.end
        backward = [i for i in triggers if tokens[i].kind != KILL and tokens[i].value in ("backward", "both")]
        if not backward:
            return  # no backward trigger: every token keeps (-1, -1)
        next_any = next_restricted = -1
        graded_items = _graded_items(tokens, view, new_item_gap, backward[-1])
        # After the last backward trigger nothing covers a token from behind: the sweep starts there.
        for i in range(backward[-1], -1, -1):
            token = tokens[i]
            if token.kind == TERM or (next_any >= 0 or next_restricted >= 0) and i + 1 < count \
                    and (new_clause_gap.match(view, token.end, tokens[i + 1].start)
                         or i in graded_items and tokens[next_any if next_any >= 0 else next_restricted].kind == NEG):
                # "The recess is narrowed and the L5 root is probably compressed": the hedge stays in its clause;
                # "mild left foraminal narrowing, canal stenosis not seen": the denial stays in its item.
                next_any = next_restricted = -1
            self.backward[i] = (next_any, next_restricted)
            if token.kind in (NEG, HEDGE) and token.value in ("backward", "both"):
                if token.detail:
                    next_restricted = i
                else:
                    next_any = i

    def assertion(self, index: int, finding_type: str) -> tuple[str, Token | None]:
        """The assertion of the token at ``index`` for a finding of ``finding_type`` and the deciding trigger."""
        forward_any, forward_restricted = self.forward[index]
        backward_any, backward_restricted = self.backward[index]
        if forward_any < 0 and backward_any < 0 and forward_restricted < 0 and backward_restricted < 0:
            return PRESENT, None
        candidates = []
        for trigger in (forward_any, backward_any):
            if trigger >= 0:
                candidates.append(trigger)
        for trigger in (forward_restricted, backward_restricted):
            if trigger >= 0 and finding_type in self.tokens[trigger].detail:
                candidates.append(trigger)
        if not candidates:
            return PRESENT, None
        nearest = min(candidates, key=lambda t: abs(t - index))
        deciding = self.tokens[nearest]
        return (ABSENT if deciding.kind == NEG else POSSIBLE), deciding

    def silenced(self, index: int) -> bool:
        return self.killed[index]


def still_present(tokens: list[Token], view: str, lexicon: Lexicon) -> bool:
    """"The previously described stenosis is unchanged / again seen": the earlier state holds now."""
    return any(t.kind == AGAIN or (t.kind == PSEUDO and view[t.start:t.end] in lexicon.still_words) for t in tokens)


def historical_clause(tokens: list[Token], index: int, view: str, lexicon: Lexicon) -> bool:
    """Whether the clause of ``tokens[index]`` opens with a word that dates it before this exam ("On the prior
    study the L5 root was compressed; now it is free", "Previously there was moderate stenosis.")."""
    start = index
    while start > 0 and not (tokens[start - 1].kind in (TERM, LABEL) and view[tokens[start - 1].start] in ";:|"):
        start -= 1
    while start < index and tokens[start].kind in (LEVEL, LABEL):
        start += 1  # "L4-5: Previously ..."
    opener = tokens[start] if start < len(tokens) else None
    if opener is None or opener.kind != HIST or start == index or lexicon.hist_modifier_re.match(view, opener.start, opener.end):
        return False
    # The dating word must open the clause itself ("Previously, ..."), not sit in a noun phrase ("the previously
    # severe stenosis") or a comparison ("compared to prior").
    k = opener.start - 1
    while k >= 0 and view[k] in " \t,":
        k -= 1
    if k >= 0 and view[k] not in ".:;\n|*)\u2022-":
        return False
    return not still_present(tokens, view, lexicon)
