"""What the report says beyond the page's scope, what the radiologist suggests, and the spine regions.

The page explains nerve roots and the narrowing around them. This module reads the report text for
the serious things it does not explain (spinal cord contact or compression, cauda equina crowding,
a mass, a fracture, an infection), for the radiologist's suggestions (a contrast study, a follow-up),
and for the regions the warning signs depend on. It is a small detector of its own, sentence by
sentence, with the patterns and the denial words of mappings/explain/scope.yaml: a statement the
report denies ("no cord compression") is not a mention. Nothing here interprets what it finds.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache, lru_cache

import yaml

from service.explain import patterns
from service.explain.grades import grade_word_pattern
from service.explain.hedges import DOUBTS, hedge_words
from service.explain.phrasebook import MAPPINGS_DIR
from service.extract import load_lexicon
from service.extract import scans as engine_scans
from service.extract.lexicon import LEVEL
from service.extract.textview import plain_view, scan_view
from service.extract.tokens import scan

# A sentence ends at '.', '!' or '?' before a space ('?' not before a lower-case word: "sac ? sequestrated disc" queries), at a blank line, and at a line break before a capital,
# a digit or a bullet (telegraphic notes put one statement per line; a wrapped line goes on in lower case),
# and after a line that ends in a colon (a header: "IMPRESSION:" is never part of a quote).
# Every cut starts at white space: the leading look-ahead spares the five branches at every other character
# (the same cuts on every text of the corpora, twice as fast).
# ... and a run of slashes that separates items, as the engine's sentences do ("... foramen./// L4-5: ...").
_SENTENCE_END = re.compile(r"(?=\s)(?:(?<=[.!])\s+|(?<=\?)\s+(?![a-z?])|\n\s*\n|\n(?=\s*(?:[-*•]|\d|[A-Z]))|(?<=:)[ \t]*\n)"
                           r"|//+\s*")
_WORD = re.compile(r"[A-Za-z0-9/'-]+")
_LEVEL = re.compile(r"\b([CTLSD])\d{1,2}\b")
# A spine level in a sentence ("L2", "T12"), not an MRI sequence ("T1", "T2").
_SPINE_LEVEL = re.compile(r"\b(?!T[12]\b)[CTLSD]\d{1,2}\b")
LONGEST_QUOTE = 240

# Where the finding levels put a region ("C5-C6" -> neck). D (dorsal) is the thoracic spine.
_LEVEL_REGIONS = {"C": "neck", "T": "upper_back", "D": "upper_back", "L": "lower_back", "S": "lower_back"}
REGIONS = ("neck", "upper_back", "lower_back")


@dataclass(frozen=True)
class Mention:
    """One serious thing the report states outside the page's scope: its kind and the report's words."""

    kind: str
    quote: str
    problem: str | None = None   # what the problem is ("pressure" on the cord), when the kind has problems
    grade: str | None = None     # the radiologist's grade word ("largely", "Grade II"), when the kind has grades
    review: bool = True          # whether it asks for a clinician's review (scope.yaml review_grades)
    level: str | None = None     # the level of an unexplained finding (kind "unread")
    at: tuple[str, ...] = ()     # the levels a placed kind (scope.yaml `placed`) is stated at
    hedged: bool = False         # the report is not sure of it ("probably detached disc material", "hemangioma ?")
    age: str | None = None       # "old" or "new", for the kinds whose age the page says (scope.yaml `aged_kinds`)


@cache
def scope_rules() -> dict:
    with open(MAPPINGS_DIR / "scope.yaml", encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    compiled = {
        # One alternation per kind and one for the suggestions: a sentence is scanned once per kind.
        "mentions": {kind: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
                     for kind, patterns in raw["mentions"].items()},
        # Word lists as tries (patterns.py): the same matches, several times faster.
        "before": re.compile(r"\b" + patterns.words(raw["negation_before"], phrase_words=True) + r"\b", re.IGNORECASE),
        "after": re.compile(r"^\W*(?:" + "|".join(raw["negation_after"]) + r")\b", re.IGNORECASE),
        "breaks": re.compile(r"[;:]|\b" + patterns.words(raw["clause_breaks"], phrase_words=True) + r"\b", re.IGNORECASE),
        "reach": int(raw["negation_reach"]),
        # Whether a lower-cased sentence holds any of a kind's words (a substring test, as ``word in sentence``),
        # one search in C instead of a loop over the words: the first test of every sentence and kind.
        "mention_words": {kind: _any_of(raw["mention_words"][kind]) for kind in raw["mentions"]},
        "suggestion_words": _any_of(raw["suggestion_words"]),
        # The same words as plain (word, kind) pairs, "suggestion" for a suggestion's: whether a whole text holds a
        # word is a substring test per word (``str.__contains__``), several times faster there than the patterns.
        "text_words": tuple((word, kind) for kind in raw["mentions"] for word in raw["mention_words"][kind])
        + tuple((word, "suggestion") for word in raw["suggestion_words"]),
        "not_findings": re.compile("|".join(f"(?:{p})" for p in raw["not_findings"]), re.IGNORECASE),
        "suggestions": re.compile("|".join(f"(?:{p})" for p in raw["suggestions"]), re.IGNORECASE),
        "suggestion_not": re.compile("|".join(f"(?:{p})" for p in raw["suggestion_not"]), re.IGNORECASE),
        "spine_kinds": frozenset(raw["spine_kinds"]),
        "spine_report_kinds": frozenset(raw["spine_kinds_in_spine_reports"]),
        "generic_kinds": frozenset(raw["generic_kinds"]),
        "suggestion_kinds": {kind: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
                             for kind, patterns in raw["suggestion_kinds"].items()},
        "spine_words": re.compile("|".join(f"(?:{p})" for p in raw["spine_words"]), re.IGNORECASE),
        "regions": {region: [re.compile(p, re.IGNORECASE) for p in patterns] for region, patterns in raw["regions"].items()},
        # Whether a text names a region at all: one search per region (found exactly when one of its patterns is).
        "region_words": {region: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
                         for region, patterns in raw["regions"].items()},
        "order": [*raw["order"], *(kind for kind in raw["mentions"] if kind not in raw["order"])],
        "each_sentence": frozenset(raw["each_sentence"]),
        "placed": frozenset(raw["placed"]),
        "many_levels": re.compile(raw["many_levels"], re.IGNORECASE),
        "quiet_kinds": frozenset(raw["quiet_kinds"]),
        "no_page_alone": frozenset(raw["no_page_alone"]),
        "quiet_beside_findings": frozenset(raw["quiet_beside_findings"]),
        "problems": {kind: [(problem, re.compile(p, re.IGNORECASE)) for problem, p in problems.items()]
                     for kind, problems in raw["problems"].items()},
        "grades": {kind: re.compile(p, re.IGNORECASE) for kind, p in raw["grades"].items()},
        "grade_meanings": dict(raw["grade_meanings"]),
        "review_grades": {kind: re.compile(p, re.IGNORECASE) for kind, p in raw["review_grades"].items()},
        "review_in_sentence": frozenset(raw["review_in_sentence"]),
        "unexplained": {use: re.compile(p, re.IGNORECASE) for use, p in raw["unexplained"].items()},
        "not_seen_kinds": frozenset(raw["not_seen_kinds"]),
        "not_seen_before": re.compile(raw["not_seen_before"], re.IGNORECASE),
        "grade_words": grade_word_pattern(),
        "hedge_before": re.compile(rf"{raw['hedge_before_mark']}|\b{hedge_words(*DOUBTS)}\b", re.IGNORECASE),
        "hedge_reach": int(raw["hedge_reach"]),
        "hedge_after": re.compile(raw["hedge_after"], re.IGNORECASE),
        "ages": {age: re.compile(p, re.IGNORECASE) for age, p in raw["ages"].items()},
        "aged_kinds": frozenset(raw["aged_kinds"]),
        "age_reach": int(raw["age_reach"]),
    }
    # ... and in ASCII mode, for a text of ASCII letters (patterns.ascii_alike): the same, twice as fast.
    compiled["region_words_ascii"] = {region: patterns.ascii_twin(pattern)
                                      for region, pattern in compiled["region_words"].items()}
    return compiled


def _any_of(words) -> re.Pattern:
    """A pattern found in a text exactly when one of ``words`` is a substring of it (never, for no words); a
    trie (patterns.substrings), searched only for whether it is found."""
    return re.compile(patterns.substrings(words))


@lru_cache(maxsize=4096)
def disc_levels(words: str) -> tuple[tuple[int, int, tuple[str, ...]], ...]:
    """The disc levels the engine reads in some words, each mention with its [start, end) offsets:
    "L4/5 and L5-S1" -> (0, 4, ("L4-L5",)), (9, 14, ("L5-S1",)). A single vertebra ("L5") and an MRI
    sequence ("T2 weighted") are not disc levels (service/extract/levels.py reads them)."""
    view = scan_view(plain_view(words))
    lexicon = load_lexicon()
    if lexicon.level_re.search(view) is None and lexicon.named_level_word_re.search(view) is None:
        return ()  # most clauses name no level: the whole scan only where one may stand
    return tuple((token.start, token.end, tuple(token.value)) for token in scan(view, lexicon)
                 if token.kind == LEVEL and not token.detail.single)


def _levels_of(words: str) -> list[str]:
    return list(dict.fromkeys(level for _, _, levels in disc_levels(words) for level in levels))


@lru_cache(maxsize=32)
def scanned(text: str) -> tuple[str, list]:
    """The engine's view and tokens of one whole text, scanned once for all its findings and languages: the
    page's causes (causes.py) and the text's own levels (its regions) read the same scan.

    The sections the engine has just scanned for its findings are not scanned again: their tokens are the
    engine's own (service.extract.scans), and only the rest of the text (headers, sections without findings)
    is scanned here."""
    lexicon = load_lexicon()
    handed = engine_scans.take(text, lexicon)
    if handed is None:
        view = scan_view(plain_view(text))
        return view, scan(view, lexicon)
    view, spans, section_tokens = handed
    tokens: list = []
    at = taken = 0
    for start, end in spans:
        if start < at or end < start:  # not the engine's sections as expected (in order, apart): scan it all
            return view, scan(view, lexicon)
        if start > at:
            tokens += scan(view, lexicon, at, start)
        after = bisect_left(section_tokens, end, taken, key=_token_start)
        tokens += section_tokens[taken:after]
        taken, at = after, end
    if at < len(view):
        tokens += scan(view, lexicon, at, len(view))
    return view, tokens


def _token_start(token) -> int:
    return token.start


@lru_cache(maxsize=32)
def _token_starts(text: str) -> list[int]:
    return [token.start for token in scanned(text)[1]]


def tokens_within(text: str, start: int, end: int) -> list:
    """The tokens of the text's one scan that lie within [start, end), in text order (the scan's tokens are in
    order of their starts: found by bisection, not by a pass over every token of the text)."""
    tokens = scanned(text)[1]
    starts = _token_starts(text)
    return [token for token in tokens[bisect_left(starts, start):bisect_right(starts, end)] if token.end <= end]


@lru_cache(maxsize=32)
def _level_tokens(text: str) -> tuple[list[int], list[tuple[int, int, tuple[str, ...]]]]:
    """The disc levels of the text's one scan, (start, end, levels) in text order, and their starts."""
    found = [(token.start, token.end, tuple(token.value)) for token in scanned(text)[1]
             if token.kind == LEVEL and not token.detail.single]
    found.sort()
    return [start for start, _, _ in found], found


