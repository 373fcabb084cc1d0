r"""Regular expressions that Python's ``re`` searches quickly, with the same matches.

``re`` tries the branches of an alternation one by one at every position, and under IGNORECASE it cannot
skip a branch by its first letter: a sentence searched for one of 60 grade words tried 60 branches at each
word start. ``words`` writes the same list as a trie ("m(?:ild(?:ly)?|oderate)"), one branch per letter at
each step, and finds the same words at the same places (about four times faster on the corpora's sentences).

In Unicode mode ``re`` asks the Unicode tables at every ``\b``, ``\w`` and ``\s``; ``ascii_twin`` compiles
a pattern in ASCII mode, which reads a text for which ``ascii_alike`` holds exactly as the pattern does
(about twice as fast over a whole report).
"""

from __future__ import annotations

import re

_END = ""
_SPACE = r"\s+"


def words(phrases, phrase_words: bool = False) -> str:
    r"""``(?:p1|p2|...)`` for a pattern that is compiled with IGNORECASE and has ``\b`` right after it: at any
    position it matches what that plain alternation of ``phrases`` matches there, written as a trie.

    The plain alternation takes the first phrase in list order that ends at a word boundary; the trie takes
    the longest. They differ only where a phrase begins a later one up to a word boundary ("no" before "no
    evidence of"): the later one is never matched there, and is left out. With ``phrase_words`` the words of
    a phrase are separated by any white space (``\s+``). Phrases with letters beyond ASCII are kept as the
    plain alternation (their case folding is not one letter for one)."""
    phrases = list(phrases)
    if not phrases:
        return "(?!)"
    if not all(phrase.isascii() and phrase.strip() for phrase in phrases):
        return "(?:" + "|".join(_plain(phrase, phrase_words) for phrase in phrases) + ")"
    sequences = [_atoms(phrase, phrase_words) for phrase in phrases]
    root: dict = {}
    for index, atoms in enumerate(sequences):
        if any(_shadows(earlier, atoms) for earlier in sequences[:index]):
            continue
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[_END] = None
    return "(?:" + _written(root) + ")"


def substrings(words) -> str:
    """A pattern found in a text exactly when one of ``words`` is a substring of it (as written, no flags):
    a trie of the words, for a yes-or-no search (where in the text it matches may differ from the plain
    alternation's). Never found, for no words."""
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = None
    return _written(root) if root else "(?!)"


def _plain(phrase: str, phrase_words: bool) -> str:
    return _SPACE.join(re.escape(word) for word in phrase.split()) if phrase_words else re.escape(phrase)


def _atoms(phrase: str, phrase_words: bool) -> list[str]:
    """The pieces of a phrase's pattern, one per letter, lower-cased (IGNORECASE makes 'M' and 'm' one)."""
    if not phrase_words:
        return [char.lower() for char in phrase]
    atoms: list[str] = []
    for word in phrase.split():
        if atoms:
            atoms.append(_SPACE)
        atoms.extend(char.lower() for char in word)
    return atoms


def _word_char(atom: str) -> bool:
    return atom != _SPACE and (atom.isalnum() or atom == "_")


def _shadows(earlier: list[str], later: list[str]) -> bool:
    """Whether the plain alternation never reaches ``later``: an earlier phrase begins it and ends at a word
    boundary there (or is the same phrase)."""
    if len(earlier) > len(later) or later[:len(earlier)] != earlier:
        return False
    if len(earlier) == len(later):
        return True
    return _word_char(earlier[-1]) != _word_char(later[len(earlier)])


def _written(node: dict) -> str:
    branches = [(re.escape(atom) if atom != _SPACE else atom) + _written(child)
                for atom, child in node.items() if atom != _END]
    if not branches:
        return ""
    if len(branches) == 1 and _END not in node:
        return branches[0]
    return "(?:" + "|".join(branches) + ")" + ("?" if _END in node else "")


# White space to Unicode's \s and not to ASCII's: the only ASCII characters the two modes read apart.
_SEPARATORS = "\x1c\x1d\x1e\x1f"


def ascii_alike(text: str) -> bool:
    """Whether a pattern and its ``ascii_twin`` find the same in ``text``: ASCII only (so letters fold case
    alike and word characters are alike), without the four information separators U+001C-U+001F."""
    return text.isascii() and not any(separator in text for separator in _SEPARATORS)


def ascii_twin(pattern: re.Pattern) -> re.Pattern:
    """``pattern`` compiled in ASCII mode; itself when it asks for Unicode mode inline or holds a character
    beyond ASCII (under IGNORECASE "\u017f" matches "s" in Unicode mode only)."""
    if not pattern.pattern.isascii():
        return pattern
    try:
        return re.compile(pattern.pattern, (pattern.flags & ~re.UNICODE) | re.ASCII)
    except (ValueError, re.error):
        return pattern
