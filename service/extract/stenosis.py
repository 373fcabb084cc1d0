"""Stenosis mentions: a location (foramen, lateral recess, canal) joined to a narrowing or normal-state word.

Tokens that can form one noun phrase (sides, grades, levels, locations, narrowing and state words) are
chained while the text between them is only filler ("the", "of", "and", "are", commas). Inside a chain,
each narrowing word takes the locations since the previous one ("canal or foraminal stenosis"), or the
ones after it ("narrowing of the right neural foramen"). "Moderate to severe left and mild right foraminal
narrowing" gives two findings, one per side with its own grade.
"""

from __future__ import annotations

import re

from service.extract.attributes import combine_sides, negates_grade
from service.extract.context import ABSENT, PRESENT, Context, historical_clause, still_present
from service.extract.levels import heads_next_item, opens_item
from service.extract.lexicon import (
    AGAIN, CAUSE, GRADE, HEDGE, HIST, LABEL, LADDER, LEVEL, LOC, NARROW, NEG, NORMAL, OBJ, REMAIN, ROOT, SIDE,
    PSEUDO, TERM, ZONE, Lexicon,
)
from service.extract.mention import Mention
from service.extract.phrases import joins
from service.extract.tokens import Token

# "Right foramen unchanged, mildly narrowed", "narrowing remains mild": words that say the state holds stay in
# the phrase.
_CHAIN = frozenset({SIDE, GRADE, LEVEL, LOC, NARROW, NORMAL, REMAIN, LADDER, NEG, HEDGE, AGAIN, PSEUDO})
# A hedge stays inside the phrase it hedges when a grade, side or narrowing follows it ("Foramina: possibly mild
# right narrowing"); before a verb it ends the phrase ("stenosis, possibly compromising the L5 root").
_HEDGED = frozenset({SIDE, GRADE, LOC, NARROW})
_MAX_GAP = 48
_PREDICATE_STOP = frozenset({LADDER, ROOT, NARROW, LOC, NEG, HEDGE, TERM, NORMAL})


def _chains(tokens: list[Token], view: str, lexicon: Lexicon) -> list[list[int]]:
    chains: list[list[int]] = []
    current: list[int] = []
    bridged = False  # the token before was a relative "which is" joining a location to its state
    for i, token in enumerate(tokens):
        if token.kind in (TERM, LABEL) and view[token.start] == ":" and current:
            continue  # "Right foramen: mild stenosis"
        if token.kind == TERM and current and tokens[current[-1]].kind == LOC and i + 1 < len(tokens) \
                and tokens[i + 1].kind in (GRADE, NARROW, NORMAL) and lexicon.relative_bridge_re.fullmatch(view, token.start, token.end):
            bridged = True  # "in the left lateral recess, which is narrowed, ..."
            continue
        if token.kind not in _CHAIN or (token.kind == LADDER and not _narrows_here(tokens, i)) \
                or (token.kind == SIDE and _side_of_structure(tokens, i, view)) \
                or (token.kind == GRADE and lexicon.disc_motion_re.match(view, token.end)) \
                or (token.kind == NARROW and _of_an_object(tokens, i, view)) or (
                token.kind == HEDGE and (i + 1 == len(tokens) or tokens[i + 1].kind not in _HEDGED)):
            if current:
                chains.append(current)
            current = []
            continue
        if current and not bridged:
            previous = tokens[current[-1]]
            gap = token.start - previous.end
            # (The usual gap, none or one space, joins: ``joins`` and ``run_on_clause`` are asked only when needed.)
            if gap > _MAX_GAP or not (gap == 0 or gap == 1 and view[previous.end] == " ") \
                    and not joins(lexicon.filler_re, view, previous.end, token.start) \
                    and view[previous.end:token.start].strip(" :") != "" \
                    or token.kind == LEVEL and opens_item(tokens, i, i, view, lexicon) \
                    or (token.kind == LEVEL or token.kind == LOC) and run_on_clause(tokens, i, view, lexicon) \
                    or previous.kind == GRADE and len(current) >= 2 and tokens[current[-2]].kind == LOC \
                    and "." in view[previous.end:token.start]:  # "bilat LR sev. bilat NF mod."
                chains.append(current)
                current = []
        bridged = False
        current.append(i)
    if current:
        chains.append(current)
    return chains


def _side_of_structure(tokens: list[Token], i: int, view: str) -> bool:
    """"facet arthropathy B/L, mild left foraminal narrowing": a side written right after a structure and ending
    its comma item is that structure's, not the side of the narrowing in the next item."""
    if i == 0 or tokens[i - 1].kind != CAUSE or view[tokens[i - 1].end:tokens[i].start].strip():
        return False
    return i + 1 == len(tokens) or view[tokens[i].end:tokens[i + 1].start].strip().startswith(",")


def run_on_clause(tokens: list[Token], i: int, view: str, lexicon: Lexicon) -> bool:
    """Whether ``tokens[i]`` opens a new clause of run-on dictation: a level or an opening right after a
    clause-subject word alone ("the"), after a stenosis phrase ("... mild central canal stenosis the L5-S1
    level is unremarkable", "... encroaching exiting neural canals\nthe spinal canal appears narrowed"). Not
    a narrowing word's object ("narrowing the neural foramina")."""
    if i == 0:
        return False
    token, previous = tokens[i], tokens[i - 1]
    if not (token.kind == LEVEL and previous.kind in (LOC, NARROW) or token.kind == LOC and previous.kind == LOC):
        return False
    return lexicon.subject_gap_re.fullmatch(view, previous.end, token.start) is not None