@lru_cache(maxsize=2048)  # a sentence is read for its levels by the mentions and, as a clause, by unexplained()
def levels_in(text: str, start: int, end: int) -> tuple[tuple[int, int, tuple[str, ...]], ...]:
    """``disc_levels`` of the words at [start, end) of ``text``, whitespace folded, read from the text's one scan
    instead of a scan of their own: offsets count in the folded words. The same on every sentence and
    clause of the corpora, the real reports and the held-out sets (15,147 pieces), at one scan per text."""
    starts, found = _level_tokens(text)
    inside = [level for level in found[bisect_left(starts, start):bisect_left(starts, end)] if level[1] <= end]
    if not inside:
        return ()
    return tuple((_folded_start(text, start, level_start), _folded_length(text, start, level_end), levels)
                 for level_start, level_end, levels in inside)


def _folded_length(text: str, start: int, offset: int) -> int:
    """Where ``offset`` of ``text`` falls in the whitespace-folded words from ``start``, counted as the end of a
    token: the length of those words up to it, folded."""
    return len(" ".join(text[start:offset].split()))


def _folded_start(text: str, start: int, offset: int) -> int:
    """The same for the start of a token: one more when a word starts right there (the space before it)."""
    length = _folded_length(text, start, offset)
    return length + 1 if length and offset < len(text) and not text[offset].isspace() and text[offset - 1].isspace() \
        else length


