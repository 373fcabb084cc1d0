"""Reads a whole report: sections, sentences, level segments, then the mentions of each sentence.

The level of a finding is the one its own phrase names ("left C5-C6 foraminal stenosis"), else the one
right after it ("stenosis at L4-5"), else one named earlier in the sentence, else any the sentence names,
else the level of the segment it sits in ("L4-L5: ..."), else the previous sentence's in the same segment.
"""

from __future__ import annotations

import re

from functools import cached_property
from typing import NamedTuple

from service.extract.attributes import root_fits_level
from service.extract.budget import check_deadline
from service.extract.context import ABSENT, POSSIBLE, PRESENT, Context
from service.extract.finding import Evidence
from service.extract.levels import LevelGroup, heads_next_item, level_groups, opens_item
from service.extract.lexicon import (
    CAUSE, GRADE, HEDGE, HIST, LABEL, LADDER, LEVEL, LOC, NARROW, NEG, NORMAL, OBJ, PSEUDO, REF, REMAIN, ROOT, SIDE, TERM,
    WIDE, ZONE, Lexicon,
)
from service.extract.mention import Mention
from service.extract.merge import Statement
from service.extract.roots import RootReader
from service.extract.scans import remember as remember_scan
from service.extract.sections import find_sections
from service.extract.sentences import split_sentences
from service.extract.stenosis import read_stenoses, run_on_clause
from service.extract.tables import find_tables
from service.extract.textview import plain_view, scan_view
from service.extract.tokens import (
    RootMention, Token, TokenIndex, labelled_roots, scan, sided_name_roots, verb_object_roots,
)
from service.extract.typos import glued_among, name_disc_kinds, repair, sentence_words, unglue

_FORWARD_GAP = 48
_DEGREE_REACH = 24  # how far before a word ``_degree_words`` looks for words of degree
_HEADS = frozenset({NARROW, NORMAL, LADDER})
_SIDED_STENOSES = frozenset({"foraminal-stenosis", "lateral-recess-stenosis"})
_ONE_SIDE = ("left", "right")
_SPINE_DENIALS = frozenset({"nerve-root", "canal-stenosis"})


def _landmark(group: LevelGroup, tokens: list[Token], view: str, lexicon: Lexicon) -> bool:
    """A level named as a landmark ("below the L4/L5 level"), not as the place of what the sentence states."""
    known = group.landmark
    if known is None:
        start = tokens[group.first].start
        known = group.landmark = lexicon.landmark_re.search(view, max(0, start - _EMPHASIS_REACH), start) is not None
    return known


def resolve_levels(mention: Mention, groups: list[LevelGroup], tokens: list[Token], view: str, lexicon: Lexicon):
    """The levels a sentence gives a mention, or None when the sentence names none for it. Of the levels
    before it, the last disc level rather than a vertebra named after it ("L5-S1 extrusion migrating to the
    level of the S1 body, compressing the S1 root": L5-S1)."""
    for group in groups:
        if mention.first <= group.first <= mention.last:
            return group.levels
    end = tokens[mention.last].end
    for group in groups:
        if group.first > mention.last:
            between = tokens[mention.last + 1:group.first]
            start = tokens[group.first].start
            if start - end <= _FORWARD_GAP and all(t.kind in (LOC, ZONE, SIDE) for t in between) \
                    and lexicon.level_intro_re.fullmatch(view, tokens[group.first - 1].end, start) \
                    and not lexicon.subject_gap_re.fullmatch(view, tokens[group.first - 1].end, start) \
                    and not opens_item(tokens, group.first, group.last, view, lexicon) \
                    and not heads_next_item(tokens, group.last, view):
                # (not "... canal stenosis the L5-S1 level is unremarkable": a new clause's subject, nor "... no
                # canal stenosis l5-s1: no herniation": the next item's header in text that lost its line breaks)
                return group.levels
            break
    if mention.last + 1 < len(tokens) and tokens[mention.last + 1].kind == WIDE \
            and not view[end:tokens[mention.last + 1].start].strip():
        return [None]  # "no canal stenosis at any level": the spine, not the level named before
    before = [group for group in groups if group.last < mention.first]
    if len(before) > 1:
        places = [group for group in before if not _landmark(group, tokens, view, lexicon)]
        before = places or before
    if before:
        discs = [group for group in before if not tokens[group.first].detail.single]
        return (discs or before)[-1].levels
    for group in groups:
        # A level later in the sentence, unless a terminator ("except", ";") or a new clause of run-on
        # dictation separates it from the finding.
        if not any(t.kind == TERM for t in tokens[mention.last + 1:group.first]) \
                and not any(run_on_clause(tokens, k, view, lexicon) for k in range(mention.last + 1, group.first + 1)):
            return group.levels
    return None


_EMPHASIS_REACH = 40



def _past_emphasis(mention: Mention, levels: list, header_levels: list | None, groups: list[LevelGroup],
                   tokens: list[Token], view: str, lexicon: Lexicon) -> list:
    """"L3-L4, L4-L5:\nBulges with facet hypertrophy, noticeably at L4-L5 level, compressing the thecal sac and
    encroaching exit canals": under a header listing several levels, a level named as the most affected of
    them ("noticeably at", "mainly at") does not narrow to itself what a later clause (after a comma) states;
    the header's levels hold. A finding in the emphasis's own clause ("noticeably at L4-L5 where the Lt exit
    canal is compressed") stays at that level."""
    if not header_levels or len(header_levels) < 2 or not set(levels) < set(header_levels):
        return levels
    for group in groups:
        if group.levels != levels or group.last >= mention.first:
            continue
        start = tokens[group.first].start
        if lexicon.emphasis_re.search(view, max(0, start - _EMPHASIS_REACH), start) \
                and "," in view[tokens[group.last].end:tokens[mention.first].start]:
            return header_levels
    return levels