def _of_an_object(tokens: list[Token], i: int, view: str) -> bool:
    """A narrowing word right next to a structure that is no opening belongs to it ("disc space narrowing",
    "narrowed disc space"): it starts no stenosis ("mild disc space narrowing the canal is widely patent")."""
    before = i > 0 and tokens[i - 1].kind == OBJ and not view[tokens[i - 1].end:tokens[i].start].strip(" -")
    after = i + 1 < len(tokens) and tokens[i + 1].kind == OBJ and not view[tokens[i].end:tokens[i + 1].start].strip(" -")
    return before or after


def _objects_after(tokens: list[Token], head: int, limit: int, view: str, lexicon: Lexicon) -> list[int]:
    """The openings a narrowing word takes as its object ("... and narrowing left neural foramen", ", and
    narrowing of neural foramina"): the locations right after it (past side and grade words), when no
    location stands right before it ("foraminal narrowing" is narrowing of the place before)."""
    if head > 0 and tokens[head - 1].kind == LOC and not view[tokens[head - 1].end:tokens[head].start].strip(" -"):
        return []
    j = head + 1
    while j < limit and tokens[j].kind in (SIDE, GRADE):
        j += 1
    if j >= limit or tokens[j].kind != LOC:
        return []
    if not lexicon.narrowing_object_re.fullmatch(view, tokens[head].end, tokens[head + 1].start):
        return []
    objects = [j]
    # ... and the openings coordinated with it ("narrowing of the right lateral recess and right neural foramen")
    while True:
        k = j + 1
        while k < limit and tokens[k].kind in (SIDE, GRADE):
            k += 1
        if k >= limit or tokens[k].kind != LOC or tokens[k].detail.weak or tokens[k].detail.graded_only \
                or not lexicon.object_coordinator_re.fullmatch(view, tokens[j].end, tokens[j + 1].start):
            return objects
        objects.append(k)
        j = k


def _tail(tokens: list[Token], indices: list[int], kinds: tuple) -> list[int]:
    """The last run of ``indices`` whose tokens are of ``kinds`` (the words right before a head)."""
    start = len(indices)
    while start > 0 and tokens[indices[start - 1]].kind in kinds:
        start -= 1
    return indices[start:]


def _narrows_here(tokens: list[Token], i: int) -> bool:
    """Whether ladder word ``tokens[i]`` narrows a place here. Most that can, always can; one that narrows
    only a foramen ("compressing") does only with the foramen as its object ("compressing the Lt exit canal",
    "compression of the exit canal", "the exit canal is compressed"), and otherwise leaves the grades around
    it to the phrase they belong to ("narrowing the left foramen severely and compressing the C6 root")."""
    token = tokens[i]
    if not token.detail.narrows:
        return False
    if "canal-stenosis" in token.detail.places:
        return True
    step = -1 if token.detail.form == "participle" else 1
    j = i + step
    while 0 <= j < len(tokens) and tokens[j].kind in (SIDE, GRADE, LOC):  # objects in a row: "the sac and exit canal"
        if tokens[j].kind == LOC and tokens[j].value in token.detail.places:
            return True
        j += step
    return False


def _noun_after_place(tokens: list[Token], head: int, view: str) -> bool:
    """A ladder verb that is also a noun, right after an opening, names that opening's state ("left foraminal
    compromise"), as a noun would ("foraminal encroachment")."""
    token = tokens[head]
    return token.kind == LADDER and token.detail.noun and head > 0 and tokens[head - 1].kind == LOC \
        and not view[tokens[head - 1].end:token.start].strip()


def _side_closes_item(tokens: list[Token], head: int, view: str, lexicon: Lexicon) -> bool:
    """A side right after a state word that ends its item, at a comma or a joiner (grammar.yaml ``side_grade_links``:
    "patent on the left, mildly narrowed on the right", "patent on the left and narrowed on the right"):
    that state's side, not the next phrase's ("canal stenosis, bilateral foraminal narrowing" keeps its side for
    the foramina)."""
    side = head + 1
    if tokens[head].kind not in (NORMAL, NARROW) or side + 1 >= len(tokens) or tokens[side].kind != SIDE \
            or view[tokens[head].end:tokens[side].start].strip() or tokens[side + 1].kind == LOC:
        return False
    gap = (view, tokens[side].end, tokens[side + 1].start)
    return tokens[side + 1].kind == TERM or (
        bool(view[gap[1]:gap[2]].strip()) and lexicon.side_grade_link_re.fullmatch(*gap) is not None)


def _is_head(token: Token) -> bool:
    return (token.kind in (NARROW, NORMAL) or (token.kind == LADDER and token.detail.narrows)
            or (token.kind == GRADE and bool(token.detail) and token.detail.narrowing))


def _side_grades(tokens: list[Token], indices: list[int]) -> list[tuple[str | None, Token | None, Token | None]]:
    """(side, grade, denial) triples of one stenosis phrase: one per separately graded (or denied) side,
    else one ("moderate left and mild right", "mild left and no right")."""
    pairs: list[tuple[str | None, Token | None, Token | None]] = []
    grade: Token | None = None
    denial: Token | None = None
    grades: list[Token] = []
    for i in indices:
        token = tokens[i]
        if token.kind == GRADE:
            grade = token
            grades.append(token)
        elif token.kind == NEG:
            denial = token
        elif token.kind == SIDE:
            pairs.append((token.value, grade, denial))
            grade = denial = None
    first_grade = grades[0] if grades else None
    ordered = [tokens[i] for i in indices if tokens[i].kind in (SIDE, GRADE, NEG)]
    if grade is not None and len(pairs) >= 2 and pairs[-1][1] is None and pairs[-1][2] is None \
            and ordered[-2].kind == SIDE and ordered[-1] is grade:
        # "moderate Rt foraminal stenosis, Lt mild": the last side's grade follows it.
        pairs[-1] = (pairs[-1][0], grade, None)
    if len(ordered) >= 5 and ordered[0].kind == SIDE and ordered[0].value == "bilateral" and ordered[1].kind == SIDE:
        ordered = ordered[1:]  # "bilateral foraminal narrowing (right moderate, left mild)"
    if len(ordered) >= 4 and len(ordered) % 2 == 0 and all(
            ordered[k].kind == SIDE and ordered[k + 1].kind in (GRADE, NEG) for k in range(0, len(ordered), 2)) \
            and any(token.kind == GRADE for token in ordered):
        # "R moderate, L mild", "R mild, L none": each side followed by its own grade or denial.
        pairs = [(ordered[k].value, ordered[k + 1] if ordered[k + 1].kind == GRADE else None,
                  ordered[k + 1] if ordered[k + 1].kind == NEG else None) for k in range(0, len(ordered), 2)]
    if len(pairs) >= 3 and pairs[0][0] == "bilateral" and pairs[0][1] is None and pairs[0][2] is None:
        # "bilateral foraminal stenosis, moderate on the right and mild on the left": the sides described apart.
        pairs = pairs[1:]
    sides = [side for side, _, _ in pairs]
    separate = (len(pairs) >= 2 and all(g is not None or d is not None for _, g, d in pairs)
                and len(set(sides)) == len(sides) and "bilateral" not in sides)
    if separate:
        return pairs
    return [(combine_sides(sides), first_grade, None)]