_NON_SPACE = re.compile(r"\S+")


def level_names_in(text: str, start: int, end: int) -> frozenset[str]:
    """The disc levels ``levels_in`` reads at [start, end) of ``text``, without their offsets."""
    starts, found = _level_tokens(text)
    return frozenset(level for _, level_end, levels in found[bisect_left(starts, start):bisect_left(starts, end)]
                     if level_end <= end for level in levels)


def _text_levels(text: str) -> list[str]:
    """``_levels_of(text)``, from the text's one scan."""
    view, tokens = scanned(text)
    lexicon = load_lexicon()
    if lexicon.level_re.search(view) is None and lexicon.named_level_word_re.search(view) is None:
        return []  # as disc_levels: no level pattern, no level
    return list(dict.fromkeys(level for token in tokens if token.kind == LEVEL and not token.detail.single
                              for level in token.value))


@lru_cache(maxsize=32)  # read by the mentions and by unexplained(), for all the languages of a request
def sentence_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """The report's sentences with their [start, end) offsets in the text, whitespace folded."""
    out, start = [], 0
    for cut in [*_SENTENCE_END.finditer(text or ""), None]:
        end = cut.start() if cut else len(text or "")
        folded = " ".join(text[start:end].split())
        if folded:
            out.append((start, end, folded))
        start = cut.end() if cut else end
    return tuple(out)


def sentences(text: str) -> list[str]:
    """The report cut into sentences (and list items), whitespace folded."""
    out = []
    for piece in _SENTENCE_END.split(text or ""):
        folded = " ".join(piece.split())
        if folded:
            out.append(folded)
    return out


def _clause_around(sentence: str, start: int, end: int, rules: dict) -> tuple[str, str]:
    """The words of the clause before [start, end) and after it, up to the clause breaks."""
    before = sentence[:start]
    breaks = list(rules["breaks"].finditer(before))
    after = sentence[end:]
    stop = rules["breaks"].search(after)
    return before[breaks[-1].end():] if breaks else before, after[:stop.start()] if stop else after


def denied(sentence: str, start: int, end: int, rules: dict) -> bool:
    """Whether the words at [start, end) are denied within their clause."""
    clause, after = _clause_around(sentence, start, end, rules)
    cues = list(rules["before"].finditer(clause))
    if cues and len(_WORD.findall(clause[cues[-1].end():])) <= rules["reach"]:
        return True
    return bool(rules["after"].search(after))


def not_seen(text: str | None) -> list[Mention]:
    """What the report denies of the kinds it would list when stated (scope.yaml not_seen_kinds), one per kind."""
    return list(_scan(text)[2]) if text else []


def mentions(text: str | None) -> list[Mention]:
    """The serious things the report states (or hedges) beyond the page's scope, one per kind, in order."""
    return list(_scan(text)[0]) if text else []


