"""Typo repair for the words a finding hinges on ("abuting", "compresing", "stenossis").

Consulted for every sentence that names a root or a foramen/recess/canal ("disc protruion", "mildy
compressing"); each word's verdict is remembered (``Lexicon.typo_cache``), so a word costs one lookup after the
first time. A word of five letters or more that the lexicon does
not know is matched to a one-word lexicon entry (ladder, narrowing, cause, location, side, grade) one
edit away (symmetric deletions); a variant that could be two different entries is left alone, and so
are real words listed under `not_typos` in mappings/extraction/anatomy.yaml ("patient" is not "patent").
A short second word of a two-word entry, one edit away after a first word spelt right, is repaired the same
way ("thecal nsac", "thecal sca").
"""

from __future__ import annotations

import re

from service.extract.lexicon import CAUSE, GRADE, LADDER, LOC, NARROW, SIDE, Entry, Lexicon
from service.extract.tokens import Token

_WORD = re.compile(r"[a-z]{5,}")
_KINDS = frozenset({LADDER, NARROW, CAUSE, LOC, SIDE, GRADE})
_AMBIGUOUS = Entry("ambiguous")


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def build_typo_index(entries: dict, not_typos) -> dict:
    index: dict[str, Entry] = {}
    for key, entry in entries.items():
        if entry.kind not in _KINDS or len(key) < 5 or not key.isalpha():
            continue
        for variant in _deletions(key) | {key}:
            known = index.get(variant)
            if known is None:
                index[variant] = entry
            elif (known.kind, known.value) != (entry.kind, entry.value):
                index[variant] = _AMBIGUOUS
    for word in not_typos:
        index.pop(word, None)
    return index


def build_pair_index(entries: dict, not_typos) -> dict:
    """Two-word entries by their first word: the second word and its one-deletion variants -> Entry, for a
    short second word misspelt after a first word spelt right ("thecal nsac", "thecal sca")."""
    return _two_word_index(entries, not_typos, misspelt=1, longest_kept=0)


def build_first_word_index(entries: dict, not_typos) -> dict:
    """Two-word entries by their second word: the first word and its one-deletion variants -> Entry, for a
    first word misspelt before a second word spelt right ("latral recess")."""
    return _two_word_index(entries, not_typos, misspelt=0, longest_kept=6)


def _two_word_index(entries: dict, not_typos, misspelt: int, longest_kept: int) -> dict:
    """Two-word entries by the word spelt right: the ``misspelt`` word (0 or 1) and its one-deletion variants
    -> Entry; a variant two entries share is ambiguous. The first word has 5 letters or more, the second 3 or
    more (at most ``longest_kept`` when it is the word spelt right, 0: no limit)."""
    kept = 1 - misspelt
    index: dict[str, dict[str, Entry]] = {}
    for key, entry in entries.items():
        words = key.split(" ")
        if entry.kind not in _KINDS or len(words) != 2 or len(words[0]) < 5 or len(words[1]) < 3 \
                or (longest_kept and len(words[kept]) > longest_kept) or not (words[0].isalpha() and words[1].isalpha()):
            continue
        variants = index.setdefault(words[kept], {})
        for variant in _deletions(words[misspelt]) | {words[misspelt]}:
            known = variants.get(variant)
            if known is None:
                variants[variant] = entry
            elif (known.kind, known.value, known.detail) != (entry.kind, entry.value, entry.detail):
                variants[variant] = _AMBIGUOUS
    for word in not_typos:
        for variants in index.values():
            variants.pop(word, None)
    return index


_PAIR = re.compile(r"(?<![a-z])([a-z]{5,})[ \t]+([a-z]{3,6})\b")


def _correct_first(first: str, second: str, lexicon: Lexicon) -> Entry | None:
    """A two-word entry whose first word is misspelt ("latral recess")."""
    variants = lexicon.typo_firsts.get(second)
    if not variants or first in lexicon.entries or first in lexicon.not_typos or first + " " + second in lexicon.entries:
        return None
    return _variant_entry(variants, first)


def _correct_pair(first: str, second: str, lexicon: Lexicon) -> Entry | None:
    variants = lexicon.typo_pairs.get(first)
    if not variants or first + " " + second in lexicon.entries or second in lexicon.entries \
            or second in lexicon.not_typos:
        return None
    return _variant_entry(variants, second)


def _variant_entry(variants: dict[str, Entry], word: str) -> Entry | None:
    """The entry of a two-word index that the misspelt ``word`` (as it is, else one of its one-deletion variants)
    stands for; None when none does or the first found is ambiguous."""
    for variant in (word, *_deletions(word)):
        entry = variants.get(variant)
        if entry is not None:
            return None if entry is _AMBIGUOUS else entry
    return None


def _correct(word: str, lexicon: Lexicon) -> Entry | None:
    cache = lexicon.typo_cache
    if word in cache:
        return cache[word]  # most words of a report are not typos, and come again in the next report
    found = None
    if word not in lexicon.entries and word not in lexicon.not_typos:
        index = lexicon.typo_index
        for variant in (word, *_deletions(word)):
            entry = index.get(variant)
            if entry is not None and entry is not _AMBIGUOUS:
                found = entry
                break
    if len(cache) < 50_000:
        cache[word] = found
        if found is None:
            lexicon.typo_clean.add(word)
    return found


def sentence_words(view: str, start: int, end: int) -> list[re.Match]:
    """The words of five letters or more of ``view[start:end]``: read once per sentence, they tell ``repair``
    and ``unglue`` whether there is anything to do, instead of a regex pass each over the sentence."""
    return list(_WORD.finditer(view, start, end))