def _predicate(tokens: list[Token], last: int, view: str, lexicon: Lexicon) -> list[int]:
    """Grades and sides stated after the stenosis, as token indices: "foraminal stenosis due to osteophytes
    is severe on the left", "is moderate on the right and mild on the left"."""
    for j in range(last + 1, min(len(tokens), last + 7)):
        token = tokens[j]
        if j == last + 1 and token.kind == TERM and lexicon.relative_bridge_re.match(view, token.start):
            continue  # "canal stenosis, which is now severe"
        if token.kind in _PREDICATE_STOP:
            return []
        relative = tokens[j - 1].kind == TERM and view[tokens[j - 1].start:tokens[j - 1].end] in lexicon.relative_copulas
        # The copula may itself be a token ("remains", "is again"): read it from the end of the phrase.
        since = tokens[j - 1].end if tokens[j - 1].kind != AGAIN else tokens[last].end
        if token.kind == GRADE and token.value and (relative or lexicon.copula_re.search(view, since, token.start)):
            found = [j]
            for k in range(j + 1, min(len(tokens), j + 8)):
                if tokens[k].kind not in (SIDE, GRADE) or lexicon.side_grade_link_re.fullmatch(view, tokens[k - 1].end, tokens[k].start) is None:
                    break
                found.append(k)
            return found
    return []


_SENTENCE_END = re.compile(r"[.;\n]")
_ITEM_END = re.compile(r"[.,;\n]")


def _central_context(tokens: list[Token], view: str, lexicon: Lexicon) -> bool:
    """The sentence names the canal, a central zone or a word of the central canal ("cord changes")."""
    if any((t.kind == LOC and t.value == "canal-stenosis") or (t.kind == ZONE and t.value == "central")
           for t in tokens):
        return True
    end = _SENTENCE_END.search(view, tokens[-1].end)
    return lexicon.central_context_re.search(view, tokens[0].start, end.start() if end else len(view)) is not None


def _bare_stenosis(tokens: list[Token], head: int, view: str, context: Context, lexicon: Lexicon,
                   central: list) -> list[Mention]:
    """A positive "stenosis" with no location: a canal stenosis in a central context, else tentative."""
    if head > 0 and tokens[head - 1].kind in (OBJ, CAUSE) and not view[tokens[head - 1].end:tokens[head].start].strip():
        return []
    if _after_history(tokens, head, view, lexicon):
        return []
    assertion, trigger = context.assertion(head, "canal-stenosis")
    if assertion == ABSENT or context.silenced(head):
        return []
    grade = tokens[head - 1] if head > 0 and tokens[head - 1].kind == GRADE else None
    if not central:
        central.append(_central_context(tokens, view, lexicon))  # once per sentence: linear time
    return [Mention(type="canal-stenosis", first=head - (grade is not None), last=head, anchor=head,
                    severity=grade.value if grade is not None else None, graded=grade is not None,
                    assertion=assertion, triggers=[trigger] if trigger else [],
                    tentative=not central[0],
                    severity_span=(grade.start, grade.end) if grade is not None else None)]


def _change_to_grade(tokens: list[Token], view: str, lexicon: Lexicon) -> None:
    """"progressed from mild to severe", "improved from severe to mild": a change states the grade it ends at,
    not a range; the grade token is narrowed to its last word."""
    for i, token in enumerate(tokens):
        if token.kind != GRADE or i == 0 or not any(to in view[token.start:token.end] for to in lexicon.change_to_infixes):
            continue
        if lexicon.change_from_re.search(view, tokens[i - 1].end, token.start):
            last = view.rindex(" ", token.start, token.end) + 1
            entry = lexicon.entry(view[last:token.end])
            if entry is not None and entry.kind == GRADE:
                tokens[i] = Token(GRADE, last, token.end, entry.value, entry.detail)