@dataclass(frozen=True)
class Suggestion:
    """What the radiologist suggests: the kind of test said plainly ("other" when none), the mention
    kinds its words name (why, even "to rule out"), and the report's words."""

    kind: str
    reasons: tuple[str, ...]
    quote: str


def suggestions(text: str | None) -> list[str]:
    """The radiologist's suggestions, each the sentence that holds it, in report order."""
    return [suggestion.quote for suggestion in _scan(text)[1]] if text else []


def suggestion_details(text: str | None) -> list[Suggestion]:
    """The radiologist's suggestions with their kind and reasons, in report order."""
    return list(_scan(text)[1]) if text else []


@lru_cache(maxsize=32)
def _kinds_in(text: str) -> frozenset[str]:
    """The mention kinds whose words the whole text holds, and "suggestion" when it holds a suggestion's word.
    Every sentence and clause of the text, folded and lower-cased, is a piece of the folded text: a kind absent
    from it is absent from each of them."""
    folded = " ".join(text.split()).lower()
    found = set()
    for word, kind in scope_rules()["text_words"]:
        if kind not in found and word in folded:
            found.add(kind)
    return frozenset(found)


@lru_cache(maxsize=32)
def _scan(text: str) -> tuple[tuple[Mention, ...], tuple[Suggestion, ...], tuple[Mention, ...]]:
    """Mentions and suggestions of one text, read once for all the languages of a request."""
    rules = scope_rules()
    found: dict[str, Mention] = {}
    refuted: dict[str, Mention | None] = {}  # the first denial of a kind of `not_seen_kinds` (None: not a real one)
    suggested: dict[str, Suggestion] = {}
    carried: tuple[str, ...] = ()  # the levels of the last sentence that named one, for a placed kind
    carried_words = ""
    # The kinds whose words the text holds at all: each sentence is a piece of the folded text, so a kind absent
    # from it is absent from every sentence (one search per kind, not one per kind and sentence).
    present = set(_kinds_in(text))
    suggesting = "suggestion" in present  # the same test for the suggestions
    present.discard("suggestion")
    # Only those kinds are tried in each sentence, in the order of the rules.
    kinds = [(kind, pattern, rules["mention_words"][kind]) for kind, pattern in rules["mentions"].items()
             if kind in present]
    for start, end, sentence in sentence_spans(text) if present or suggesting else ():
        lowered = sentence.lower()
        if suggesting and rules["suggestion_words"].search(lowered) and not rules["suggestion_not"].search(sentence) \
                and (match := rules["suggestions"].search(sentence)):
            quote = _shorten(sentence, match.start())
            if quote not in suggested:
                suggested[quote] = _suggestion(quote, rules)
        if not present:
            continue  # no kind's words in the text: the levels carried from sentence to sentence serve mentions only
        mentioned = levels_in(text, start, end) if any(map(str.isdigit, sentence)) else ()
        named = tuple(dict.fromkeys(level for _, _, levels in mentioned for level in levels))
        # A level is carried into the sentences after it ("C4/5: ... . Mild cord flattening."), not past a sentence
        # that places its words at a vertebra of its own ("posterior to the L4 vertebral body").
        if _SECTION_START.match(sentence) or (not named and _AT_VERTEBRA.search(sentence)):
            carried = ()
        here = () if rules["many_levels"].search(sentence) else carried  # "multilevel ..." is at no one level
        if named:
            # The words that name the carried levels ("C3/4"): a mention placed by them quotes them too.
            carried_words = sentence[mentioned[0][0]:mentioned[-1][1]]
        carried = named or carried
        specific = False  # a generic kind ("a lesion") says nothing more than a specific one of the same words
        for kind, pattern, words in () if rules["not_findings"].search(sentence) else kinds:
            if kind in found or not words.search(lowered):
                continue
            matches = list(pattern.finditer(sentence))
            said = [m for m in matches if not _NORMAL.search(m.group()) and not denied(sentence, m.start(), m.end(), rules)]
            if not said and matches and kind in rules["not_seen_kinds"] and f"no {kind}" not in refuted:
                refuted[f"no {kind}"] = _refutation(kind, sentence, matches[0], rules)
            if said and (kind not in rules["generic_kinds"] or not specific):
                # Each problem the sentence states of its kind is listed ("cord compression and abnormal cord
                # signal": pressure on the cord, and a change in it), above the sentence's words once.
                for stated in _one_per_problem(kind, said, rules):
                    key = f"{kind}#{len(found)}" if kind in rules["each_sentence"] or kind in found else kind
                    if kind not in rules["placed"]:
                        at, words = (), ""
                    elif named:
                        # Placed by the levels its own sentence names, said in plain words.
                        at = _owner(stated.start(), sentence, mentioned, [])
                        spans = [(begin, end) for begin, end, levels in mentioned if set(levels) & set(at)]
                        words = sentence[spans[0][0]:spans[-1][1]] if spans else ""
                    else:
                        at, words = here, carried_words
                    found[key] = _mention(kind, sentence, stated, rules, at, words)
                specific = specific or kind not in rules["generic_kinds"]
    order = rules["order"]
    # A kind the report also states ("cord compression at C5-C6") is not told as not seen (at C3-C4).
    stated_kinds = {mention.kind for mention in found.values()}
    not_seen = tuple(m for m in refuted.values() if m is not None and m.kind not in stated_kinds)
    return (tuple(sorted(found.values(), key=lambda mention: order.index(mention.kind))), tuple(suggested.values()),
            not_seen)