# A pair's second word after its first (``_PAIR`` read from where the first word ends).
_PAIR_AFTER = re.compile(r"[ \t]+([a-z]{3,6})\b")


def _repairable(view: str, end: int, words: list[re.Match], lexicon: Lexicon) -> bool:
    """Whether a word or a pair of words among ``words`` (``sentence_words``) can be repaired: what ``_correct``
    and ``_correct_pair`` find. A pair is a word of five letters or more that follows no letter, blanks, and a
    word of three to six letters (``_PAIR``), read after each word that begins a two-word entry."""
    clean = lexicon.typo_clean
    for word in {match.group() for match in words} - clean:
        if _correct(word, lexicon) is not None:
            return True
    pairs = lexicon.typo_pairs
    if not pairs:
        return False
    clean_pairs = lexicon.typo_clean_pairs  # the same pairs come again ("foraminal stenosis"): each is read once
    firsts = lexicon.typo_firsts
    for match in words:
        first = match.group()
        at = match.start()
        if at > 0 and "a" <= view[at - 1] <= "z":
            continue
        after = _PAIR_AFTER.match(view, match.end(), end)
        if after is None or (first not in pairs and after.group(1) not in firsts):
            continue
        pair = (first, after.group(1))
        if pair not in clean_pairs:
            if _correct_pair(first, pair[1], lexicon) is not None or _correct_first(first, pair[1], lexicon) is not None:
                return True
            if len(clean_pairs) < 50_000:
                clean_pairs.add(pair)
    return False


def glued_among(words: list[re.Match], lexicon: Lexicon) -> bool:
    """Whether one of ``words`` (``sentence_words``) may be a lexicon word glued to another (``unglue``): a match
    of ``glued_re`` is a whole word of the sentence when the glued words are single words. A word's verdict is
    remembered (``Lexicon.glued_cache``)."""
    if not lexicon.glued_one_word:
        return True  # a glued phrase of several words: the sentence is read whole
    cache = lexicon.glued_cache
    for match in words:
        word = match.group()
        known = cache.get(word)
        if known is None:
            known = lexicon.glued_re.fullmatch(word) is not None
            if len(cache) < 50_000:
                cache[word] = known
        if known:
            return True
    return False


def repair(tokens: list[Token], view: str, start: int, end: int, lexicon: Lexicon,
           words: list[re.Match] | None = None) -> list[Token]:
    """``tokens`` with tokens added for misspelt lexicon words in the gaps between them. ``words``: the
    sentence's ``sentence_words``, when the caller has read them.

    Most sentences have none: when no word and no pair of words of the sentence can be repaired, its gaps are
    not read one by one. A token begins and ends between words, never inside one, so the words and pairs of
    the gaps are words and pairs of the sentence (tests/extract/test_extract_scanning.py checks this of every
    token)."""
    if not _repairable(view, end, sentence_words(view, start, end) if words is None else words, lexicon):
        return tokens
    return read_every_gap(tokens, view, start, end, lexicon)


def read_every_gap(tokens: list[Token], view: str, start: int, end: int, lexicon: Lexicon) -> list[Token]:
    """The long way of ``repair``: every word and pair of words of every gap between the tokens looked up."""
    added = []
    cursor = start
    for token in tokens + [None]:
        gap_end = token.start if token is not None else end
        for match in _WORD.finditer(view, cursor, gap_end):
            entry = _correct(match.group(), lexicon)
            if entry is not None:
                added.append(Token(entry.kind, match.start(), match.end(), entry.value, entry.detail))
        if lexicon.typo_pairs:
            for match in _PAIR.finditer(view, cursor, gap_end):
                entry = _correct_pair(match.group(1), match.group(2), lexicon) \
                    or _correct_first(match.group(1), match.group(2), lexicon)
                if entry is not None:
                    added.append(Token(entry.kind, match.start(), match.end(), entry.value, entry.detail))
        if token is not None:
            cursor = token.end
    if not added:
        return tokens
    return sorted(tokens + added, key=lambda t: t.start)


def name_disc_kinds(tokens: list[Token], view: str, lexicon: Lexicon) -> list[Token]:
    """A bare disc whose kind the next word names, misspelt beyond repair ("disc protrotion"): the two words are
    the cause that word begins like (causes.yaml ``disc_heads``, ``kind_prefix``), not a bulge."""
    kinds = lexicon.disc_kinds
    found = None
    for i, token in enumerate(tokens):
        if token.kind != CAUSE:
            continue
        match = lexicon.disc_kind_re.match(view, token.start)
        if match is None or match.start(1) < token.end or (i + 1 < len(tokens) and tokens[i + 1].start < match.end()):
            continue
        word = match.group(1)
        kind = kinds.get(match.group(2)) if word not in lexicon.entries and word not in lexicon.not_typos else None
        if kind is not None:
            found = list(tokens) if found is None else found
            found[i] = Token(CAUSE, token.start, match.end(), kind, token.detail)
    return tokens if found is None else found


def unglue(tokens: list[Token], view: str, start: int, end: int, lexicon: Lexicon) -> list[Token]:
    """Words typed together ("bulge is notedslightly narrowing the left foramen"): a lexicon word of a finding's
    kind glued to one of grammar.yaml's ``glued_words`` is read."""
    added = []
    for match in lexicon.glued_re.finditer(view, start, end):
        entry = lexicon.entries.get(match.group(1))
        if entry is None or entry.kind not in _KINDS or match.group() in lexicon.entries \
                or any(t.start < match.end() and match.start() < t.end for t in tokens):
            continue
        added.append(Token(entry.kind, match.start(1), match.end(1), entry.value, entry.detail))
    return sorted(tokens + added, key=lambda t: t.start) if added else tokens