def _emphasised(mention: Mention, levels: list, groups: list[LevelGroup], tokens: list[Token], view: str,
                lexicon: Lexicon) -> bool:
    """Whether ``levels`` are named as the most affected of several ("multilevel bulges, noticeably at L4-L5,
    compressing ...") and the mention stands in a later clause: not one in the emphasis's own clause
    ("noticeably at L5-S1 where the left S1 root is compressed"), which is at that level alone."""
    for group in groups:
        if group.levels == levels and group.last < mention.first:
            start = tokens[group.first].start
            return lexicon.emphasis_re.search(view, max(0, start - _EMPHASIS_REACH), start) is not None \
                and "," in view[tokens[group.last].end:tokens[mention.first].start]
    return False


class _Segment:
    """Level context of a run of sentences under one level header or numbered item."""

    def __init__(self) -> None:
        self.levels: list | None = None
        self.previous: list | None = None
        self.line_end: int | None = None  # end of the header's line when findings follow the level on it
        self.sides: dict = {}


class _Previous:
    """What the sentence before stated, for back-references ("This likely affects the S1 root") and for a
    side standing alone for the same openings ("The right foramen is narrowed. The left is patent.").
    Its causes and sides are worked out from the sentence's reader only when a back-reference asks,
    which few sentences do."""

    def __init__(self, reader: RootReader | None = None, stated_sides=frozenset(), sided_type=None,
                 root=None) -> None:
        self._reader = reader
        self._stated_sides = stated_sides
        self.sided_type = sided_type
        self.root = root  # the one root mention (its RootMention) of the sentence, if it named exactly one

    @cached_property
    def causes(self) -> list:
        reader = self._reader
        if reader is None:
            return []
        return [t.value for i, t in enumerate(reader.tokens)
                if t.kind == CAUSE and reader.context.assertion(i, "cause")[0] != ABSENT]

    @cached_property
    def side(self) -> str | None:
        side = None if self._reader is None else self._reader.structure(0, len(self._reader.tokens))[0]
        if side is None and len(self._stated_sides) == 1:
            side = next(iter(self._stated_sides))  # "... on the right causes foraminal narrowing. It flattens ..."
        return side

    @cached_property
    def cause_sides(self) -> dict:
        return {} if self._reader is None else self._reader.cause_sides()


class _State:
    """What a section's reading carries from one sentence to the next."""

    def __init__(self) -> None:
        self.segment = _Segment()
        self.previous = _Previous()
        self.item_levels: list | None = None  # the levels of the numbered item before this one


# A short label with its colon opening a line's sentence ("LUMBAR:", "C-spine:", "Thoracic spine:").
_REGION_LABEL = re.compile(r"[A-Za-z][A-Za-z/\-]*(?: [A-Za-z/\-]+){0,2}:")


def _is_level_header(tokens: list[Token], groups: list[LevelGroup], view: str, sentence_start: int,
                     lexicon: Lexicon) -> bool:
    first = 0
    if groups and groups[0].first == 1 and tokens[0].kind in (TERM, LABEL) and view[tokens[0].start] == ":" \
            and _REGION_LABEL.fullmatch(view[sentence_start:tokens[0].end].strip(" \t*-#>•,")):
        first = 1  # "LUMBAR: L4-5 moderate canal stenosis." opens that level's segment as "L4-5: ..." does
    if not groups or groups[0].first != first:
        return False
    opening = view[tokens[first - 1].end if first else sentence_start:tokens[first].start].strip(" \t*-#>•,")
    if opening and not (lexicon.level_intro_re.fullmatch(opening.lower() + " ") and not tokens[first].detail.single):
        return False  # only "At L5-S1 ...", "At the L4-5 level ..." may stand before the level
    if not tokens[first].detail.single:
        # A sentence that opens with a disc level speaks of that level, and so do the sentences after it
        # that name none ("L4-5 postsurgical change. Soft tissue abuts the L5 root."), colon or not.
        return True
    last = tokens[groups[0].last]
    after = groups[0].last + 1
    sentence_over = after >= len(tokens) and not view[last.end:last.end + 1].isalpha()
    return bool(lexicon.header_after_re.match(view, last.end)) or sentence_over


def _opens_a_line(view: str, start: int) -> bool:
    """The sentence at ``start`` begins a line and the line before ends a sentence (not a wrapped line)."""
    newline = view.rfind("\n", 0, start)
    if newline < 0 or view[newline:start].strip():
        return False
    before = view[:newline].rstrip()
    return before.endswith(".")


_LABEL_REACH = 40


def _mark_label(tokens: list[Token], view: str, start: int) -> None:
    """A colon after a short label opening the sentence or a clause after a semicolon ("Nerve roots: normal",
    "L4-5: no stenosis", a table row's "...; Canal stenosis: none; ...") joins the label to what follows
    instead of ending a clause."""
    clause_start, clause_first = start, 0
    for i, token in enumerate(tokens):
        if token.kind != TERM:
            continue
        mark = view[token.start]
        if mark == ";":
            clause_start, clause_first = token.end, i + 1
        elif mark == ":" and clause_first < i <= clause_first + 4 and token.start - clause_start <= _LABEL_REACH:
            token.kind = LABEL


def _leading_side(tokens: list[Token], view: str) -> str | None:
    """"On the right, ..." / "Left foramen: ..." at the head of a sentence: the side of what follows."""
    for i, token in enumerate(tokens[:3]):
        if token.kind == SIDE:
            following = view[token.end:token.end + 2]
            if following.startswith(",") or following.startswith(":"):
                return token.value
            return None
        if token.kind not in (LEVEL, TERM, LABEL):
            return None
    return None


def _one_named_root(tokens: list[Token]):
    """The RootMention of the one named root a sentence mentions, else None."""
    named = [t.value for t in tokens if t.kind == ROOT]
    return named[0] if len(named) == 1 and named[0].names[0][0] else None


def _clause_opening_side(tokens: list[Token], view: str, index: int, lexicon: Lexicon) -> str | None:
    """"On the left, the protrusion displaces the L5 root; on the right it only contacts the L5 root": a side
    phrase opening the clause after a semicolon is the side of what that clause states."""
    for k in range(index - 1, -1, -1):
        if tokens[k].kind == TERM and view[tokens[k].start] == ";":
            opener = tokens[k + 1] if k + 1 < index else None
            if opener is not None and opener.kind == SIDE and (
                    lexicon.side_phrase_re.match(view, opener.start) or view.startswith(",", opener.end)):
                return opener.value
            return None
    return None