def read_stenoses(tokens: list[Token], view: str, lexicon: Lexicon, context: Context) -> list[Mention]:
    """The stenosis mentions of one sentence, in ordered passes:

    1. ``_change_to_grade``: a change states the grade it ends at ("progressed from mild to severe": severe).
    2. ``_chains``: runs of tokens that can form one noun phrase ("moderate left and mild right foraminal
       narrowing at L4-5").
    3. ``_chain_heads``: the words of a chain that head a stenosis (narrowing and normal-state words, a grade
       under a location label).
    4. ``_head_phrase``: each head's locations and the tokens of its phrase.
    5. ``_phrase_mentions``: what the phrase states, one mention per location type and separately graded side.
    """
    _change_to_grade(tokens, view, lexicon)
    if not any(token.kind in _PLACE_OR_NARROWING for token in tokens):
        return []  # a stenosis needs a place (foramen, recess, canal) or a narrowing word
    reading = _Reading(tokens, view, lexicon, context)
    label, label_locations = _location_label(tokens, view)
    for chain in _chains(tokens, view, lexicon):
        # "Foraminal narrowing: L4-5 mild bilaterally; L5-S1 moderate left, mild right": after a location label,
        # an item naming no location of its own is about the labelled one.
        labelled = bool(label_locations) and chain[0] > label and not any(tokens[i].kind == LOC for i in chain)
        heads, previous_locations = _chain_heads(tokens, chain, labelled, reading.sided_before, view, lexicon)
        boundary = chain[0]
        for number, head in enumerate(heads):
            phrase = _head_phrase(reading, chain, heads, number, boundary, labelled, label_locations)
            boundary = phrase.boundary
            stated = _phrase_mentions(reading, chain, phrase, previous_locations, labelled)
            if stated is not None:
                previous_locations = stated
    return reading.mentions


class _Reading:
    """One sentence's stenosis reading: its tokens, the mentions read so far, the one-sided openings of the
    chains read so far ("without stenosis on the right; mild on the left") and whether the sentence is about
    the central canal (worked out once, if a bare "stenosis" asks)."""

    def __init__(self, tokens: list[Token], view: str, lexicon: Lexicon, context: Context) -> None:
        self.tokens = tokens
        self.view = view
        self.lexicon = lexicon
        self.context = context
        self.mentions: list[Mention] = []
        self.sided_before: list[int] = []
        self.central: list[bool] = []


class _Phrase:
    """A head's phrase (token indices): the words before and after the head in its chain, the locations it
    narrows, the span of the whole phrase, where the next head's phrase may start, and the openings a "now"
    speaks of."""

    __slots__ = ("head", "before", "after", "locations", "span", "boundary", "now")

    def __init__(self, head: int, before: list[int], after: list[int], locations: list[int], span: list[int],
                 boundary: int, now: list[int]) -> None:
        self.head = head
        self.before = before
        self.after = after
        self.locations = locations
        self.span = span
        self.boundary = boundary
        self.now = now


def _chain_heads(tokens: list[Token], chain: list[int], labelled: bool, sided_before: list[int], view: str,
                 lexicon: Lexicon) -> tuple[list[int], list[int]]:
    """Pass 3: the heads of a chain and the openings a side alone in it speaks of. A head is a narrowing,
    normal-state or narrowing ladder word, or a grade under a location label ("Canal: mild"); "mild on the
    left" after "without stenosis on the right" is of the openings just named; after a location label, the
    first grade of an item naming no location ("L5-S1 moderate left")."""
    heads = [i for i in chain if _is_head(tokens[i])] or _labelled_grades(tokens, chain, view, lexicon)
    previous_locations: list[int] = []
    if not heads and sided_before and _graded_side_alone(tokens, chain):
        heads, previous_locations = [next(i for i in chain if tokens[i].kind == GRADE)], sided_before
    if not heads and labelled:
        heads = [i for i in chain if tokens[i].kind == GRADE and tokens[i].value][:1]
    return heads, previous_locations


def _head_phrase(reading: _Reading, chain: list[int], heads: list[int], number: int, boundary: int,
                 labelled: bool, label_locations: list[int]) -> _Phrase:
    """Pass 4: the phrase of ``heads[number]``: the chain's words since the phrase before and up to the next
    head, and its locations: the object after a narrowing word ("mild narrowing of the left foramen"), else
    those before it ("left foraminal narrowing"), else the label's, the openings of a "now", or those after it
    ("narrowed left lateral recess"). A "now" drops what the sentence said of those openings before ("previously
    mildly narrowed, now moderately narrowed")."""
    tokens, view, lexicon = reading.tokens, reading.view, reading.lexicon
    head = heads[number]
    next_head = heads[number + 1] if number + 1 < len(heads) else None
    before = [i for i in chain if boundary <= i < head]
    now = _now_locations(tokens, (before or [head])[0], head, view, lexicon)
    if now:
        reading.mentions = [m for m in reading.mentions if m.type not in {tokens[i].value for i in now}]
    after_limit = next_head if next_head is not None else chain[-1] + 1
    after = [i for i in chain if head < i < after_limit]
    header = next((i for i in after if tokens[i].kind == LEVEL and heads_next_item(tokens, i, view)), None)
    if header is not None:
        after = [i for i in after if i < header]  # "... no canal stenosis l5-s1: ...": the next item's
    # A verb narrows its object, not its subject ("the sac and encroaching the exit canals").
    verb = tokens[head].kind == LADDER and tokens[head].detail.form == "verb" and not _noun_after_place(tokens, head, view)
    objects = _objects_after(tokens, head, after_limit, view, lexicon) if tokens[head].kind == NARROW else []
    locations = objects or [i for i in before if tokens[i].kind == LOC and not verb]
    if verb:
        # ... and the side words before it are its subject's ("bulge, more to the Lt side, compressing
        # the sac and Lt exit canal"); its grade stays ("mildly compressing").
        before = _tail(tokens, before, (GRADE, NEG, HEDGE))
    if not locations and labelled:
        locations = label_locations
    if not locations and now:
        locations = now
        # ... with the sides of the openings' own phrase ("the left foramen, ..., is now severely narrowed")
        before = [k for k in range(max(0, now[0] - 2), now[0]) if tokens[k].kind == SIDE] + before
    if objects:
        # "mild narrowing of the left foramen": the words right before the narrowing word and its object
        span = _tail(tokens, before, (SIDE, GRADE, NEG, HEDGE)) + [head] \
            + [i for i in after if next_head is None or i <= objects[-1]]
    elif not locations:
        locations = [i for i in after if tokens[i].kind == LOC]
        span = before + [head] + after if next_head is None else before + [head] + [
            i for i in after if i <= (locations[-1] if locations else head)]
    else:
        span = before + [head] + (after if next_head is None else [])
    if next_head is not None:
        # "... stenosis at L4-5 and moderate ...": the level right after a head is that head's.
        for i in after:
            if i > span[-1] and tokens[i].kind == LEVEL and i == span[-1] + 1 and not heads_next_item(tokens, i, view):
                span.append(i)
        if span[-1] == head and _side_closes_item(tokens, head, view, lexicon):
            span.append(head + 1)  # "foramina patent on the left, mildly narrowed on the right": the left's
    boundary = span[-1] + 1
    if any(tokens[i].kind == LEVEL for i in span if i > head):
        # "... root at L5-S1 and mild left foraminal narrowing at L4-5": the level after the head is its own.
        span = [i for i in span if not (tokens[i].kind == LEVEL and i < head)]
    return _Phrase(head, before, after, locations, span, boundary, now)