def _refutation(kind: str, sentence: str, match: re.Match, rules: dict) -> Mention | None:
    """A denial the page tells as not seen ("No significant spinal cord compression", "the cord appears normal"),
    with the grade it is limited to; None when the words are denied some other way ("to rule out ...")."""
    if _NORMAL.search(match.group()):
        return Mention(kind, _shorten(sentence, match.start()), "other", None, review=False)  # "the cord is normal"
    clause, after = _clause_around(sentence, match.start(), match.end(), rules)
    cues = list(rules["not_seen_before"].finditer(clause))
    cue = cues[-1] if cues else None
    if cue is None and not rules["after"].search(after):
        return None
    limit = rules["grade_words"].search(clause, cue.end()) if cue else None
    problem = _problem(kind, match.group(), rules) if cue else "other"  # "appears normal": no change of it
    return Mention(kind, _shorten(sentence, match.start()), problem, limit.group() if limit else None, review=False)


def _problem(kind: str, words: str, rules: dict) -> str | None:
    return next((name for name, pattern in rules["problems"].get(kind, ()) if pattern.search(words)), None)


def _one_per_problem(kind: str, said: list[re.Match], rules: dict) -> list[re.Match]:
    """The first match of each problem a sentence states of one kind (one match when the kind has none)."""
    if kind not in rules["problems"]:
        return said[:1]
    by_problem: dict[str | None, re.Match] = {}
    for match in said:
        by_problem.setdefault(_problem(kind, match.group(), rules), match)
    return list(by_problem.values())


def _mention(kind: str, sentence: str, stated: re.Match, rules: dict, at: tuple[str, ...] = (),
             level_words: str = "") -> Mention:
    """A mention with its problem (from the matched words), its grade and whether it asks for review.

    Any grade word of the clause before the matched words, or inside them, asks for review ("a large
    protrusion compressing the thecal sac"); the page says a grade only when it is the matched words' own
    ("largely compressing the thecal sac"), not a word of the thing that presses ("mild bulges compressing
    the thecal sac": the bulges are mild, the pressure is not graded)."""
    problem = _problem(kind, stated.group(), rules)
    grade = shown = None
    numbered = [word.group() for word in rules["grades"][kind].finditer(sentence)
                if word.group().lower().startswith("grade")] if kind == "slip" else []
    if numbered:
        # A slip's own grade ("Grade I anterolisthesis ... with moderate stenosis"): not the stenosis's word.
        grade = shown = numbered[0]
    elif kind in rules["grades"]:
        clause = _comma_clause(sentence, stated.start())
        joined = clause + " " + stated.group()
        words = list(rules["grades"][kind].finditer(joined))
        grade = words[-1].group() if words else None
        own = [word for word in words if word.start() > len(clause)
               or _ADJACENT.fullmatch(joined, word.end(), len(clause) + 1)]
        shown = own[-1].group() if own else None
    graded = sentence if kind in rules["review_in_sentence"] else f"{grade or ''} {stated.group()}"
    review = kind not in rules["review_grades"] or bool(rules["review_grades"][kind].search(graded))
    quote = _shorten(sentence, stated.start())
    if at and level_words and level_words not in quote:
        # Placed at a level its sentence does not name, or names before the quote's words begin: the quote holds
        # the words that name it ("C3/4 … Mild cord flattening."), so the page never states a level its quote
        # does not hold.
        quote = f"{level_words}{BETWEEN}{quote.removeprefix('… ')}"
    return Mention(kind, quote, problem, shown, review, at=at, hedged=_hedged(sentence, stated, rules),
                   age=_age(kind, sentence, stated, rules))


def _comma_clause(sentence: str, end: int) -> str:
    """The words of the clause that ends at ``end``: after its last comma, semicolon or colon."""
    before = sentence[:end]
    return before[max(before.rfind(","), before.rfind(";"), before.rfind(":")) + 1:]


def _clause_words(sentence: str, end: int, reach: int) -> str:
    """The last ``reach`` words of the clause that ends at ``end``."""
    return " ".join(_comma_clause(sentence, end).split()[-reach:]) if reach else ""


def _hedged(sentence: str, stated: re.Match, rules: dict) -> bool:
    """Whether the report is unsure of what it mentions: a hedge among the clause's last words before it
    ("probably detached disc material", "? sequestrated disc") or right after it ("hemangioma ?")."""
    if _ALTERNATIVES.search(stated.group()):
        return True  # "thecal sac or nerve root compression noted", with no denial: one of two, perhaps a lost "No"
    before = _clause_words(sentence, stated.start(), rules["hedge_reach"])
    hedges = list(rules["hedge_before"].finditer(before))
    if hedges:
        # A hedge before the thing that presses hedges that thing, not the pressure: "mostly fibrosis compressing
        # the thecal sac" (words, then a verb); "possibly compressing the cord" hedges the pressure.
        words = f"{before[hedges[-1].end():]} {stated.group()}"
        verb = _VERB.search(words)
        if verb is None or not words[:verb.start()].strip(" ?"):
            return True
    return rules["hedge_after"].match(sentence, stated.end()) is not None