def _pronoun_root(tokens: list[Token], view: str, root, lexicon: Lexicon) -> list[Token]:
    """"The right L5 root was previously compressed. It is now only contacted.": a pronoun subject of a
    passive ladder word, in a sentence naming no root, stands for the one root the sentence before named."""
    first = tokens[0]
    if first.kind != REF or not lexicon.passive_pronoun_re.match(view, first.start):
        return tokens
    if any(t.kind == LADDER and t.detail.form != "participle" for t in tokens):
        return tokens
    return [Token(ROOT, first.start, first.end, root)] + tokens[1:]


def _side_subject_roots(tokens: list[Token], view: str, lexicon: Lexicon) -> list[Token]:
    """"Neither S1 root is compressed; the left is contacted.": a side alone as the subject of a clause's ladder
    participle, after the one root the sentence named before it, stands for that root on that side."""
    out = None
    for i in range(1, len(tokens)):
        side = tokens[i]
        if side.kind != SIDE or side.value not in _ONE_SIDE or not (
                _side_subject(tokens, i, view, lexicon) or _side_object(tokens, i, view, lexicon)):
            continue
        named = [t.value for t in tokens[:i] if t.kind == ROOT]
        if len(named) != 1 or len(named[0].names) != 1 or named[0].names[0][0] is None:
            continue
        if out is None:
            out = list(tokens)
        root = named[0]
        out[i] = Token(ROOT, side.start, side.end,
                       RootMention([(root.names[0][0], side.value)], False, False, root.role))
    return tokens if out is None else out


def _side_subject(tokens: list[Token], i: int, view: str, lexicon: Lexicon) -> bool:
    """"...; the left is contacted": the side opens its clause and a ladder participle follows it."""
    side = tokens[i]
    word = tokens[i + 1] if i + 1 < len(tokens) else None
    return word is not None and word.kind == LADDER and word.detail.form == "participle" \
        and tokens[i - 1].kind == TERM and lexicon.side_subject_re.fullmatch(view, tokens[i - 1].end, side.start) \
        is not None and lexicon.passive_copula_re.fullmatch(view, side.end, word.start) is not None


def _side_object(tokens: list[Token], i: int, view: str, lexicon: Lexicon) -> bool:
    """"compressing the left S1 root and crowding the right": the side is the object of a ladder verb and ends
    its clause."""
    verb = tokens[i - 1]
    ends = i + 1 == len(tokens) or tokens[i + 1].kind == TERM
    return ends and verb.kind == LADDER and verb.detail.form != "participle" \
        and lexicon.side_object_re.fullmatch(view, verb.end, tokens[i].start) is not None


def _root_in_sided_opening(mentions: list[Mention]) -> None:
    """"Mild foraminal narrowing on the right, which contacts the exiting L4 root": a root without a side
    after a foramen or recess narrowed on one side only, in the same sentence, is on that side."""
    sided = [m for m in mentions if m.type in _SIDED_STENOSES and m.assertion != ABSENT]
    for mention in mentions:
        if mention.type != "nerve-root" or mention.side is not None or mention.plural or mention.central:
            continue
        sides = {m.side for m in sided if m.last < mention.first}
        if len(sides) == 1 and None not in sides and "bilateral" not in sides:
            mention.side = sides.pop()


def _elided_location(tokens: list[Token], view: str, start: int, mentions: list[Mention], sided_type: str,
                     lexicon: Lexicon) -> None:
    """"The right foramen is narrowed to a mild degree. The left is moderately narrowed.": a sentence whose
    subject is a side alone speaks of the openings of the sentence before; its bare narrowing is theirs."""
    if tokens[0].kind != SIDE or not lexicon.side_subject_re.fullmatch(view, start, tokens[0].start):
        return
    for mention in mentions:
        if mention.type == "canal-stenosis" and mention.tentative:
            mention.type, mention.tentative, mention.side = sided_type, False, tokens[0].value
    if not mentions and len(tokens) > 1 and tokens[1].kind == NORMAL:
        # "Severe left foraminal stenosis. The right is patent."
        mentions.append(Mention(type=sided_type, first=0, last=1, anchor=1, side=tokens[0].value,
                                assertion=ABSENT, triggers=[tokens[1]]))


def _clause_side(tokens: list[Token], view: str, mentions: list[Mention], lexicon: Lexicon) -> str | None:
    """"Uncovertebral hypertrophy on the right causes moderate foraminal narrowing": a side phrase
    ("on the right", "to the left") outside every finding's own phrase gives the side of the sentence's
    findings, when the sentence has only one such side and no side of another kind."""
    sides = [i for i, token in enumerate(tokens) if token.kind == SIDE]
    if not sides:
        return None
    taken: set[int] = set()
    for mention in mentions:
        taken.update(range(mention.first, mention.last + 1))
    found = set()
    for i in sides:
        token = tokens[i]
        if i not in taken:
            if not lexicon.side_phrase_re.match(view, token.start):
                return None
            found.add(token.value)
    return found.pop() if len(found) == 1 else None


def _finalise_side(mention: Mention, levels: list) -> str | None:
    if mention.side is not None or not mention.plural:
        return mention.side
    if levels != [None] or mention.root:
        return "bilateral"
    return None


class _Sentence:
    """One sentence as the reading passes refine it: its tokens, their level groups and the kinds of token
    it holds (every trigger kind: roots added after the repair pass do not change them)."""

    __slots__ = ("view", "start", "tokens", "groups", "kinds")

    def __init__(self, view: str, start: int, tokens: list[Token], groups: list[LevelGroup]) -> None:
        self.view = view
        self.start = start
        self.tokens = tokens
        self.groups = groups
        self.kinds: set[str] = {t.kind for t in tokens}

    def retokened(self, tokens: list[Token], lexicon: Lexicon) -> None:
        """New tokens (token indices moved): the level groups are read again."""
        self.tokens = tokens
        self.groups = level_groups(tokens, self.view, lexicon)