def _phrase_mentions(reading: _Reading, chain: list[int], phrase: _Phrase, previous_locations: list[int],
                     labelled: bool) -> list[int] | None:
    """Pass 5: the mentions a head's phrase states, added to the reading; returns the phrase's locations, or
    None when it named none of its own (a bare "stenosis", levels graded one by one). In order: a bare
    stenosis, or the openings before "except" ("Foramina are unremarkable except for mild left narrowing");
    a graded side before a normal one ("Foramina: severe L, R patent"); the other side of the openings before
    ("severe left foraminal narrowing, right patent"); one stenosis per graded level ("severe C5-6 and moderate
    C6-7 foraminal stenosis"); the other side at another level ("right foraminal narrowing at C4-5 and on the
    left at C5-6"); then the phrase's own mentions (``_mentions_of``)."""
    tokens, view, lexicon, context = reading.tokens, reading.view, reading.lexicon, reading.context
    head, before, locations, span = phrase.head, phrase.before, phrase.locations, phrase.span
    excepted: list[int] = []
    if not any(tokens[i].kind == LOC for i in chain) and tokens[head].kind == NARROW and not labelled \
            and not phrase.now:
        excepted = _excepted_openings(tokens, chain, view, lexicon)
        if not excepted:
            reading.mentions.extend(_bare_stenosis(tokens, head, view, context, lexicon, reading.central))
            return None
        locations = excepted
    if tokens[head].kind == NORMAL and locations and len(before) > 1 and tokens[before[-1]].kind == SIDE:
        # The normal word is the last side's; the graded side before it is a stenosis of its own.
        graded = [i for i in before[:-1] if tokens[i].kind in (SIDE, GRADE) and i > locations[-1]]
        grades = [i for i in graded if tokens[i].kind == GRADE and tokens[i].value]
        if grades and any(tokens[i].kind == SIDE for i in graded):
            reading.mentions.extend(_mentions_of(tokens, grades[0], locations, locations + graded, view, context,
                                                 lexicon))
            span = locations + [before[-1], head]
    if not locations and any(tokens[i].kind == SIDE for i in span):
        locations = [i for i in previous_locations if tokens[i].value in _SIDED]
    items = _graded_level_items(tokens, span, locations)
    if items:
        for item in items:
            reading.mentions.extend(_mentions_of(tokens, head, locations, item + [i for i in span if i >= locations[0]],
                                                 view, context, lexicon))
        return None
    side_item = _side_level_item(tokens, span, head, view, lexicon)
    if side_item:
        # (Its own name: mypyc types a variable once, and `item` above is a list.)
        span, other = side_item
        for mention in _mentions_of(tokens, head, locations, other, view, context, lexicon):
            mention.first = other[-2]  # its level is its own, not the one the span names first
            reading.mentions.append(mention)
    found = _mentions_of(tokens, head, locations, span, view, context, lexicon)
    if found and excepted:
        _narrow_the_exception(reading.mentions, found)
    reading.mentions.extend(found)
    if any(m.side in ("left", "right") for m in found):
        reading.sided_before = [i for i in locations if tokens[i].value in _SIDED]
    return locations


def _side_level_item(tokens: list[Token], span: list[int], head: int, view: str, lexicon: Lexicon):
    """(the span without the item, the item's span) when the span ends in a level, "and [on] [the]", a side and
    a level of its own ("... narrowing of C4/5 and on the left side of C5/6"); None otherwise."""
    levels = [i for i in span if i > head and tokens[i].kind == LEVEL]
    if not levels:
        return None
    first = levels[-1] if len(levels) == 1 else levels[-2]
    side, second = first + 1, first + 2
    if second >= len(tokens) or any(i > second for i in span) or tokens[side].kind != SIDE \
            or tokens[side].value not in ("left", "right") or tokens[second].kind != LEVEL:
        return None
    if second + 1 < len(tokens) and tokens[second + 1].kind != TERM \
            and not _ITEM_END.search(view, tokens[second].end, tokens[second + 1].start):
        return None  # "... and left L5-S1 disc protrusion": the side and level of something else
    if not lexicon.side_item_re.match(view[tokens[first].end:tokens[side].start]) \
            or not lexicon.level_intro_re.fullmatch(view, tokens[side].end, tokens[second].start):
        return None
    kept = [i for i in span if i != side]
    other = [i for i in kept if i != first and tokens[i].kind != SIDE] + [side, second]
    return kept, sorted(other)


def _excepted_openings(tokens: list[Token], chain: list[int], view: str, lexicon: Lexicon) -> list[int]:
    """"The neural foramina are unremarkable except for mild left narrowing": a sided narrowing without a
    location of its own, right after "except", is of the openings named before the exception."""
    before = chain[0] - 1
    if before < 1 or tokens[before].kind != TERM or not lexicon.exception_re.match(view, tokens[before].start) \
            or not any(tokens[i].kind == SIDE and tokens[i].value in ("left", "right") for i in chain):
        return []
    return [i for i in range(before) if tokens[i].kind == LOC and tokens[i].value in _SIDED][-1:]


