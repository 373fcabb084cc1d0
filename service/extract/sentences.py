"""Sentences of a section, robust to abbreviations, decimals, measurements and missing spaces.

A sentence ends at '.', '!' or '?' followed by space (not after an abbreviation, not inside "1.5"), at a
full stop glued to a capital ("stenosis.The"), at a bullet, and at a line break unless the next line
continues in lower case or the line was wrapped inside a sentence (see ``_wrapped``). Numbered items ("1.", "2)") start a new item, which resets the level context.
Very long runs without any break are cut at a space so no sentence grows without bound.
"""

from __future__ import annotations

import re

from service.extract.lexicon import Lexicon

# Every alternative starts with a literal character, so the regex engine jumps between the few
# candidate characters instead of trying the whole pattern at every position.
_STOP_BEFORE = r"(?=[\s\"')\],]|$)"
_BOUNDARY = re.compile(
    r"\n[ \t]*(?=\n)"                      # blank line
    r"|\n(?![ \t]*[a-z(])"                 # line break not continued in lower case
    rf"|\.[.!?]*{_STOP_BEFORE}|![.!?]*{_STOP_BEFORE}|\?[.!?]*{_STOP_BEFORE}"  # full stop before a space
    r"|\.(?<=[A-Za-z]{2}\.)(?=[A-Za-z])"   # full stop glued to the next sentence
    r"|\.(?<=[^A-Za-z.][A-Za-z]\.)(?=[A-Z][a-z]{2})"  # ... after a one-letter word ("L>R.Mild")
    r"|\.(?=\d{1,2}[.)]\s*[A-Za-z])"        # full stop glued to a numbered item ("root.2.left")
    r"|\u2022|\u00b7|\u25cf|\u25aa"          # bullets
    r"|//+"                                # runs of slashes that separate items ("... foramen./// L4-5: ...")
)
_NUMBER_ITEM = re.compile(r"[\s,]*(?:\(?\d{1,2}[.)]|[-*+>]|#)?[\s,]*")
_ITEM_START = re.compile(r"[ \t,]*\(?\d{1,2}[.)][ \t]*(?=[A-Za-z])")
_MAX_SENTENCE = 600

# A line wrapped inside a sentence (reports broken at a fixed width): the line before ends in a word that
# cannot end a sentence (grammar.yaml's dangling_words; not a side or grade word: a list item can end there),
# or it is long and the next line opens with a root name (not a disc level), a measurement or an acronym
# ("...contacts the traversing\nL5 nerve root"). A line that opens a bullet, a numbered item, a label
# ("Foramina:", "L4-5:") or a header in capitals always starts afresh.
_FRESH_LINE = re.compile(r"[ \t]*(?:[-*+>#\u2022\u00b7\u25cf\u25aa]|\(?\d{1,2}[.)](?!\d)|[A-Za-z][A-Za-z /]{0,40}:|"
                         r"[CTLS]\d{1,2}\s*(?:[-/\u2013]\s*[CTLS]?\d{1,2})?\s*[:|\-\u2013](?!\d)|[A-Z]{3,}[A-Z ]*$)", re.M)
_WRAP_WIDTH = 45


def _wrapped(text: str, newline: int, end: int, lexicon: Lexicon) -> bool:
    """Whether the line break at ``newline`` falls inside a sentence (see _WRAP_WIDTH)."""
    line_start = text.rfind("\n", 0, newline) + 1
    line = text[line_start:newline]
    if not line.strip() or line.rstrip()[-1:] in ".:;!?":
        return False
    if _FRESH_LINE.match(text, newline + 1, end):
        return False
    if lexicon.dangling_re.search(line) or lexicon.continuing_re.match(text, newline + 1, end):
        return True
    return len(line.strip()) >= _WRAP_WIDTH and bool(lexicon.wrap_opener_re.match(text, newline + 1, end))


class Sentence:
    """[start, end) of a sentence; ``new_item``: it starts a numbered item (the level context starts afresh);
    ``question``: it asks rather than states."""

    __slots__ = ("start", "end", "new_item", "question")

    def __init__(self, start: int, end: int, new_item: bool, question: bool) -> None:
        self.start = start
        self.end = end
        self.new_item = new_item
        self.question = question


def _cut_long(start: int, end: int, text: str):
    while end - start > _MAX_SENTENCE:
        cut = text.rfind(" ", start + _MAX_SENTENCE // 2, start + _MAX_SENTENCE)
        if cut <= start:
            cut = start + _MAX_SENTENCE
        yield start, cut
        start = cut
    yield start, end


def _add(sentences: list[Sentence], text: str, piece_start: int, piece_end: int, pending_item: bool) -> bool:
    """Appends the sentences of ``text[piece_start:piece_end]`` (cut when too long); returns whether the next
    sentence starts an item (``pending_item``: a numbered item's number or a blank line came before)."""
    chunks = [(piece_start, piece_end)] if piece_end - piece_start <= _MAX_SENTENCE else \
        list(_cut_long(piece_start, piece_end, text))
    for a, b in chunks:
        chunk = text[a:b]
        stripped = chunk.strip()
        if not stripped:
            continue
        if len(stripped) <= 5 and _NUMBER_ITEM.fullmatch(chunk):
            pending_item = pending_item or any(c.isdigit() for c in chunk)
            continue
        new_item = pending_item or _ITEM_START.match(chunk) is not None
        pending_item = False
        lead = len(chunk) - len(chunk.lstrip())
        sentences.append(Sentence(a + lead, a + len(chunk.rstrip()), new_item, stripped[-1] == "?"))
    return pending_item


def _before_full_stop(pattern: re.Pattern, text: str, start: int, stop: int, cache: dict) -> bool:
    """Whether ``pattern`` (a short form, "approx", "mod", that must end at the full stop and not follow a
    letter) is found in ``text[start:stop]``. The answer depends only on those few characters and the one
    before them, which repeat from report to report ("stenosis.", "root."): ``cache`` (the pattern's own)
    remembers it."""
    key = text[start - 1:stop] if start else "\0" + text[:stop]  # "\0": no letter before, as at the start
    known = cache.get(key)
    if known is None:
        known = pattern.search(text, start, stop) is not None
        if len(cache) < 20_000:
            cache[key] = known
    return known


def split_sentences(text: str, start: int, end: int, lexicon: Lexicon) -> list[Sentence]:
    sentences: list[Sentence] = []
    pending_item = False  # a numbered item's number or a blank line came before: the next sentence starts an item
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        mark_start, mark_end = match.span()
        first = text[mark_start]
        if mark_end - mark_start == 1:
            if first == "." and _before_full_stop(lexicon.abbreviation_re, text, max(start, mark_start - 8),
                                                  mark_start, lexicon.abbreviation_cache):
                continue
            if first == "\n" and _wrapped(text, mark_start, end, lexicon):
                continue
            if first == "." and _before_full_stop(lexicon.grade_shorthand_re, text, max(start, mark_start - 4),
                                                  mark_start, lexicon.shorthand_cache) \
                    and lexicon.grade_continues_re.match(text, mark_end, end):
                continue  # "mod. L NFN": the grade's abbreviation, not the end of the sentence
        pending_item = _add(sentences, text, cursor, mark_end, pending_item)
        if first == "\n" and mark_end < end and text[mark_end] == "\n":
            pending_item = True  # a blank line: a new paragraph
        cursor = mark_end
    _add(sentences, text, cursor, end, pending_item)
    return sentences