def _enter_segment(sentence: _Sentence, state: _State, new_item: bool, row: bool, lexicon: Lexicon) -> None:
    """Pass 1: a numbered item starts afresh and remembers the levels of the item before; a table row or a
    sentence that opens with a level ("L4-5: Disc bulge.", "At L5-S1 ...") opens a segment of that level,
    which the sentences after it that name none speak of."""
    tokens, groups, view, start = sentence.tokens, sentence.groups, sentence.view, sentence.start
    if new_item:
        state.item_levels = state.segment.levels or state.segment.previous
        state.segment = _Segment()
    if row or _is_level_header(tokens, groups, view, start, lexicon):
        state.segment = _Segment()
        state.segment.levels = groups[0].levels if groups else None
        line_end = view.find("\n", start)
        line_end = len(view) if line_end < 0 else line_end
        if groups and len(tokens) > groups[0].last + 1 and tokens[groups[0].last + 1].start < line_end:
            state.segment.line_end = line_end


def _repair_words(sentence: _Sentence, end: int, lexicon: Lexicon) -> None:
    """Pass 2: misspelt words of a sentence about a root or an opening ("disc protruion", "mildy
    compressing", "disc protrotion", "notedslightly narrowing") become the tokens of the words they stand for
    (typos.py)."""
    kinds = sentence.kinds
    if ROOT in kinds or LOC in kinds or NARROW in kinds:
        view, start = sentence.view, sentence.start
        words = sentence_words(view, start, end)  # one regex pass over the sentence for both repairs
        repaired = repair(sentence.tokens, view, start, end, lexicon, words)
        if CAUSE in kinds and lexicon.disc_kinds:
            repaired = name_disc_kinds(repaired, view, lexicon)
        if glued_among(words, lexicon):
            repaired = unglue(repaired, view, start, end, lexicon)
        if repaired is not sentence.tokens:
            sentence.retokened(repaired, lexicon)
            sentence.kinds = {t.kind for t in repaired}


def _unsure_sides(sentence: _Sentence, source: str, lexicon: Lexicon) -> list[int]:
    """Pass 2b: a side letter written in lower case alone ("... compressing thecal sac and l exit nerve roots"),
    where notes write the shorthand as a capital ("L foraminal stenosis"), may be a typo as well as a side: it
    gives no side (a plural then reads as both sides, FORMAT.md). Returns where such letters stand, so that the
    findings around them ask for review (``_flag_unsure``). Letters of both sides in one sentence ("mild r and
    moderate l foraminal narrowing") contrast the sides: they stay sides."""
    letters = [t for t in sentence.tokens if t.kind == SIDE and source[t.start:t.end] in lexicon.capital_only_sides]
    if len({t.value for t in letters}) > 1:
        return []
    unsure = [t.start for t in letters]
    if unsure:
        sentence.retokened([t for t in sentence.tokens if t.start not in unsure], lexicon)
    return unsure


def _flag_unsure(mentions: list[Mention], tokens: list[Token], unsure: list[int]) -> None:
    """A finding whose phrase held a side letter read as no side, or had one right before it, is marked as a
    fallback reading: the page says less and asks for review."""
    for mention in mentions:
        start = tokens[mention.first - 1].end if mention.first else 0
        if any(start <= at < tokens[mention.last].end for at in unsure):
            mention.fallback = True


_ALTERNATIVES = frozenset({ROOT, LOC, OBJ})


def _alternative(mention: Mention, tokens: list[Token], view: str, lexicon: Lexicon) -> Token | None:
    """The joiner that makes the root or opening of a mention one of two alternatives ("the thecal sac or nerve
    root", "the L5 or S1 root", "foraminal or lateral recess"), as a token; None when it is none."""
    for i in range(mention.first, mention.last + 1):
        token = tokens[i]
        if token.kind not in (ROOT, LOC):
            continue
        if token.kind == ROOT:
            inside = lexicon.disjunctive_re.search(view, token.start, token.end)
            if inside is not None:
                return Token(HEDGE, inside.start(), inside.end(), "forward")
        for j in (i - 1, i + 1):
            if 0 <= j < len(tokens) and tokens[j].kind in _ALTERNATIVES:
                start, end = (tokens[j].end, token.start) if j < i else (token.end, tokens[j].start)
                gap = view[start:end]
                core = gap.strip(" \t\n,")
                joiner = lexicon.disjunctive_re.fullmatch(core) if core else None
                if joiner is not None:
                    at = start + gap.index(core)
                    return Token(HEDGE, at, at + len(core), "forward")
    return None


def _unsure_alternatives(mentions: list[Mention], tokens: list[Token], view: str, lexicon: Lexicon) -> None:
    """Pass 5b: a finding stated with no denial and no hedge whose root or opening is one of alternatives
    ("nerve root or thecal sac compression is seen.") is unsure: the words read as a denial that lost its
    "No" ("No thecal sac or nerve root compression"), or as a hedge between the two. Neither asserted nor
    denied, it is read as possible, its joiner the trigger, and marked so that the page asks for review
    (grammar.yaml ``disjunctive_joiners``)."""
    for mention in mentions:
        if mention.assertion != PRESENT:
            continue
        joiner = _alternative(mention, tokens, view, lexicon)
        if joiner is not None:
            mention.assertion, mention.triggers, mention.unsure = POSSIBLE, [joiner], True


def _verb_on(tokens: list[Token], cause: int, mention: Mention) -> bool:
    """Whether a ladder verb, or a narrowing word before the opening, stands between a cause and the opening's
    name: the cause acts on the opening ("bulge compressing the exit canal"), not beside it ("protrusion and
    ... with foraminal stenosis")."""
    last_location = max((i for i in range(mention.first, mention.last + 1) if tokens[i].kind == LOC), default=-1)
    return any((tokens[i].kind == LADDER and tokens[i].detail.form == "verb")
               or (tokens[i].kind == NARROW and i < last_location) for i in range(cause + 1, mention.last + 1))