def _narrow_the_exception(earlier: list[Mention], found: list[Mention]) -> None:
    """"... are unremarkable except for mild left narrowing": the openings declared normal are the other side."""
    sides = {m.side for m in found if m.assertion != ABSENT}
    if len(sides) != 1 or not sides <= {"left", "right"}:
        return
    other = "right" if "left" in sides else "left"
    for mention in earlier:
        if mention.assertion == ABSENT and mention.type == found[0].type and mention.side in (None, "bilateral") \
                and mention.plural:
            mention.side, mention.plural = other, False


def _graded_level_items(tokens: list[Token], span: list[int], locations: list[int]) -> list[list[int]]:
    """The items of "severe bilateral C5-6 and moderate bilateral C6-7 foraminal stenosis" before the location,
    each a grade (and sides) closed by its level; [] unless there are two or more such items."""
    if not locations:
        return []
    items: list[list[int]] = []
    current: list[int] = []
    for i in span:
        if i >= locations[0]:
            break
        current.append(i)
        if tokens[i].kind == LEVEL:
            items.append(current)
            current = []
    if current or len(items) < 2:
        return []
    if not all(any(tokens[i].kind == GRADE and tokens[i].value for i in item) for item in items):
        return []
    return items


def _now_locations(tokens: list[Token], first: int, head: int, view: str, lexicon: Lexicon) -> list[int]:
    """The openings a narrowing with no location of its own (its phrase ``tokens[first..head]``), introduced by
    "now", speaks of: the location named last before it ("The left foramen, previously mildly narrowed, is now
    severely narrowed")."""
    if first == 0 or tokens[head].kind != NARROW or any(tokens[i].kind == LOC for i in range(first, head + 1)) \
            or not lexicon.now_re.search(view, tokens[first - 1].end, tokens[first].start):
        return []
    for k in range(first - 1, -1, -1):
        if tokens[k].kind == LOC:
            return [k]
    return []


def _location_label(tokens: list[Token], view: str) -> tuple[int, list[int]]:
    """The index of the colon of a label naming openings at the head of the sentence ("Foramina:", "Foraminal
    narrowing:", "Canal:") and the indices of its locations; (-1, []) when the sentence opens otherwise."""
    for k, token in enumerate(tokens[:4]):
        if token.kind == LABEL and view[token.start] == ":":
            locations = [i for i in range(k) if tokens[i].kind == LOC]
            if locations and all(tokens[i].kind in (LOC, NARROW, LEVEL) for i in range(k)):
                return k, locations
            return -1, []
    return -1, []


def _graded_side_alone(tokens: list[Token], chain: list[int]) -> bool:
    """A chain that is only a grade and a side ("mild on the left"), naming no opening of its own."""
    kinds = {tokens[i].kind for i in chain}
    return kinds <= {GRADE, SIDE} and SIDE in kinds and any(tokens[i].kind == GRADE and tokens[i].value for i in chain)


_SIDED = frozenset({"foraminal-stenosis", "lateral-recess-stenosis"})
_PLACE_OR_NARROWING = frozenset({LOC, NARROW})


def _labelled_grades(tokens: list[Token], chain: list[int], view: str, lexicon: Lexicon) -> list[int]:
    """"Foramina: moderate right, mild left", "Canal: mild": under a location label, a grade is a stenosis of it.
    The first grade after the label's colon stands as the head of the phrase."""
    for k in range(len(chain) - 1):
        label = tokens[chain[k]]
        following = tokens[chain[k + 1]]
        # "bilat LR sev", "NF mod": in telegraphic text a grade right after the location is its grade.
        # Not the object of a ladder verb ("indenting thecal sac minimally abutting the root": the grade is the
        # next verb's).
        # ... and so after a dash, with the sides after it ("NF - mild B/L", "NF mild B/L").
        gap = view[label.end:following.start].strip()
        telegraphic = label.kind == LOC and following.kind == GRADE and following.value is not None \
            and gap.strip("-\u2013") == "" and len(gap) <= 2 \
            and all(tokens[i].kind == SIDE for i in chain[k + 2:]) \
            and not any(tokens[i].kind in (NARROW, NORMAL, LADDER, NEG) for i in chain) \
            and not (chain[k] > 0 and tokens[chain[k] - 1].kind == LADDER)
        if label.kind == LOC and (":" in view[label.end:following.start] or telegraphic):
            rest = chain[k + 1:]
            if tokens[rest[0]].kind == NEG and view[tokens[rest[0]].start:tokens[rest[0]].end] in lexicon.denial_values:
                return rest[:1]  # "Canal: none", a table cell: the denial is the phrase's head
            grades = [i for i in rest if tokens[i].kind == GRADE and tokens[i].value]
            after = chain[-1] + 1
            if after < len(tokens) and tokens[after].kind == CAUSE \
                    and not view[tokens[chain[-1]].end:tokens[after].start].strip():
                return []  # "Foramen: mild disc bulge": the grade is the bulge's
            return grades[:1]
    return []


def _historical_grade(tokens: list[Token], index: int, view: str, lexicon: Lexicon) -> bool:
    """"the previously moderate stenosis, now mild": a grade right after a historical word is an earlier
    exam's grade, not this one's."""
    return (tokens[index].kind == GRADE and index > 0 and tokens[index - 1].kind == HIST
            and not view[tokens[index - 1].end:tokens[index].start].strip() and not still_present(tokens, view, lexicon))