def _age(kind: str, sentence: str, stated: re.Match, rules: dict) -> str | None:
    """"old" or "new" when the report says so right before the words or in them ("chronic superior end plate
    compression", "acute fracture"), for the kinds whose age the page says."""
    if kind not in rules["aged_kinds"]:
        return None
    words = f"{_clause_words(sentence, stated.start(), rules['age_reach'])} {stated.group()}"
    return next((age for age, pattern in rules["ages"].items() if pattern.search(words)), None)


# Alternatives named in one mention's words ("cord or nerve root compression").
_ALTERNATIVES = re.compile(r"\b(?:or|nor)\b", re.IGNORECASE)
# Words that say a structure is normal: a match holding them is its denial ("the spinal cord appears normal").
_NORMAL = re.compile(r"\b(?:normal|unremarkable)\b", re.IGNORECASE)
# A verb of what presses ("compressing", "causing"): a hedge before it is about the thing that presses.
_VERB = re.compile(r"\b\w{3,}ing\b", re.IGNORECASE)
# Between a grade word and the words it grades: nothing but a space, a comma or an article.
_ADJACENT = re.compile(r"[\s,]*(?:(?:the|a|an)\s+)?", re.IGNORECASE)
# A single vertebra named as a place ("posterior to the L4 vertebral body", "L1 vertebra").
_AT_VERTEBRA = re.compile(r"\b(?!T[12]\b)[CTLSD]\d{1,2}\s+(?:vertebra\w*|body|bodies|level)\b", re.IGNORECASE)
# A sentence that opens a section of its own ("IMPRESSION: ..."): levels named before it are not carried in.
_SECTION_START = re.compile(r"^\W*(?:impression|conclusion|opinion|summary|comment|findings|indication|history)\b",
                            re.IGNORECASE)


def _states_a_mention(sentence: str, rules: dict, kinds: frozenset[str] | None = None) -> bool:
    """Whether the sentence states something the page lists (of a kind listed once, from another sentence).
    ``kinds``: the kinds whose words the text of the sentence holds (``_kinds_in``), the only ones it can state."""
    lowered = sentence.lower()
    return any(rules["mention_words"][kind].search(lowered) and any(
        not denied(sentence, m.start(), m.end(), rules) for m in pattern.finditer(sentence))
        for kind, pattern in rules["mentions"].items()
        if kind not in rules["generic_kinds"] and (kinds is None or kind in kinds))


def _blank_levels(sentence: str, mentioned) -> str:
    """The sentence with each level it names written as "L" ("L4/L5 level :" -> "L level :")."""
    for start, end, _ in reversed(mentioned):
        sentence = sentence[:start] + "L" + sentence[end:]
    return sentence


_CLAUSE = re.compile(r"[^;]+")
# A heading names a level or a list of them ("L4/L5 level :", "L3-L4, L4-L5:", "L4-L5 AND L5-S1:").
_HEADER = re.compile(r"^\W*(?:at )?(?:the )?\S+(?:\s*(?:,|&|and)\s*\S+)*(?: levels?)?\s*:?\s*$", re.IGNORECASE)


def names_a_level(words: str) -> bool:
    """Whether some words name a spine level: a disc level ("L4/5") or a vertebra ("L5", not "T2")."""
    return bool(disc_levels(words)) or bool(_SPINE_LEVEL.search(words))


def is_level_heading(line: str) -> bool:
    """Whether a line only names a level, as a heading for the lines below it ("L4/L5 level :")."""
    folded = " ".join(line.split())
    mentioned = disc_levels(folded)
    return bool(mentioned) and bool(_HEADER.match(_blank_levels(folded, mentioned)))


def page_mentions(findings, text: str | None) -> tuple[list[Mention], list[Mention], bool]:
    """What the page lists under "Your report also mentions" (the scope mentions and the levels it does
    not explain, in the page's order), the unexplained levels listed, and whether any level is unexplained."""
    found = mentions(text)
    unread, any_level = unexplained(findings, text, found)
    if not findings or any(finding.assertion != "absent" for finding in findings):
        # A common bulge is listed only on a page of denials, which would otherwise read as a clear scan;
        # alone, it makes no page.
        unread = [mention for mention in unread if mention.kind != "bulge"]
    order = scope_rules()["order"]
    return sorted([*found, *unread], key=lambda mention: order.index(mention.kind)), unread, any_level


def odd_levels(findings, text: str | None) -> bool:
    """Whether a finding is placed by a level written as two vertebrae that are not neighbours joined by a slash
    ("L4/S1"): the engine reads the levels between them, a typing slip may mean one of them. A range written
    with a dash or a word ("L4-S1", "L3 to L5") is a range."""
    if not text or not findings:
        return False
    spans = [span for finding in findings if finding.assertion != "absent" for span in finding.evidence or ()]
    for start, end, levels in _level_tokens(text)[1]:
        if len(levels) > 1 and "/" in text[start:end] and any(s.start <= start and end <= s.end for s in spans):
            return True
    return False


def has_page(findings, text: str | None) -> bool:
    """Whether a report gets a page: it has findings, or the page lists something that makes one."""
    return bool(findings) or any(makes_a_page(mention, text) for mention in page_mentions(findings, text)[0])