def _structure_sides(mentions: list[Mention], tokens: list[Token], reader: RootReader) -> None:
    """Pass 5c: "Lt paracentral, wide base, bulge at L5/S1, compressing the thecal sac and exit neural canal": the
    one foramen or recess the text gives no side, the object of a structure's ladder or narrowing verb, likely
    lies on the structure's side: the side words of its phrase, else those before it in its clause. FORMAT.md
    leaves the opening's side unstated, so this side is kept apart (``Finding.side_inferred``) for the page."""
    for mention in mentions:
        if mention.type not in _SIDED_STENOSES or mention.side is not None or mention.plural \
                or mention.assertion == ABSENT:
            continue
        for j in range(mention.first - 1, -1, -1):
            kind = tokens[j].kind
            if kind in (ROOT, TERM):
                break
            if kind == CAUSE:
                verb = _verb_on(tokens, j, mention)
                sides = {reader.side_of_phrase(j)} - {None}
                if not sides:
                    k = j
                    while k > 0 and tokens[k - 1].kind not in (ROOT, TERM, LADDER, NARROW, LEVEL, CAUSE):
                        k -= 1
                    sides = {t.value for t in tokens[k:j] if t.kind == SIDE}
                side = sides.pop() if len(sides) == 1 else None
                mention.side_inferred = side if verb and side in ("left", "right") else None
                break


def _heads(sentence: _Sentence) -> bool:
    """Whether the sentence holds a word that can head a finding: a narrowing, normal-state or ladder word, or
    a grade next to a location, which can state a stenosis on its own ("Foramina: moderate right, mild left")."""
    kinds = sentence.kinds
    return not kinds.isdisjoint(_HEADS) or (LOC in kinds and (GRADE in kinds or NEG in kinds)) \
        or any(t.kind == GRADE and t.detail and t.detail.narrowing for t in sentence.tokens)


def _pass_over(sentence: _Sentence, state: _State) -> None:
    """Pass 3, for a sentence with nothing to read ("Normal alignment. L4-5 disc desiccation."): only the
    level context moves on, and the one root it names stays for a pronoun after it."""
    tokens = sentence.tokens
    disc_groups = [g for g in sentence.groups if not tokens[g.first].detail.single]
    if disc_groups:
        state.segment.previous = disc_groups[-1].levels
    state.previous = _Previous(root=_one_named_root(tokens))


def _complete_roots(sentence: _Sentence, state: _State, lexicon: Lexicon) -> None:
    """Pass 4: clause labels ("Nerve roots: normal") and roots named the telegraphic way: after a roots label
    ("Roots: left L3 contacted"), as a ladder verb's object ("compresses R S1"), by side and letter before a
    ladder word ("R L5 compressed"), or by a pronoun for the one root of the sentence before ("It is now only
    contacted.")."""
    view, start, kinds = sentence.view, sentence.start, sentence.kinds
    _mark_label(sentence.tokens, view, start)
    if ROOT in kinds and (LADDER in kinds or NORMAL in kinds):
        labelled = labelled_roots(sentence.tokens, view, lexicon)
        if labelled is not sentence.tokens:
            sentence.retokened(labelled, lexicon)
    if LADDER in kinds:
        named = sided_name_roots(verb_object_roots(sentence.tokens, view, lexicon), view, lexicon)
        if named is not sentence.tokens:
            sentence.retokened(named, lexicon)
        if ROOT not in kinds and state.previous.root is not None:
            sentence.tokens = _pronoun_root(sentence.tokens, view, state.previous.root, lexicon)
        elif ROOT in kinds and SIDE in kinds:
            sentence.tokens = _side_subject_roots(sentence.tokens, view, lexicon)


def _read_mentions(sentence: _Sentence, state: _State, heads: bool,
                   lexicon: Lexicon) -> tuple[RootReader, list[Mention]]:
    """Pass 5: ConText's assertions, then the stenosis mentions (stenosis.py), the root mentions (roots.py)
    and, when no rule read the root a ladder word acts on, the fallback reading; a side alone as the subject
    ("The left is patent.") and a root after a one-sided opening take their sides.

    "Mild right foraminal narrowing, which contacts the exiting L4 root." -> a right foraminal stenosis and a
    right L4 root contact."""
    tokens, view, kinds = sentence.tokens, sentence.view, sentence.kinds
    context = Context(tokens, view, lexicon, kinds)
    reader = RootReader(tokens, view, lexicon, context)
    if heads:
        mentions = read_stenoses(tokens, view, lexicon, context)
        mentions += reader.read(state.previous)
    else:
        mentions = []
    if ROOT in kinds and LADDER in kinds and not any(m.type == "nerve-root" for m in mentions):
        mentions += _fallback_root(tokens, context)
    if LOC not in kinds and state.previous.sided_type:
        _elided_location(tokens, view, sentence.start, mentions, state.previous.sided_type, lexicon)
    _root_in_sided_opening(mentions)
    return reader, mentions


def _stated_levels(mention: Mention, sentence: _Sentence, segment: _Segment, lexicon: Lexicon) -> list | None:
    """The levels the sentence gives a mention (``resolve_levels``); None when it names none for it. A root or
    canal denial on a line of its own after a "LEVEL: finding." line is the spine's: "L4-L5: right bulge
    seen.\nNo nerve root or thecal sac compression is seen.", "... \nAdequate spinal canal." (FORMAT.md,
    rulings from real reports)."""
    view, start = sentence.view, sentence.start
    levels = resolve_levels(mention, sentence.groups, sentence.tokens, view, lexicon)
    if levels is None and mention.type in _SPINE_DENIALS and mention.assertion == ABSENT and mention.root is None \
            and segment.line_end is not None and start > segment.line_end and _opens_a_line(view, start):
        return [None]
    return levels