def _after_history(tokens: list[Token], head: int, view: str, lexicon: Lexicon) -> bool:
    """"was previously (severely) narrowed": a narrowing word right after a historical word describes an
    earlier exam, unless the sentence says it is still there."""
    if historical_clause(tokens, head, view, lexicon):
        return True
    j = head - 1 if head > 0 and tokens[head - 1].kind == GRADE else head
    if not (j > 0 and tokens[j - 1].kind == HIST and not view[tokens[j - 1].end:tokens[j].start].strip()):
        return False
    return not still_present(tokens, view, lexicon)


_SLASHED = re.compile(r"([a-z]+)\s{0,3}/\s{0,3}([a-z]+)")


def _slashed_pairs(tokens: list[Token], modifiers: list[int], view: str, lexicon: Lexicon):
    """"R/L NF narrowing mild/mod": a slashed pair of sides with a slashed pair of grades pairs them in order
    (right mild, left moderate), where a grade pair alone is a range ("mild/mod narrowing")."""
    sides = [tokens[i] for i in modifiers if tokens[i].kind == SIDE]
    grades = [tokens[i] for i in modifiers if tokens[i].kind == GRADE]
    if len(sides) != 1 or len(grades) != 1:
        return None
    side_words = _SLASHED.fullmatch(view, sides[0].start, sides[0].end)
    grade_words = _SLASHED.fullmatch(view, grades[0].start, grades[0].end)
    if side_words is None or grade_words is None:
        return None
    pairs: list[tuple[str | None, Token | None, Token | None]] = []
    for k in (1, 2):
        side, grade = lexicon.entry(side_words.group(k)), lexicon.entry(grade_words.group(k))
        if side is None or side.kind != SIDE or grade is None or grade.kind != GRADE or grade.value is None:
            return None
        pairs.append((str(side.value), Token(GRADE, grade_words.start(k), grade_words.end(k), grade.value,
                                             grade.detail), None))
    return pairs if pairs[0][0] != pairs[1][0] else None


def _coordinated_before(tokens: list[Token], i: int, head: int, view: str, lexicon: Lexicon) -> bool:
    """"slight exit and central narrowing", "central and bilateral foraminal stenosis": a weak location joined by a
    coordinator to the openings that stand, with their own sides and grades only, right before the narrowing word."""
    between = range(i + 1, head)
    if not between or not any(tokens[k].kind == LOC for k in between) \
            or any(tokens[k].kind not in (LOC, SIDE, GRADE) for k in between):
        return False
    return lexicon.location_coordinator_re.fullmatch(view, tokens[i].end, tokens[i + 1].start) is not None


def _own_modifiers(tokens: list[Token], kept: list[int], modifiers: list[int], head: int) -> dict | None:
    """"moderate central canal and mild bilateral foraminal narrowing": openings of different types before one
    narrowing word, each with its own grade, keep their own sides and grades (and share those after the
    narrowing word). None when they do not each have a grade: a grade before the first then covers them all
    ("mild central and bilateral foraminal stenosis")."""
    if kept and kept[0] > head:
        return _own_object_sides(tokens, kept, modifiers, head)
    places = [i for i in kept if i < head]
    if len({tokens[i].value for i in places}) < 2 or len(places) != len(kept):
        return None
    own: dict = {}
    start = -1
    for place in places:
        mine = [i for i in modifiers if start < i < place or (i > place and i < head and not any(
            p > place and p < i for p in places) and tokens[i].kind == SIDE)]
        if not any(tokens[i].kind == GRADE and tokens[i].value for i in mine if i < place):
            return None
        own.setdefault(tokens[place].value, []).extend(mine + [i for i in modifiers if i > head])
        start = place
    return own


def _own_object_sides(tokens: list[Token], objects: list[int], modifiers: list[int], head: int) -> dict | None:
    """"narrowing of the right lateral recess and the left neural foramen": openings of different types after one
    narrowing word, each with its own side word, keep their own sides (and share the grades before the word).
    None when one has no side word of its own: a side before the first then covers them all ("narrowing of right
    lateral recess and neural foramen")."""
    if len({tokens[i].value for i in objects}) < 2:
        return None
    own: dict = {}
    start = head
    for place in objects:
        sides = [i for i in modifiers if start < i < place and tokens[i].kind == SIDE]
        if not sides:
            return None
        shared = [i for i in modifiers if i < head or (start < i < place and tokens[i].kind != SIDE)
                  or i > objects[-1]]
        own.setdefault(tokens[place].value, []).extend(sorted(shared + sides))
        start = place
    return own


def _mentions_of(tokens: list[Token], head: int, locations: list[int], span: list[int], view: str, context: Context,
                 lexicon: Lexicon) -> list[Mention]:
    """The stenosis mentions of one head's phrase, in ordered passes:

    1. what the phrase is not: an earlier state ("was previously narrowed"), one that remains, a phrase whose
       head narrows none of its locations (``_narrowed_locations``);
    2. ``_modifiers``: the sides, grades and denials that qualify it, the grade stated for now and a grade
       stated after it ("foraminal stenosis ... is severe on the left");
    3. per location type, its assertion and one mention per separately graded side
       (``_stated_mentions``).

    "moderate left and mild right foraminal narrowing" -> left moderate, right mild."""
    head_token = tokens[head]
    if not locations or any(tokens[i].kind == REMAIN for i in span) or _after_history(tokens, head, view, lexicon):
        return []
    span = [i for i in span if not _historical_grade(tokens, i, view, lexicon)]
    kept = _narrowed_locations(tokens, head, locations, view, lexicon)
    if not kept or context.silenced(head):
        return []
    if any(tokens[i].detail.graded_only for i in kept) and lexicon.sac_narrowing_re.match(view, head_token.start, head_token.end) \
            and not any(tokens[i].kind == GRADE and tokens[i].value for i in span):
        # "narrowing of the thecal sac" alone is not a canal stenosis; graded it is; beside an opening the
        # narrowing word has, it is the opening's ("indentation of the thecal sac and bilateral foraminal narrowing")
        kept = [i for i in kept if not tokens[i].detail.graded_only]
        if not kept:
            return []
    modifiers = _modifiers(tokens, head, span, view, lexicon)
    types = []
    for i in kept:
        if tokens[i].value not in types:
            types.append(tokens[i].value)
    plural = any(tokens[i].detail.plural for i in kept)
    graded = any(tokens[i].kind == GRADE and tokens[i].value for i in span) or (
        head > 0 and tokens[head - 1].kind == GRADE and tokens[head - 1].value is not None)
    own = _own_modifiers(tokens, kept, modifiers, head)
    mentions = []
    for finding_type in types:
        mentions += _stated_mentions(tokens, head, span, own[finding_type] if own is not None else modifiers,
                                     finding_type, plural, graded, view, context, lexicon)
    return mentions