def makes_a_page(mention: Mention, text: str | None = None) -> bool:
    """Whether a mention gives a report without findings a page: it is about the spine and not of a kind
    listed only beside other things (scope.yaml `no_page_alone`: a scoliosis, an earlier operation)."""
    return mention.kind not in scope_rules()["no_page_alone"] and about_the_spine(mention, text)


def unexplained(findings, text: str | None, known: list[Mention] = ()) -> tuple[list[Mention], bool]:
    """Levels the page does not explain: a disc level named with pathology words (not denied) where the
    page has no finding and no mention. Returns the ones to list (kind "unread", at most 3, one per
    level: herniation, extrusion, protrusion, fragment, compression; and kind "bulge", at most 3, for a
    small bulge or one that only touches) and whether any level asks for review (an "unread" one, or a
    bulge, stenosis or narrowing)."""
    if not text:
        return [], False
    rules = scope_rules()
    # A level is explained in a sentence by a finding at that level read from it (or read from nowhere
    # in particular): "narrowing at C4/5 and on the left at C5/6" is not explained by a C5-C6 finding of
    # the next sentence.
    placed = [({f.level} if f.level else set(), list(f.evidence or ()), f.assertion != "absent") for f in findings]
    said = [mention.quote.strip("… ") for mention in known]
    listed: dict[str, Mention] = {}
    bulges: dict[str, Mention] = {}
    any_level = False
    carried: list[str] = []  # a header line ("L4/L5 level :") names the level of the lines after it
    heading = ""
    # Clauses of a sentence are read apart ("a large protrusion at L5-S1 ...; mild bulge at L4-L5").
    # (Each clause's words are folded only when it is read further: most clauses name no level.)
    clauses = [(cut.start(), cut.end()) for start, end, _ in sentence_spans(text)
               for cut in _CLAUSE.finditer(text, start, end) if not cut.group().isspace()]
    named = [levels_in(text, start, end) for start, end in clauses]
    # A level's item runs from its clause to the next clause that names a level: "At L4-L5 there is a
    # protrusion. It contacts the right L5 root." is explained by the finding read from the second sentence.
    item_ends = []
    next_named = len(text)
    for (clause_start, _), levels in zip(reversed(clauses), reversed(named)):
        item_ends.append(next_named)
        if levels:
            next_named = clause_start
    item_ends.reverse()
    for (start, end), mentioned, item_end in zip(clauses, named, item_ends):
        own = [level for _, _, found in mentioned for level in found]
        levels = own or carried
        if not levels:
            continue
        sentence = " ".join(text[start:end].split()) if own else None
        if own and _HEADER.match(_blank_levels(sentence, mentioned)):
            carried, heading = own, sentence
            continue
        # A denial explains only the clause it was read from; a stated finding its whole item.
        missing = [level for level in dict.fromkeys(levels) if not any(
            level in at and (not spans or any(s.start < (item_end if told else end) and s.end > start for s in spans))
            for at, spans, told in placed)]
        if not missing:
            continue
        sentence = sentence or " ".join(text[start:end].split())
        # The costlier tests after the cheap one: most clauses name no level the page leaves unexplained.
        if rules["not_findings"].search(sentence) or any(quote and quote in sentence for quote in said) \
                or _states_a_mention(sentence, rules, _kinds_in(text)):
            continue
        kept = rules["unexplained"]["not"].sub(lambda m: " " * len(m.group()), sentence)
        words = [m for m in rules["unexplained"]["review"].finditer(kept) if not denied(sentence, m.start(), m.end(), rules)]
        if not words:
            continue
        if all(m.group().lower().startswith("bulg") for m in words) and rules["unexplained"]["benign_bulge"].search(sentence):
            # A small bulge, or one that only touches, asks for no review; it is listed as common, so that a
            # page of denials does not read as a clear scan where the report names bulges.
            for level in missing:
                if level not in bulges and len(bulges) < 3:
                    bulges[level] = Mention("bulge", _shorten(sentence, words[0].start()), review=False, at=(level,))
            continue
        any_level = True
        # Listed only at the level its words belong to ("a protrusion at L4-5 ..., compared to L3-4 mild facet
        # hypertrophy" lists nothing at L3-L4), quoted with the words that name that level: a level carried
        # from a heading line is quoted with that heading.
        own = [m for m in words if rules["unexplained"]["listed"].search(m.group())]
        for level in missing:
            word = next((m for m in own if level in _owner(m.start(), sentence, mentioned, carried)), None)
            if word is not None and level not in listed and len(listed) < 3:
                quote = _shorten(sentence, word.start())
                if not mentioned:
                    quote = f"{heading}{BETWEEN}{quote.removeprefix('… ')}"
                disc = rules["unexplained"]["disc"].match(word.group()) is not None
                listed[level] = Mention("unread", quote, problem="disc" if disc else None, level=level)
    return [*listed.values(), *(bulge for level, bulge in bulges.items() if level not in listed)], any_level


BETWEEN = " … "