def _carried_levels(mention: Mention, state: _State, wide: bool, refers: bool = False) -> list:
    """The levels of a mention whose sentence names none: the segment's, else the ones named last in it; a
    spine-wide statement ("at any level") has none. A level that cannot hold the root the mention names is
    not its level ("... explained by the left S1 compression" after a sentence on L4-5); a root named in a
    numbered item continues the item before when exactly one of its levels fits ("1. Extrusion at L4-L5 ...
    2. The left L5 root is compressed."). A denial naming no level outside a level header's segment is the
    spine's, not the level named last ("Mild bulge at L3-L4.\nAdequate spinal canal.": FORMAT.md's denial of
    the whole spine), unless it refers back to it ("no canal stenosis at these levels")."""
    segment = state.segment
    # A denial of one side speaks of the level in context ("the left L5 root is compressed; the right lateral
    # recess is clear"), not of the whole spine.
    if mention.assertion == ABSENT and not segment.levels and not refers and mention.side not in _ONE_SIDE:
        wide = True
    levels = [None] if wide else (segment.levels or segment.previous or [None])
    if mention.root and levels != [None] and not any(root_fits_level(mention.root, lvl) for lvl in levels):
        levels = [None]
    if levels == [None] and mention.root and state.item_levels and not wide:
        fitting = [lvl for lvl in state.item_levels if root_fits_level(mention.root, lvl)]
        levels = fitting if len(fitting) == 1 else levels
    return levels


def _levels_fitting_root(mention: Mention, levels: list) -> list:
    """"Severe left C5-6 and C6-7 foraminal stenoses with compression of the left C6 root": of the levels
    listed, the root is at those where anatomy puts it."""
    if mention.root and len(levels) > 1:
        return [level for level in levels if root_fits_level(mention.root, level, mention.zone, mention.role)] \
            or levels
    return levels


def _side_of(mention: Mention, levels: list, sentence: _Sentence, state: _State, leading_side: str | None,
             lexicon: Lexicon) -> str | None:
    """The side of a mention's findings, in order: its own phrase's; a side opening its clause ("on the left,
    ..."); the sentence's leading side; after "This ..." the side of the sentence before; the side the segment
    gave the same finding earlier; "bilateral" for plural openings or roots at a level. The segment
    remembers a side the sentence stated."""
    tokens, view = sentence.tokens, sentence.view
    if mention.side is None and mention.type != "canal-stenosis" and not mention.central:
        mention.side = _clause_opening_side(tokens, view, mention.first, lexicon) or leading_side
    if mention.side is None and tokens[0].kind == REF and mention.type in _SIDED_STENOSES and not mention.plural:
        mention.side = state.previous.side  # "Left foraminal protrusion. This narrows the foramen."
    sides = state.segment.sides
    key = (mention.type, mention.root, tuple(levels))
    if mention.side is None and not mention.plural and key in sides:
        mention.side = sides[key]
    side = _finalise_side(mention, levels)
    if side and mention.side and not mention.side_from_structure:
        sides[key] = side
    return side


def _carry(sentence: _Sentence, state: _State, reader: RootReader, mentions: list[Mention],
           used_levels: list | None) -> None:
    """Pass 7: the segment's previous levels (those a finding used, else the last disc level named) and what
    the sentence stated, for the sentence after it (``_Previous``)."""
    tokens = sentence.tokens
    disc_groups = [g for g in sentence.groups if not tokens[g.first].detail.single]
    if used_levels is not None:
        state.segment.previous = used_levels
    elif disc_groups:
        state.segment.previous = disc_groups[-1].levels
    stated_sides = {m.side for m in mentions if m.assertion != ABSENT and m.side and m.type != "nerve-root"}
    sided_types = {m.type for m in mentions if m.type in _SIDED_STENOSES and m.side in ("left", "right")}
    state.previous = _Previous(reader, stated_sides, sided_types.pop() if len(sided_types) == 1 else None,
                               root=_one_named_root(tokens))