def _narrowed_locations(tokens: list[Token], head: int, locations: list[int], view: str,
                        lexicon: Lexicon) -> list[int]:
    """The locations the head narrows. A ladder word narrows a space only right next to it ("effacement of the
    left lateral recess"), only a place it can narrow, as a verb only its object ("compressing the sac and
    encroaching the Lt exit canal"), never the thecal sac alone; "spinal", "central" make a stenosis only right
    before a narrowing word ("central stenosis") or coordinated with the openings before it ("mild central and
    bilateral foraminal stenosis")."""
    head_token = tokens[head]
    ladder = head_token.kind == LADDER
    if ladder and not any(
            all(tokens[k].kind in (SIDE, GRADE) for k in range(min(i, head) + 1, max(i, head))) for i in locations):
        return []
    kept = []
    for i in locations:
        if ladder and tokens[i].value not in head_token.detail.places:
            continue
        if ladder and head_token.detail.form == "verb" and i < head and not _noun_after_place(tokens, head, view):
            continue
        if ladder and tokens[i].detail.graded_only:
            continue
        if tokens[i].detail.weak and not (head_token.kind == NARROW and (
                (i == head - 1 and not view[tokens[i].end:head_token.start].strip(" -"))
                or _coordinated_before(tokens, i, head, view, lexicon))):
            continue
        kept.append(i)
    return kept


def _modifiers(tokens: list[Token], head: int, span: list[int], view: str, lexicon: Lexicon) -> list[int]:
    """The sides, grades and denials that qualify a stenosis phrase (not a "not" that negates only a grade,
    nor that grade: "is not severe"). A grade stated for now replaces the ones before it ("moderate canal
    stenosis, now severe"); so does a grade stated after the phrase when none stands in it ("foraminal
    stenosis due to osteophytes is severe on the left")."""
    modifiers = [i for i in span if tokens[i].kind in (SIDE, GRADE, NEG) and not negates_grade(tokens, i, view, lexicon)
                 and not (tokens[i].kind == GRADE and negates_grade(tokens, i - 1, view, lexicon))]
    now_grades = [i for i in modifiers if i > head and tokens[i].kind == GRADE and tokens[i].value
                  and lexicon.now_re.search(view, tokens[i - 1].end, tokens[i].start)]
    if now_grades:
        modifiers = [i for i in modifiers if tokens[i].kind != GRADE or i >= now_grades[0]]
    graded_before = any(tokens[i].kind == GRADE and tokens[i].value for i in modifiers)
    stated = _predicate(tokens, span[-1], view, lexicon)
    if stated and (not graded_before or lexicon.now_re.search(view, tokens[stated[0] - 1].end, tokens[stated[0]].start)):
        sides_before = [i for i in modifiers if tokens[i].kind == SIDE]
        stated_sides = [i for i in stated if tokens[i].kind == SIDE]
        modifiers = (stated if stated_sides else sides_before + stated)
    return modifiers


def _stated_mentions(tokens: list[Token], head: int, span: list[int], modifiers: list[int], finding_type: str,
                     plural: bool, graded: bool, view: str, context: Context, lexicon: Lexicon) -> list[Mention]:
    """The mentions of one location type: the phrase's assertion (a normal word or a denial as head: absent;
    else ConText's), then one mention per (side, grade, denial) of the modifiers ("mild right, none left": the
    right stated, the left denied); a canal stenosis has no side, only the first grade."""
    head_token = tokens[head]
    trigger: Token | None
    if head_token.kind in (NORMAL, NEG):
        assertion, trigger = ABSENT, head_token
    else:
        assertion, trigger = context.assertion(head, finding_type)
    pairs = (_slashed_pairs(tokens, modifiers, view, lexicon) or _side_grades(tokens, modifiers)) \
        if finding_type != "canal-stenosis" else [
        (None, next((tokens[i] for i in modifiers if tokens[i].kind == GRADE), None), None)]
    separate = len(pairs) > 1 and any(denial for _, _, denial in pairs)
    mentions = []
    for side, grade, denial in pairs:
        if separate:
            assertion, trigger = (ABSENT, denial) if denial else context.assertion(span[0], finding_type)
            if not denial and any(trigger is d for _, _, d in pairs):
                # "mild right, none left": the other side's denial says nothing of this side.
                assertion, trigger = PRESENT, None
        if assertion == ABSENT:
            limits = [tokens[i] for i in modifiers if tokens[i].kind == GRADE]
            grade_span = (limits[0].start, limits[-1].end) if limits else None
        else:
            grade_span = (grade.start, grade.end) if grade is not None else None
        mentions.append(Mention(type=finding_type, first=span[0], last=span[-1], anchor=head,
                                side=side, plural=plural and finding_type != "canal-stenosis",
                                severity=grade.value if grade is not None and assertion != ABSENT else None,
                                graded=graded, assertion=assertion, triggers=[trigger] if trigger else [],
                                severity_span=grade_span))
    return mentions