def _owner(at: int, sentence: str, mentioned, carried: list[str]) -> tuple[str, ...]:
    """The levels some words at ``at`` of a clause belong to: the levels named last before them, else the
    first named after them, else those of the heading above the clause. Levels listed together ("L3-4
    and L4-5 levels", "D12/L1 & L4/L5") are named at once."""
    listed: list[list] = []
    for start, end, levels in mentioned:
        if listed and _LISTED.fullmatch(sentence, listed[-1][1], start):
            listed[-1][1:] = [end, listed[-1][2] + levels]
        else:
            listed.append([start, end, levels])
    before = [levels for start, end, levels in listed if end <= at]
    if before:
        return before[-1]
    after = [levels for start, end, levels in listed if start >= at]
    return after[0] if after else tuple(carried)


# Between two levels named together: joiners and brackets only, a "level" and an "at" ("L3/L4 & at L4/L5",
# "L4/L5 level and L2/L3").
_LISTED = re.compile(r"[\s,&/()]*(?:levels?[\s,&/()]*)?(?:(?:and|or|to|through|&)[\s,&/()]*)?(?:at\s+(?:the\s+)?)?",
                     re.IGNORECASE)


def _suggestion(quote: str, rules: dict) -> Suggestion:
    kind = next((kind for kind, pattern in rules["suggestion_kinds"].items() if pattern.search(quote)), "other")
    # Why: what the words after the suggestion name ("... is advised to rule out secondary deposits"); the
    # words before it are what was seen ("wedging of D12 ..., MRI is advised to rule out Scheuermann's").
    said = rules["suggestions"].search(quote)
    purpose = quote[said.end():] if said else ""
    reasons = [k for k, pattern in rules["mentions"].items() if pattern.search(purpose)]
    if not reasons and said and not _WORD.search(purpose):
        # No words after it: the words before it in the same sentence are what to look at ("Small right
        # kidney (correlate with US)"); words after it say why, even when they name nothing we know.
        before = quote[:said.start()]
        reasons = [k for k, pattern in rules["mentions"].items()
                   if any(not denied(before, m.start(), m.end(), rules) for m in pattern.finditer(before))]
    if any(k not in rules["generic_kinds"] for k in reasons):
        reasons = [k for k in reasons if k not in rules["generic_kinds"]]
    return Suggestion(kind, tuple(reasons), quote)


def about_the_spine(mention: Mention, text: str | None = None) -> bool:
    """Whether a mention is about the spine: its kind is (the cord), or its words name the spine or a level,
    or it is a bone or muscle change in a report (``text``) whose words name a spine region."""
    rules = scope_rules()
    return (mention.kind in rules["spine_kinds"] or mention.kind == "unread"
            or bool(rules["spine_words"].search(mention.quote)) or bool(_SPINE_LEVEL.search(mention.quote))
            or (mention.kind in rules["spine_report_kinds"] and bool(text) and any(
                pattern.search(text) for pattern in rules["region_words"].values())))


def regions(findings, text: str | None) -> set[str]:
    """The spine regions of the report: from its finding levels, and the region words and disc levels of its text."""
    found = set()
    for finding in findings:
        for letter in _LEVEL.findall(f"{finding.level or ''} {finding.root or ''}"):
            found.add(_LEVEL_REGIONS[letter])
    if text:
        found.update(_text_regions(text))
    return found


@lru_cache(maxsize=32)
def _text_regions(text: str) -> frozenset[str]:
    """The regions the words and disc levels of one text name (and the vertebrae of its mentions), read once
    for all the languages of a request."""
    # Not from why the scan was done ("Clinical indication: neck and lower back pain" on a lumbar scan): the
    # warning signs follow what was imaged.
    rules = scope_rules()
    imaged = " ".join(sentence for _, _, sentence in sentence_spans(text) if not rules["not_findings"].search(sentence))
    words = rules["region_words_ascii"] if patterns.ascii_alike(imaged) else rules["region_words"]
    found = {region for region, pattern in words.items() if pattern.search(imaged)}
    # A level across two regions (T12-L1, C7-T1) is the edge of a scan of either: it names neither.
    for level in _text_levels(text):
        upper, _, lower = level.partition("-")
        if _LEVEL_REGIONS[upper[0]] == _LEVEL_REGIONS[lower[0]]:
            found.add(_LEVEL_REGIONS[upper[0]])
    # A single vertebra ("fracture of the C5 vertebral body") counts only in what the page lists as a
    # mention: elsewhere it is often the edge of the scan ("from T12 to S1") or the indication.
    for mention in mentions(text):
        quote = _blank_levels(mention.quote, disc_levels(mention.quote))
        found.update(_LEVEL_REGIONS[match[0]] for match in _SPINE_LEVEL.findall(quote))
    return frozenset(found)


def _shorten(sentence: str, at: int = 0) -> str:
    """The sentence, cut to LONGEST_QUOTE with an ellipsis; a long sentence whose words of interest
    start at ``at`` far in keeps them, starting at a clause or word before them."""
    if len(sentence) <= LONGEST_QUOTE:
        return sentence
    start = 0
    if at > LONGEST_QUOTE // 2:
        before = sentence[:at]
        cut = max(before.rfind(", ", 0, at - 20), before.rfind("; ", 0, at - 20))
        start = cut + 2 if cut >= at - LONGEST_QUOTE // 2 else before.rfind(" ", 0, at - 40) + 1
    rest = sentence[start:]
    head = "… " if start else ""
    if len(rest) <= LONGEST_QUOTE:
        return head + rest
    return head + rest[:LONGEST_QUOTE].rsplit(" ", 1)[0].rstrip(" ,;:…") + " …"
