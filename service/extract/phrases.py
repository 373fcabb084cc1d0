"""Phrase keys and trie-shaped regular expressions for matching many phrases in one linear pass.

A phrase list of several thousand entries compiled as a plain alternation would be tried entry by entry
at every position; folding it into a character trie lets the regex engine follow one branch per
character, so a scan costs about one step per character of text.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

_SPACES = re.compile(r"[\s\-]+")
_BOUNDED_START = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_TIGHT = re.compile(r"\s*([/>&])\s*")

# How a key character is matched in the text: a space matches any run of spaces or hyphens, and the
# tight punctuation of "r>l", "mild/moderate" matches with or without spaces around it.
# Runs are bounded so that a long run of spaces or dashes after a word costs no backtracking.
_CHAR_PATTERNS = {" ": r"[\s\-]{1,12}", "/": r"\s{0,3}/\s{0,3}", ">": r"\s{0,3}>\s{0,3}", "&": r"\s{0,3}&\s{0,3}"}
_CHAR_WIDTHS = {" ": 12, "/": 7, ">": 7, "&": 7}  # the most text each of those patterns matches


@lru_cache(maxsize=16_384)  # reports repeat the same few phrases; the key is read once per spelling
def phrase_key(text: str) -> str:
    """The lookup key of a phrase or of matched text: lower case, spacing and hyphens folded."""
    text = _TIGHT.sub(r"\1", text.lower())
    return _SPACES.sub(" ", text).strip()


def _char_pattern(char: str) -> str:
    return _CHAR_PATTERNS.get(char) or re.escape(char)


def _trie_pattern(node: dict) -> str:
    terminal = "" in node
    branches = [_char_pattern(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    if terminal:
        # A key ends here, longer ones go on: an empty last alternative, which matches what "(?:...)?" matches
        # but costs the regex engine one branch instead of a repeat it keeps count of.
        return "(?:" + "|".join(branches) + "|)"
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _trie(keys) -> dict:
    root: dict = {}
    for key in keys:
        node = root
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}
    return root


def trie_pattern(keys) -> str:
    """One pattern (no word boundaries) matching any of ``keys``, longest first, as a character trie."""
    keys = sorted({k for k in keys if k})
    if not keys:
        return r"(?!x)x"
    return "(?:" + _trie_pattern(_trie(keys)) + ")"


def _word_pattern(words) -> str:
    return r"(?<![a-z0-9])" + _trie_pattern(_trie(words)) + r"(?![a-z0-9])"


def trie_regex(keys, flags: int = 0) -> re.Pattern:
    """Compile keys (already normalised by ``phrase_key``) into one regex of whole words.

    Keys that begin with a letter or digit must start and end on a word boundary; punctuation keys
    (";", "|") match wherever they stand.
    """
    keys = [k for k in keys if k]
    words = [k for k in keys if k[0].isalnum()]
    marks = [k for k in keys if not k[0].isalnum()]
    parts = []
    if words:
        parts.append(_word_pattern(words))
    if marks:
        parts.append(_trie_pattern(_trie(marks)))
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(parts), flags)


class PhraseScanner:
    """Finds the matches of ``trie_regex(keys)`` in two faster passes: the words from word boundaries
    (``after_boundary``) and the punctuation keys on their own. Neither kind can overlap the other, so
    the two passes together find what the one regex finds."""

    def __init__(self, keys) -> None:
        self._keys = [k for k in keys if k]
        words = [k for k in self._keys if k[0].isalnum()]
        marks = [k for k in self._keys if not k[0].isalnum()]
        # The boundary scan needs every word to start with a character the boundary class excludes, and
        # the two passes need marks made of characters no word match can hold.
        word_chars = set("".join(words))
        fast = bool(words) and all(k[0] in _BOUNDED_START for k in words) and not any(
            c.isalnum() or c.isspace() or c == "-" or c in word_chars for c in "".join(marks))
        self.scan = after_boundary(_word_pattern(words)) if fast else None
        # The longest text a word match can span, and the character after it.
        self.reach = max((sum(_CHAR_WIDTHS.get(c, 1) for c in k) for k in words), default=0) + 1
        # Single-character marks (";", ":", "|") are found with str.find, which skips text at memory speed.
        self.mark_chars = "".join(marks) if all(len(k) == 1 for k in marks) else None
        self.marks = re.compile(_trie_pattern(_trie(marks))) if marks else None

    @cached_property
    def regex(self) -> re.Pattern:
        """The one regex, for lexicons whose keys the two passes cannot take."""
        return trie_regex(self._keys)

    def spans(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """(start, end) of each match in text order."""
        if self.scan is None:
            return [match.span() for match in self.regex.finditer(text, start, end)]
        found = []
        position = start - 1
        if start == 0:
            # No character stands before the first one for the scan to consume: a stand-in does, in front
            # of a window long enough for any match and the character after it.
            first = self.scan.match("\0" + text[:min(end, self.reach)])
            position = 0 if first is None else first.end() - 1
            if first is not None:
                found.append((0, first.end() - 1))
        found += [match.span("m") for match in self.scan.finditer(text, position, end)]
        marks = self._marks(text, start, end)
        return sorted(found + marks) if marks else found

    def _marks(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        if self.mark_chars is None:
            return [match.span() for match in self.marks.finditer(text, start, end)] if self.marks else []
        found = []
        for char in self.mark_chars:
            position = text.find(char, start, end)
            while position >= 0:
                found.append((position, position + 1))
                position = text.find(char, position + 1, end)
        return found


def joins(filler: re.Pattern, view: str, start: int, end: int) -> bool:
    """Whether ``view[start:end]``, the text between two tokens, is only filler (the lexicon's ``filler_re``)."""
    if end == start or (end - start == 1 and view[start] == " "):
        return True  # what most gaps are, and what filler always matches
    return filler.fullmatch(view, start, end) is not None


def after_boundary(pattern: str, flags: int = 0) -> re.Pattern:
    """``pattern`` led by one character that is not a lower-case letter or digit, its own match in group
    ``m``. For a pattern whose matches all start after such a character (or at the start of the text):
    a leading character class lets the regex engine jump between word starts instead of trying the
    pattern at every position. ``finditer_after_boundary`` gives the matches of ``pattern``."""
    return re.compile(r"[^a-z0-9](?P<m>" + pattern + ")", flags)


def finditer_after_boundary(pattern: re.Pattern, scan: re.Pattern, text: str, start: int, end: int):
    """The matches of ``pattern`` in ``text[start:end]`` (as ``pattern.finditer`` finds them), found with
    ``scan = after_boundary(pattern)``; yields (start, end, match) where match is the scan's match, or
    the pattern's own at the start of the text. No match of ``pattern`` may start right where the one
    before ended: true when matches start with a letter or digit and are followed by neither."""
    if start == 0:  # no character before the first one for the scan to consume
        first = pattern.match(text, 0, end)
        if first is not None:
            yield first.start(), first.end(), first
            start = first.end()
    else:
        start -= 1
    for match in scan.finditer(text, start, end):
        yield match.start("m"), match.end(), match
