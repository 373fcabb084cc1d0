"""Scan the view into tokens: the lexicon phrases, nerve root mentions and spinal levels it contains.

Only words the lexicon knows become tokens; the text between them is kept as gaps and judged by the
filler pattern when the reader needs to know whether two tokens belong to one phrase.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from service.extract.levels import read_level
from service.extract.lexicon import COMPOUND, GRADE, LABEL, LADDER, LEVEL, ROOT, SIDE, TERM, LevelDetail, Lexicon
from service.extract.phrases import finditer_after_boundary, phrase_key

_HEADER_COLON = re.compile(r"[ \t]*:")
# A level's detail is one of two values: made once, shared by every level token.
_SINGLE, _DISC = LevelDetail(True), LevelDetail(False)


class Token:
    """One lexicon hit: kind, [start, end) in the text, value and kind-specific detail."""

    __slots__ = ("kind", "start", "end", "value", "detail")

    def __init__(self, kind: str, start: int, end: int, value=None, detail=()) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.value = value
        self.detail = detail

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Token({self.kind}, {self.start}-{self.end}, {self.value!r}, {self.detail!r})"


class RootMention:
    """What a root mention names: (root or None, side or None) pairs, plural, central (cauda equina), role."""

    __slots__ = ("names", "plural", "central", "role")

    def __init__(self, names, plural, central, role) -> None:
        self.names = names
        self.plural = plural
        self.central = central
        self.role = role


def _root_mention(text: str, generic: bool, lexicon: Lexicon) -> RootMention:
    names: list[tuple[str | None, str | None]] = []
    if not generic:
        names = [(lexicon.unalias(m.group(2)).upper(), lexicon.name_side_words.get(m.group(1) or m.group(3)))
                 for m in lexicon.root_name_re.finditer(text)]
    if not names:
        names = [(None, None)]
    role = next((role for role, words in lexicon.role_res if words.search(text)), None)
    plural = bool(lexicon.plural_root_re.search(text)) and len(names) == 1
    central = generic and (text in lexicon.root_central_keys or lexicon.central_root_re.search(text) is not None)
    return RootMention(names, plural, central, role)


_SPACES = re.compile(r"[\s\-]+")


def _root_tokens(view: str, lexicon: Lexicon, start: int, end: int) -> list[Token]:
    found = []
    cache = lexicon.root_cache
    for first, last, match in finditer_after_boundary(lexicon.root_re, lexicon.root_scan_re, view, start, end):
        key = (view[first:last], match.group("generic") is not None)
        mention = cache.get(key)
        if mention is None:
            mention = _root_mention(_SPACES.sub(" ", key[0]), key[1], lexicon)
            if len(cache) < 10_000:
                cache[key] = mention
        found.append(Token(ROOT, first, last, mention))
    return found


def verb_object_roots(tokens: list[Token], view: str, lexicon: Lexicon) -> list[Token]:
    """Telegraphic text names a root by its letter alone right after a ladder verb ("HNP compresses R S1",
    "contacting the L5"): that name is a root mention. ``tokens`` is returned as is when there is none."""
    out = None
    skip_until = -1
    for i, token in enumerate(tokens):
        if token.start < skip_until:
            continue  # a side word now inside the root mention
        if out is not None:
            out.append(token)
        if token.kind != LADDER or not token.detail or token.detail.form not in ("verb", "noun"):
            continue
        match = lexicon.verb_object_re.match(view, token.end)
        if not match or (token.detail.form == "noun" and not match.group(1) and not lexicon.object_preposition_re.match(
                view, max(0, token.end - 5), token.end)):
            continue  # a noun reaches a root by a preposition ("irritation of the right S1", "impingement of L5")
        if lexicon.not_a_root_after_re.match(view, match.end()):
            continue  # "fracture involving D12 body": the bone
        inside = [t for t in tokens[i + 1:i + 3] if t.start < match.end(2)]
        if any(t.kind != SIDE or t.start < match.start(2) for t in inside):
            continue
        if out is None:
            out = list(tokens[:i + 1])
        mention = _root_mention(re.sub(r"[\s.]+", " ", match.group(2)), False, lexicon)
        out.append(Token(ROOT, match.start(2), match.end(2), mention))
        skip_until = match.end(2)
    return tokens if out is None else out


def sided_name_roots(tokens: list[Token], view: str, lexicon: Lexicon) -> list[Token]:
    """Telegraphic text names a root by side and letter right before a ladder participle or noun ("R L5
    compressed", "L L5 contact" at the end of a clause): a vertebra has no side, so that name is a root mention. ``tokens`` is returned
    as is when there is none."""
    out = None
    for i, token in enumerate(tokens):
        if token.kind != LADDER or i == 0:
            continue
        before = i - 1
        if tokens[before].kind == GRADE and before > 0:
            before -= 1  # "L S1 mildly deflected"
        if tokens[before].kind not in (SIDE, LEVEL):
            continue  # the side word (or the letter read as a level) stands right before the ladder word
        if token.detail.form == "verb" and i + 1 < len(tokens) and tokens[i + 1].kind != TERM:
            continue  # a verb acts on what follows it; at the end of a clause it is a noun ("L L5 contact")
        anchor = tokens[before + 1].start
        match = lexicon.sided_name_before_re.search(view, max(0, anchor - 16), anchor)
        if match is None or lexicon.not_a_root_after_re.match(view, token.end):
            continue
        inside = [k for k in range(max(0, before - 2), before + 1) if tokens[k].end > match.start(1)]
        if any(tokens[k].kind not in (SIDE, LEVEL) or tokens[k].start < match.start(1) for k in inside):
            continue
        if out is None:
            out = list(tokens)
        mention = _root_mention(re.sub(r"[\s.]+", " ", match.group(1)), False, lexicon)
        out = [t for t in out if not (match.start(1) <= t.start < match.end(1))]
        out.append(Token(ROOT, match.start(1), match.end(1), mention))
    return tokens if out is None else sorted(out, key=lambda t: t.start)


def labelled_roots(tokens: list[Token], view: str, lexicon: Lexicon) -> list[Token]:
    """"Roots: left L3 contacted in the foramen", a table's Roots column ("R L5 compressed; L L5 contact"):
    after a label that names roots in general, a root named by its letter alone at the head of a clause is a
    root mention, and the label, which then names no root of its own, is dropped. ``tokens`` is returned as
    is when there is no such label."""
    label = next((i for i, t in enumerate(tokens) if t.kind == ROOT and t.value.names == [(None, None)]
                  and t.value.plural and _HEADER_COLON.match(view, t.end)), None)
    if label is None:
        return tokens
    kept = list(tokens[:label])
    added = []
    skip_from = skip_until = -1
    for i in range(label, len(tokens)):
        token = tokens[i]
        if skip_from <= token.start < skip_until:
            continue  # a side word or a single vertebra now inside the root mention
        if i > label:
            kept.append(token)
        opens_clause = i == label or (token.kind in (TERM, LABEL) and view[token.start] in ";:,")
        match = lexicon.clause_names_re.match(view, token.end) if opens_clause else None
        if match is None:
            continue
        inside = [t for t in tokens[i + 1:i + 5] if match.start(1) <= t.start < match.end(1)]
        if any(t.kind not in (SIDE, LEVEL) for t in inside):
            continue
        mention = _root_mention(re.sub(r"[\s.]+", " ", match.group(1)), False, lexicon)
        added.append(Token(ROOT, match.start(1), match.end(1), mention))
        skip_from, skip_until = match.start(1), match.end(1)
    if not added:
        return tokens
    return sorted(kept + added, key=lambda t: t.start)


def _level_tokens(view: str, lexicon: Lexicon, start: int, end: int) -> list[Token]:
    found = []
    cache = lexicon.level_cache
    not_level_after = lexicon.not_level_after_re
    not_single_after = lexicon.not_single_after_re
    for match in lexicon.level_re.finditer(view, start, end):
        first, last = match.span()
        before = view[first - 1] if first else " "
        if before.isalnum() or before in "/_":
            continue
        if not_level_after.match(view, last):
            continue  # "T1-2 weighted", "C5/6 images"
        key = match.group()
        known = cache.get(key)
        if known is None:
            known = read_level(match, lexicon)
            if len(cache) < 10_000:
                cache[key] = known
        levels, single = known
        if not levels:
            continue
        if single and (after := not_single_after.match(view, last)) is not None \
                and not view.startswith("/", after.end()):
            continue  # "T2 W images", "T1 and T2 signal" are sequences; but "at L5 w/ compression" is "with"
        if single and not (_HEADER_COLON.match(view, last)
                           or lexicon.single_before_re.search(view, max(start, first - 30), first)):
            continue
        found.append(Token(LEVEL, first, last, levels, _SINGLE if single else _DISC))
    return found


def _phrase_tokens(view: str, lexicon: Lexicon, start: int, end: int) -> list[Token]:
    entries = lexicon.entries
    found = []
    for first, last in lexicon.phrases.spans(view, start, end):
        text = view[first:last]
        entry = entries.get(text)
        if entry is None:
            entry = entries.get(phrase_key(text))
        if entry is None:
            continue
        if entry.kind == COMPOUND:
            if not lexicon.not_abbreviation_after_re.search(view, max(0, first - 16), first) \
                    and not lexicon.not_abbreviation_before_re.match(view, last, last + 16):
                found.extend(_compound_tokens(entry.value, first, last))
        else:
            found.append(Token(entry.kind, first, last, entry.value, entry.detail))
    return found


def _compound_tokens(parts, start: int, end: int) -> list[Token]:
    """The tokens of the phrase a shorthand stands for, each on its own share of the shorthand's
    characters ("NFN": N foraminal, F, N narrowing), so they stay adjacent and non-overlapping."""
    tokens = []
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        tokens.append(Token(part.kind, start + k, end if last else start + k + 1, part.value, part.detail))
    return tokens


class TokenIndex:
    """The tokens of a text (or of the given spans of it), scanned once, handed out sentence by sentence."""

    def __init__(self, view: str, lexicon: Lexicon, spans=None) -> None:
        self.tokens = []
        for start, end in spans or [(0, len(view))]:
            self.tokens.extend(scan(view, lexicon, start, end))
        self.starts = [token.start for token in self.tokens]

    def between(self, start: int, end: int) -> list[Token]:
        low = bisect_left(self.starts, start)
        high = bisect_left(self.starts, end, low)
        tokens = self.tokens[low:high]
        if tokens and tokens[-1].end > end:
            tokens.pop()
        return tokens


def _merge(first: list[Token], second: list[Token]) -> list[Token]:
    """Two token lists in scan order (by start, the longer first) merged into one; where a token of each has
    the same start and end, ``first``'s comes first."""
    if not first:
        return second
    if not second:
        return first
    out: list[Token] = []
    i = j = 0
    while i < len(first) and j < len(second):
        a, b = first[i], second[j]
        if b.start < a.start or (b.start == a.start and b.end > a.end):
            out.append(b)
            j += 1
        else:
            out.append(a)
            i += 1
    out.extend(first[i:])
    out.extend(second[j:])
    return out


def scan(view: str, lexicon: Lexicon, start: int = 0, end: int | None = None) -> list[Token]:
    """All tokens of ``view[start:end]`` in text order. Where tokens overlap, the one starting first wins; at
    one position the longest ("nerve root canal" is a place, not a root), then roots, levels, phrases."""
    end = len(view) if end is None else end
    # Each list is in text order; merged in rank order, so that at one start and end the rank decides.
    ranked = _merge(_merge(_root_tokens(view, lexicon, start, end), _level_tokens(view, lexicon, start, end)),
                    _phrase_tokens(view, lexicon, start, end))
    tokens: list[Token] = []
    last_end = -1
    for token in ranked:
        if token.start >= last_end:
            tokens.append(token)
            last_end = token.end
        elif token.kind == ROOT and tokens and tokens[-1].kind != ROOT and token.end > last_end:
            # A root mention that starts inside a phrase ("exiting right L5 nerve root" after "the exiting")
            # wins: the phrase is dropped, except a side phrase, which keeps its part before the root
            # ("left and right L5 roots": "left and right" stays bilateral).
            side = tokens[-1]
            if side.kind == SIDE and side.start < token.start:
                tokens[-1] = Token(SIDE, side.start, token.start, side.value, side.detail)
                tokens.append(token)
            else:
                tokens[-1] = token
            last_end = token.end
    return tokens
