"""What a finding's own sentence says that its fields may not: the page keeps it, or says less.

The engine may drop a word that changes what the page may say. Read from the finding's evidence
sentence, with the patterns of mappings/explain/own_words.yaml and the grade words of grade_words.yaml:

- a denial limited by a grade word ("not causing significant narrowing") stays limited, even when the
  engine read it as a plain denial: the page copy gets the grade word;
- a canal called adequate ("the canal remains adequate") is not "no narrowing": it is said as
  having enough room;
- a sentence that grades two things differently ("slight exit and moderate central narrowing") gives no
  grade in the page's sentence, unless the grade stands right beside the finding's side ("moderate left
  and mild right") or right before the finding's own words ("severe central spinal stenosis"): the
  report's words below it give the grades; a grade word used as a size ("moderate-sized") grades nothing;
- "more to the left" on a finding of both sides is said;
- a finding at one level whose sentence speaks of many ("multilevel bulges ..., noticeably at L4-L5") says so;
- a finding the engine left ungraded keeps the one grade word standing right before its word ("borderline
  stenotic", "largely compressing");
- a denial written for the whole report ("Adequate spinal canal" on a closing line of its own) is told with
  no level, even when the engine pinned it to the level named last (``report_wide``).

Nothing here adds a finding; the Bundle's Observations keep the engine's fields.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import NamedTuple

import yaml

from service.explain import scope
from service.explain.causes import cause_words
from service.explain.compose import ADEQUATE
from service.explain.grades import grade_word_list, grade_word_pattern, grade_words
from service.explain.hedges import MEANINGS, hedge_words
from service.explain.phrasebook import MAPPINGS_DIR
from service.extract import load_lexicon
from service.extract.finding import Finding
from service.extract.levels import level_groups
from service.extract.lexicon import LADDER


@dataclass(frozen=True)
class Told:
    """A finding as the page tells it, and what its sentence adds ("more on the left")."""

    finding: Finding
    more_on: str | None = None       # "left"/"right": a finding of both sides the report says is worse on one
    grade_in_words: bool = False     # its grade is left to the report's own words
    # What presses, when the report hedges it ("mostly fibrosis", "probably disc material"): the causes and
    # how sure the report is ("mostly", "likely", "possible"). The finding then names no cause itself.
    hedged_causes: tuple[str, ...] = ()
    cause_hedge: str | None = None
    # Its sentence speaks of many levels ("multilevel bulges ..., noticeably at L4-L5") and names one at most.
    more_levels: bool = False
    # A narrowing one is born with ("congenital canal stenosis due to short pedicles"): no disc named as its cause.
    born_narrow: bool = False
    # "Relatively secondary spinal canal stenosis": the milder kind of canal narrowing, in the report's word.
    relative: bool = False
    # "The canal appears narrowed": stated, and said to look that way on the scan, in the report's word.
    looks: bool = False


@cache
def _rules() -> dict:
    with open(MAPPINGS_DIR / "own_words.yaml", encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return {
        "adequate": re.compile(raw["adequate"], re.IGNORECASE),
        "adequate_ways": {way: re.compile(pattern, re.IGNORECASE) for way, pattern in raw["adequate_ways"].items()},
        "more_on": [(side, re.compile(pattern, re.IGNORECASE)) for side, patterns in raw["more_on"].items()
                    for pattern in patterns],
        "side_after_grade": re.compile(raw["side_after_grade"], re.IGNORECASE),
        "size_after_grade": re.compile(raw["size_after_grade"], re.IGNORECASE),
        "own_words": {kind: re.compile(pattern, re.IGNORECASE)
                      for kind, pattern in raw["own_words_after_grade"].items()},
        "own_words_reach": int(raw["own_words_reach"]),
        "own_words_breaks": re.compile(raw["own_words_breaks"], re.IGNORECASE),
        # The grade words as a trie (grades.py, patterns.py): the same matches, several times faster.
        "grades": grade_word_pattern(),
        "limited_denial": re.compile(raw["limited_denial"].replace("{grade}", grade_word_list()), re.IGNORECASE),
        "meanings": {word.lower(): meaning for word, meaning in grade_words()["meanings"].items()},
        "pinned_by_words": re.compile(raw["pinned_by_words"], re.IGNORECASE),
        "narrowing_word": re.compile(raw["narrowing_word"], re.IGNORECASE),
        "multilevel": re.compile(raw["multilevel"], re.IGNORECASE),
        "relative_canal": re.compile(raw["relative_canal"], re.IGNORECASE),
        "looks": re.compile(raw["looks"], re.IGNORECASE),
        "looks_reach": int(raw["looks_reach"]),
        "born_narrow": {kind: re.compile(pattern, re.IGNORECASE) for kind, pattern in raw["born_narrow"].items()},
        "at_that_level": re.compile(raw["at_that_level"], re.IGNORECASE),
        "subject_before_grade": re.compile(raw["subject_before_grade"], re.IGNORECASE),
        "graded_words": {kind: re.compile(pattern, re.IGNORECASE) for kind, pattern in raw["graded_words"].items()},
        # A hedge word, then at most `cause_hedge_reach` words before the cause's own words.
        "cause_hedges": [(meaning, re.compile(rf"\b{hedge_words(meaning)}\b(?:\W+\w+){{0,{int(raw['cause_hedge_reach'])}}}\W*$",
                                              re.IGNORECASE))
                         for meaning in MEANINGS],
    }


def _sentences(finding: Finding, text: str) -> list[str]:
    return [" ".join(text[span.start:span.end].split()) for span in finding.evidence
            if 0 <= span.start < span.end <= len(text)]


def _emphasis_shared(finding: Finding, text: str) -> bool:
    """Whether the last list of levels a sentence of the finding names its level in names others with it
    (from the text's one scan)."""
    view = scope.scanned(text)[0]
    for span in finding.evidence:
        if 0 <= span.start < span.end <= len(text):
            groups = [group.levels for group in level_groups(scope.tokens_within(text, span.start, span.end), view,
                                                             load_lexicon()) if finding.level in group.levels]
            if groups and len(groups[-1]) > 1:
                return True
    return False


def _denied_rung(finding: Finding, text: str) -> Finding:
    """A root's denial that names one ladder word ("no thecal sac or nerve root compression") denies that step:
    the page says "no squeezing was seen", not "no pressure", which would also rule out contact."""
    if finding.type != "nerve-root" or finding.degree:
        return finding
    rungs = {token.value for span in finding.evidence if 0 <= span.start < span.end <= len(text)
             for token in scope.tokens_within(text, span.start, span.end) if token.kind == LADDER}
    return replace(finding, degree=rungs.pop()) if len(rungs) == 1 else finding


def tell(finding: Finding, text: str | None) -> Told:
    """The finding as the page tells it, from its own sentence."""
    if not text:
        return Told(finding)
    rules = _rules()
    sentences = _sentences(finding, text)
    if not sentences:
        return Told(finding)
    if finding.assertion == "absent":
        return Told(_limited_denial(_denied_rung(finding, text), sentences, rules))
    more_on = _more_on(finding, sentences, rules)
    hedge = _cause_hedge(finding, text, rules)
    hedged = {"hedged_causes": tuple(finding.cause), "cause_hedge": hedge} if hedge else {}
    # Several levels named as the most affected together ("multilevel bulges, noticeably at L3/L4 & L4/L5"):
    # "most of all at L3-L4" beside "most of all at L4-L5" would contradict itself; each says its level.
    if finding.level and finding.multilevel and _emphasis_shared(finding, text):
        finding = replace(finding, multilevel=False)
        hedged["more_levels"] = True
    # (a finding the engine read as the most affected of several levels says so in its level: not twice)
    elif finding.level and not finding.multilevel and any(rules["multilevel"].search(sentence) and len(scope.disc_levels(sentence)) <= 1
                             and not rules["at_that_level"].search(sentence) for sentence in sentences):
        hedged["more_levels"] = True
    if hedge:
        finding = replace(finding, cause=[])
    if finding.type == "canal-stenosis" and not (finding.severity or finding.severity_text) \
            and any(rules["relative_canal"].search(sentence) for sentence in sentences):
        hedged["relative"] = True
    if any(_looks(finding, sentence, rules) for sentence in sentences):
        hedged["looks"] = True
    born = rules["born_narrow"].get(finding.type)
    if born and any(born.search(sentence) for sentence in sentences):
        finding = replace(finding, cause=[])
        hedged["born_narrow"] = True
    if not (finding.severity or finding.severity_text) and finding.assertion != "absent":
        graded = _grade_beside(finding, sentences, rules)
        finding = replace(finding, severity_text=graded) if graded else finding
    if finding.severity or finding.severity_text:
        if _grades_differ(finding, sentences, rules):
            return Told(replace(finding, severity=None, severity_text=None), more_on, grade_in_words=True, **hedged)
    return Told(finding, more_on, **hedged)


def _looks(finding: Finding, sentence: str, rules: dict) -> bool:
    """Whether the sentence says the finding "appears" so: "appear(s/ed)" right before its narrowing or
    pressing word, with the finding's own words among the few words before it ("the Lt exit canal also
    appeared compressed")."""
    own = rules["graded_words"].get(finding.type)
    if own is None:
        return False
    for word in rules["looks"].finditer(sentence):
        before = re.split(r"[,;:.(]", sentence[:word.start()])[-1].split()[-rules["looks_reach"]:]
        if own.search(" ".join(before)):
            return True
    return False


def _grade_beside(finding: Finding, sentences: list[str], rules: dict) -> str | None:
    """The one grade word of a finding's sentence when it stands right before the narrowing or pressing word
    ("canal is borderline stenotic", "largely compressing the sac and the exit root"): a finding the engine
    left ungraded is not told as plain "narrow" or "squeezed"."""
    rules_scope = scope.scope_rules()
    for sentence in sentences:
        stated = [word for word in rules["grades"].finditer(sentence)
                  if not scope.denied(sentence, word.start(), word.end(), rules_scope)
                  and not rules["size_after_grade"].match(sentence, word.end())]
        word = stated[0] if len(stated) == 1 else None
        verb = rules["narrowing_word"].match(sentence, word.end()) if word else None
        if verb and _names_the_finding(finding, sentence, word.start(), verb.end(), rules):
            return word.group()
        if word and _grades_own_words(finding, sentence, word.end(), rules):
            return word.group()
    return None


def _grades_own_words(finding: Finding, sentence: str, end: int, rules: dict) -> bool:
    """Whether a grade word stands before the finding's own words and its narrowing word, with at most
    ``own_words_reach`` words of place or side before them ("advanced inferior left lateral recess stenosis")."""
    own = rules["own_words"].get(finding.type)
    clause = rules["own_words_breaks"].split(sentence[end:], maxsplit=1)[0]
    words = clause.split()
    # At most ``own_words_reach`` words of place or side and two of the finding's own ("lateral recess").
    for i, token in enumerate(words[:rules["own_words_reach"] + 3]):
        if rules["narrowing_word"].match(" " + token):
            return bool(own and any(own.fullmatch(w) for w in words[:i]))
    return False


def _names_the_finding(finding: Finding, sentence: str, start: int, end: int, rules: dict) -> bool:
    """Whether the graded words speak of this finding: its own words just before them ("canal is borderline
    stenotic") or in what they act on, up to the next comma or verb ("largely compressing the sac and the exit
    root" grades the root; "largely compressing the sac and encroaching the exit canals" not the canals)."""
    own = rules["graded_words"].get(finding.type)
    if own is None:
        return False
    before = rules["subject_before_grade"].search(re.split(r"[,;:.(]", sentence[:start])[-1])
    after = re.split(r"[,;:.]|\b\w+ing\b", sentence[end:], maxsplit=1)[0]
    return (before is not None and own.fullmatch(before.group("own")) is not None) or own.search(after) is not None


def _cause_hedge(finding: Finding, text: str, rules: dict) -> str | None:
    """How sure the report is of what presses, when a hedge stands right before a cause's words in the
    finding's own sentence ("mostly fibrosis compressing ..."): "mostly", "likely" or "possible"."""
    if not finding.cause or finding.assertion == "absent":
        return None
    for start, _, _ in cause_words(finding, text):
        clause = re.split(r"[,;:.()]", text[max(0, start - 80):start])[-1]
        for meaning, pattern in rules["cause_hedges"]:
            if pattern.search(clause):
                return meaning
    return None


def _limited_denial(finding: Finding, sentences: list[str], rules: dict) -> Finding:
    said = [s for s in sentences if rules["adequate"].search(s)] if finding.type == "canal-stenosis" else []
    if said:
        way = next((way for way, pattern in rules["adequate_ways"].items() if pattern.search(said[0])), None)
        return replace(finding, severity=None, severity_text=f"{ADEQUATE}/{way}" if way else ADEQUATE)
    if finding.severity or finding.severity_text:
        return finding
    for sentence in sentences:
        limit = rules["limited_denial"].search(sentence)
        if limit:
            return replace(finding, severity_text=limit.group(1))
    return finding


def _more_on(finding: Finding, sentences: list[str], rules: dict) -> str | None:
    if finding.side != "bilateral":
        return None
    sides = {side for sentence in sentences for side, pattern in rules["more_on"] if pattern.search(sentence)}
    return next(iter(sides)) if len(sides) == 1 else None


def _grades_differ(finding: Finding, sentences: list[str], rules: dict) -> bool:
    """Whether the sentence grades things differently and the finding's grade is not tied to its own side."""
    for sentence in sentences:
        stated, several = _stated_grades(sentence)
        if not several:
            continue
        if finding.side in ("left", "right") and any(
                rules["meanings"].get(word.text) == _meaning_of(finding, rules)
                and (side := rules["side_after_grade"].match(sentence, word.end)) is not None
                and side.group("side").lower()[0] == finding.side[0] for word in stated):
            continue
        if any(rules["meanings"].get(word.text) == _meaning_of(finding, rules)
               and _before_own_words(finding, sentence, word, stated, rules) for word in stated):
            continue
        return True
    return False


class _Grade(NamedTuple):
    """A grade word a sentence states (not denied, not a size), lower-cased, at [start, end)."""

    start: int
    end: int
    text: str


@lru_cache(maxsize=1024)
def _stated_grades(sentence: str) -> tuple[tuple[_Grade, ...], bool]:
    """The grade words a sentence states, and whether they grade things differently (two or more meanings).

    Depends on the sentence alone: read once for every finding of the sentence and every language of a
    request (a report's sentences rarely repeat across reports, so this is no cache of whole reports)."""
    rules, rules_scope = _rules(), scope.scope_rules()
    stated = [word for word in rules["grades"].finditer(sentence)
              if not scope.denied(sentence, word.start(), word.end(), rules_scope)
              and not rules["size_after_grade"].match(sentence, word.end())]
    # "mild to moderate", "moderate-severe": one grade of one thing.
    graded = [[stated[0]]] if stated else []
    for before, word in zip(stated, stated[1:]):
        if _JOINED.fullmatch(sentence, before.end(), word.start()):
            graded[-1].append(word)
        else:
            graded.append([word])
    meanings = {tuple(rules["meanings"].get(word.group().lower()) for word in group) for group in graded}
    return tuple(_Grade(word.start(), word.end(), word.group().lower()) for word in stated), len(meanings) >= 2


def _before_own_words(finding: Finding, sentence: str, word: _Grade, stated: tuple[_Grade, ...], rules: dict) -> bool:
    """Whether a grade word stands right before the finding's own words ("severe central spinal stenosis"),
    with no other grade word nor a coordinator between them."""
    own = rules["own_words"].get(finding.type)
    if own is None:
        return False
    for following in itertools.islice(_WORD.finditer(sentence, word.end), rules["own_words_reach"]):
        if rules["own_words_breaks"].search(sentence, word.end, following.start()) \
                or any(word.end <= other.start < following.start() for other in stated):
            return False
        if own.match(following.group()):
            return True
    return False


_WORD = re.compile(r"\S+")


_JOINED = re.compile(r"\s*(?:-|/|to|or)\s*", re.IGNORECASE)


def _meaning_of(finding: Finding, rules: dict) -> str | None:
    if finding.severity_text and finding.severity_text.lower() in rules["meanings"]:
        return rules["meanings"][finding.severity_text.lower()]
    return {"mild": "mild", "moderate": "moderate", "severe": "severe"}.get(finding.severity or "")


def report_wide(findings: list[Finding], text: str | None) -> list[Finding]:
    """The findings with a report-wide denial told at no level.

    A denial is report-wide when each of its sentences stands on a line of its own, names no level ("L4-L5",
    "L5") and no "this level", and the line before it is not a level's heading ("L4/L5 level:"): the
    engine may pin it to the level named last, and "At L3-L4, the canal has enough room" then reads as if
    another level's canal had not. Only where the page states nothing of the same type, so that no
    unpinned denial can meet a stated finding of its kind (the guard's conflicts stay the engine's)."""
    if not text:
        return findings
    rules = _rules()
    stated = {finding.type for finding in findings if finding.assertion != "absent"}
    # "Both sides" on such a denial is the engine's reading of a plural ("nerve roots"): the whole report's.
    return [replace(finding, level=None, side=None if finding.side == "bilateral" else finding.side)
            if finding.assertion == "absent" and finding.level and finding.type not in stated
            and _on_own_lines(finding, text, rules) else finding
            for finding in findings]


def _on_own_lines(finding: Finding, text: str, rules: dict) -> bool:
    spans = [span for span in finding.evidence if 0 <= span.start < span.end <= len(text)]
    if not spans:
        return False
    for span in spans:
        line_start = text.rfind("\n", 0, span.start) + 1
        line_end = text.find("\n", span.end)
        line = text[line_start:len(text) if line_end < 0 else line_end]
        if text[line_start:span.start].strip(" \t-*•") or scope.names_a_level(line) \
                or rules["pinned_by_words"].search(line):
            return False
        before = text[:line_start].rstrip().rsplit("\n", 1)[-1]
        if scope.is_level_heading(before):
            return False
    return True