class _Report:
    """The findings of one report as its sentences are read."""

    def __init__(self, text: str, lexicon: Lexicon, deadline: float | None = None) -> None:
        self.text = text
        self.lexicon = lexicon
        self.deadline = deadline  # a time.monotonic() value, checked once per sentence (budget.py)
        self.findings: list[Statement] = []
        self.tentative: set[int] = set()
        self.summaries: set[int] = set()
        self.cleared: set[str] = set()  # levels an addendum declares normal
        self.repeated: set[int] = set()  # ids of the findings the report states more than once (_add_findings)
        self._held: dict[tuple, Statement] = {}  # each finding by its fields, evidence aside

    def read_statement(self, view: str, start: int, end: int, evidence: Evidence, section: str,
                       state: _State, new_item: bool = False, question: bool = False, row: bool = False,
                       source: str | None = None, index: TokenIndex | None = None) -> None:
        """Reads one sentence (or table row) ``view[start:end]`` in ordered passes:

        1. ``_enter_segment``: a numbered item or a sentence opening with a level starts a new level context
           ("L4-5: ...", "2. ...").
        2. ``_repair_words``: misspelt lexicon words become tokens ("disc protruion"); ``_unsure_sides``: a
           lower-case side letter alone gives no side ("and l exit nerve roots").
        3. Nothing to read ("Normal alignment."): only the level context moves on (``_pass_over``).
        4. ``_complete_roots``: roots named the telegraphic way become root tokens ("R L5 compressed").
        5. ``_read_mentions``: the stenosis and nerve-root mentions, with ConText's assertions.
        6. ``_place``: each mention's levels and side, and its findings.
        7. ``_carry``: what the next sentence may refer back to ("This narrows the foramen.").
        """
        lexicon = self.lexicon
        tokens = index.between(start, end) if index is not None else scan(view, lexicon, start, end)
        sentence = _Sentence(view, start, tokens, level_groups(tokens, view, lexicon))
        _enter_segment(sentence, state, new_item, row, lexicon)
        if question or not tokens:
            return
        _repair_words(sentence, end, lexicon)
        unsure = _unsure_sides(sentence, self.text if source is None else source, lexicon) \
            if lexicon.capital_only_sides and SIDE in sentence.kinds else []
        heads = _heads(sentence)
        if not heads and CAUSE not in sentence.kinds:
            _pass_over(sentence, state)
            return
        _complete_roots(sentence, state, lexicon)
        reader, mentions = _read_mentions(sentence, state, heads, lexicon)
        if unsure:
            _flag_unsure(mentions, sentence.tokens, unsure)
        if mentions and lexicon.disjunctive_re.search(view, start, end):
            _unsure_alternatives(mentions, sentence.tokens, view, lexicon)
        if CAUSE in sentence.kinds:
            _structure_sides(mentions, sentence.tokens, reader)
        if section == "addendum" and not mentions:
            self._clear_levels(sentence)
        used_levels = self._place(sentence, mentions, state, evidence, section,
                                  self.text if source is None else source)
        _carry(sentence, state, reader, mentions, used_levels)

    def _clear_levels(self, sentence: _Sentence) -> None:
        """"ADDENDUM: L4-5 is unremarkable": an addendum's levels declared normal (merge.py drops their
        findings)."""
        kinds, groups = sentence.kinds, sentence.groups
        if NORMAL in kinds and groups and kinds <= {LEVEL, NORMAL, TERM, LABEL}:
            self.cleared.update(level for group in groups for level in group.levels if level)

    def _place(self, sentence: _Sentence, mentions: list[Mention], state: _State, evidence: Evidence, section: str,
               source: str) -> list | None:
        """Pass 6: each mention's levels (``_stated_levels``, else ``_carried_levels``, then
        ``_levels_fitting_root``) and side (``_side_of``), and its findings. Returns the levels the sentence
        itself gave a finding, if any (the segment's previous levels from now on).

        "L4-5: Mild left foraminal narrowing. The exiting L4 root is contacted." -> the second sentence names no
        level: its root finding is at L4-L5, the segment's level."""
        tokens, view, lexicon = sentence.tokens, sentence.view, self.lexicon
        wide = WIDE in sentence.kinds
        leading_side = _leading_side(tokens, view) or _clause_side(tokens, view, mentions, lexicon)
        used_levels: list | None = None
        remain = REMAIN in sentence.kinds
        degree_words: bool | None = None  # whether words of degree stand where _degree_words looks, read once
        for mention in mentions:
            if remain and any(t.kind == REMAIN for t in tokens[max(0, mention.first - 3):mention.last + 1]):
                continue
            stated = _stated_levels(mention, sentence, state.segment, lexicon)
            if stated is None:
                levels = _carried_levels(mention, state, wide, REF in sentence.kinds)
            else:
                levels = used_levels = _past_emphasis(mention, stated, state.segment.levels, sentence.groups, tokens,
                                                      view, lexicon)
                mention.multilevel = wide and levels == stated and _emphasised(mention, stated, sentence.groups, tokens,
                                                                               view, lexicon)
            levels = _levels_fitting_root(mention, levels)
            if mention.assertion == ABSENT and levels == [None] and mention.graded:
                continue  # a spine-wide partial denial ("no high-grade stenosis") is not labelled
            side = _side_of(mention, levels, sentence, state, leading_side, lexicon)
            if mention.severity_span is None and mention.assertion != ABSENT:
                if degree_words is None:
                    degree_words = _degree_words_near(tokens, view, lexicon)
                if degree_words:
                    for j in range(mention.anchor, mention.first - 1, -1):
                        mention.severity_span = _degree_words(tokens[j], view, lexicon)
                        if mention.severity_span is not None:
                            break
            self._add_findings(mention, levels, side, evidence, section, source, wide)
        return used_levels

    def _add_findings(self, mention: Mention, levels: list, side: str | None, evidence: Evidence, section: str,
                      source: str, wide: bool) -> None:
        """A mention's findings, one per level. A finding the report already holds with every field alike
        (its evidence aside) is not made again: the one held takes the evidence and is marked ``repeated``,
        which merges it as the group of the two would merge (merge.py). Hostile text repeats one statement
        thousands of times ("L4-5 L4-L5 no foraminal stenosis ... " over a megabyte)."""
        values = _finding_values(mention, side, section, source, self.lexicon)
        for level in levels:
            summary = wide and level is None
            fingerprint = (level, summary, values)
            held = self._held.get(fingerprint)
            if held is not None:
                held.evidence.append(evidence)
                self.repeated.add(id(held))
                continue
            finding = _finding(level, side, evidence, section, values)
            if mention.tentative:
                self.tentative.add(id(finding))
            if summary:
                self.summaries.add(id(finding))
            self._held[fingerprint] = finding
            self.findings.append(finding)

    def read_section(self, plain: str, view: str, section, index: TokenIndex) -> None:
        lexicon = self.lexicon
        state = _State()

        def starts_with_level(line: str) -> bool:
            match = lexicon.level_re.match(line.strip().lower())
            return match is not None

        rows, outside = find_tables(self.text, section.start, section.end, starts_with_level, lexicon)
        pieces = [(span[0], None) for span in outside] + [(row.start, row) for row in rows]
        spans = dict(outside)
        for position, row in sorted(pieces, key=lambda item: item[0]):
            if row is not None:
                check_deadline(self.deadline)
                statement = scan_view(plain_view(row.statement))
                for number, sentence in enumerate(split_sentences(row.statement, 0, len(row.statement), lexicon)):
                    self.read_statement(statement, sentence.start, sentence.end, Evidence(row.start, row.end),
                                        section.name, state, row=number == 0, source=row.statement)
                continue
            for sentence in split_sentences(plain, position, spans[position], lexicon):
                check_deadline(self.deadline)
                if section.quoted and not _quotes_imaging(view, sentence.start, sentence.end, lexicon):
                    continue
                self.read_statement(view, sentence.start, sentence.end, Evidence(sentence.start, sentence.end),
                                    section.name, state, sentence.new_item, sentence.question, index=index)


def _fallback_root(tokens: list[Token], context: Context) -> list[Mention]:
    """Never silent on a root: a sentence that names a root and holds a ladder word, in a shape no reading
    rule knows, still gives a nerve-root finding: the first named root (or the roots in general), the ladder
    word nearest it, ConText's assertion at that word; level and side as for any finding. Marked as a
    fallback reading so that the page says less and asks for review. Only what is stated or hedged: a denial
    read this way is left unsaid.

    "L5-S1: possible compression; the left S1 nerve root in the left lateral recess beside the facet joint
    below the pedicle near the ligament at the endplate by the dura." -> left S1, compression, possible."""
    if any(t.kind in (HIST, REMAIN) for t in tokens):
        return []  # what was ("previously compressing the S1 root") and "the other roots" are left out on purpose
    roots = [i for i, t in enumerate(tokens) if t.kind == ROOT and not t.value.central]
    # A ladder word acting on another structure ("indenting the thecal sac") is not about the root.
    ladders = [i for i, t in enumerate(tokens) if t.kind == LADDER
               and not (i + 1 < len(tokens) and tokens[i + 1].kind in (OBJ, LOC))]
    if not roots or not ladders:
        return []
    root = roots[0]
    ladder = min(ladders, key=lambda i: abs(i - root))
    if context.silenced(ladder) or any(tokens[i].kind == PSEUDO for i in range(min(root, ladder), max(root, ladder))):
        return []  # "in close proximity to the S1 roots" is no contact
    assertion, trigger = context.assertion(ladder, "nerve-root")
    if assertion == ABSENT:
        return []  # a denial read without a rule could tell a patient that a compressed root is free
    mention = tokens[root].value
    name, side = mention.names[0]
    return [Mention(type="nerve-root", first=min(root, ladder), last=max(root, ladder), anchor=ladder, root=name,
                    side=side, plural=mention.plural, degree=tokens[ladder].value,
                    assertion=assertion, triggers=[trigger] if trigger else [], role=mention.role, fallback=True)]


def _quotes_imaging(view: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """A sentence of a clinic note's assessment that reports imaging: it names an imaging word ("MRI shows")
    or a disc level ("L4-5"), which a clinical diagnosis alone does not."""
    if lexicon.imaging_re.search(view, start, end):
        return True
    return any(match.group("a") or match.group("g") for match in lexicon.level_re.finditer(view, start, end))


class Reading(NamedTuple):
    """What the sentences of a report state, before findings of one identity merge (merge.py)."""

    findings: list[Statement]  # merge.py makes the Findings of them
    tentative: set[int]   # ids of the findings read from a bare "stenosis"
    summaries: set[int]   # ids of those stated spine-wide ("multilevel foraminal narrowing as described")
    cleared: set[str]     # levels an addendum declares normal ("... L4-5 is unremarkable")
    repeated: set[int]    # ids of the findings stated again alike, which hold the evidence of each statement


def read_report(text: str, lexicon: Lexicon, deadline: float | None = None) -> Reading:
    """All findings the report's sentences state, with what merging them needs to know (Reading)."""
    plain = plain_view(text)
    view = scan_view(plain)
    report = _Report(text, lexicon, deadline)
    sections = [section for section in find_sections(plain, view, lexicon) if section.yields_findings]
    if sections:
        spans = [(section.start, section.end) for section in sections]
        index = TokenIndex(view, lexicon, spans)
        remember_scan(text, lexicon, view, spans, index.tokens)  # for the patient page (scans.py)
        for section in sections:
            report.read_section(plain, view, section, index)
    return Reading(report.findings, report.tentative, report.summaries, report.cleared, report.repeated)


def _degree_words_near(tokens: list[Token], view: str, lexicon: Lexicon) -> bool:
    """Whether a word of degree stands anywhere ``_degree_words`` may find one for the sentence's tokens: from
    its reach before the first token to the end of the last. Most sentences have none (hostile text repeats a
    sentence with many findings thousands of times), so their tokens are not asked one by one."""
    return lexicon.degree_word_re.search(view, max(0, tokens[0].start - _DEGREE_REACH), tokens[-1].end) is not None


def _degree_words(anchor: Token, view: str, lexicon: Lexicon) -> tuple[int, int] | None:
    """Where words of degree that are no grade stand for an ungraded finding: right before its ladder or
    narrowing word or its phrase ("canal is borderline stenotic", "borderline canal stenosis") or opening it
    ("borderline narrowing"); grades.yaml
    verb_degree_words. The finding keeps no severity; the page says the radiologist's words."""
    before = lexicon.verb_degree_re.search(view, max(0, anchor.start - _DEGREE_REACH), anchor.start)
    if before is not None:
        return before.start(), before.end()
    head = lexicon.degree_head_re.match(view, anchor.start)
    return (head.start(), head.end()) if head is not None and head.end() <= anchor.end else None


def _severity_text(mention: Mention, source: str, lexicon: Lexicon) -> str | None:
    """The radiologist's grade words for the finding; on a denial, the grade it was limited to, found in
    the grade words of the denial itself ("no significant", "without definite") when none stand apart."""
    if mention.severity_span is not None:
        return " ".join(source[mention.severity_span[0]:mention.severity_span[1]].split()).lower()
    if mention.assertion != ABSENT:
        return None
    for trigger in mention.triggers:
        words = source[trigger.start:trigger.end].split()[1:]
        limits = [word for word in words if (entry := lexicon.entry(word)) is not None and entry.kind == GRADE]
        if limits:
            return " ".join(limits).lower()
    return None


def _finding_values(mention: Mention, side: str | None, section: str, source: str, lexicon: Lexicon) -> tuple:
    """The fields of a mention's findings other than level and evidence, as a tuple (``_Report._add_findings``
    compares them; ``_finding`` builds the statement from them)."""
    root_type = mention.type == "nerve-root"
    return (
        mention.type, mention.root, side,
        mention.degree if root_type else None,
        mention.severity, mention.assertion,
        mention.zone if root_type else None,
        mention.role if root_type else None,
        tuple(mention.cause) if root_type else (),
        tuple(source[t.start:t.end] for t in mention.triggers),
        _severity_text(mention, source, lexicon),
        mention.side_inferred if side is None else None,
        side == "bilateral" and mention.side is None,  # _finalise_side: a plural, no side word
        "fallback" if mention.fallback else "unsure" if mention.unsure else None,
        mention.multilevel,
        mention.tentative,
        section,
    )


def _finding(level: str | None, side: str | None, evidence: Evidence, section: str, values: tuple) -> Statement:
    (kind, root, _, degree, severity, assertion, zone, role, cause, triggers, severity_text, side_inferred, side_plural,
     reading, multilevel, _, _) = values
    return Statement(
        type=kind, level=level, root=root, side=side, degree=degree, severity=severity, assertion=assertion,
        zone=zone, role=role, cause=list(cause), evidence=[evidence], assertion_triggers=list(triggers),
        section=section, severity_text=severity_text, side_inferred=side_inferred, side_plural=side_plural,
        reading=reading, multilevel=multilevel,
    )
