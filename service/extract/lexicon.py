"""Loads the extraction lexicon from ``mappings/extraction/*.yaml`` and compiles it once.

The lexicon is the clinical knowledge of the engine (ladder words, grades, causes, assertion triggers,
section headers, level patterns). ``load_lexicon()`` reads the packaged mappings and caches the result;
``load_lexicon(path)`` reads another copy, which is how a clinician's edit (or a test) takes effect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Final, NamedTuple

import yaml

from service.extract.phrases import PhraseScanner, after_boundary, phrase_key, trie_pattern, trie_regex
from service.locations import mappings_dir

DEFAULT_DIR = mappings_dir() / "extraction"

# Token kinds a phrase can have. Final: the compiled engine (mypyc) inlines them instead of looking them up.
SIDE: Final = "side"
GRADE: Final = "grade"
LOC: Final = "loc"
NARROW: Final = "narrow"
NORMAL: Final = "normal"
LADDER: Final = "ladder"
CAUSE: Final = "cause"
ZONE: Final = "zone"
ROLE: Final = "role"
NEG: Final = "neg"
HEDGE: Final = "hedge"
TERM: Final = "term"
PSEUDO: Final = "pseudo"
KILL: Final = "kill"
REMAIN: Final = "remain"
WIDE: Final = "wide"
REF: Final = "ref"
OBJ: Final = "obj"
HIST: Final = "hist"
AGAIN: Final = "again"
LEVEL: Final = "level"
ROOT: Final = "root"
LABEL: Final = "label"  # a colon after a short label at the head of a sentence ("Nerve roots: normal")
COMPOUND: Final = "compound"  # shorthand for a whole phrase ("NFN"): read as the tokens of the phrase it stands for

# A vertebra or root name by region letter and number; the letters of grammar.yaml's vertebra_aliases are
# added to their region's class when the lexicon loads ("d12" is "t12").
VERTEBRA = r"(?:c[1-8]|t1[0-2]|t[1-9]|l[1-6]|s[1-5])"


class LexiconError(ValueError):
    """The mappings contradict themselves (for example one phrase with two meanings)."""


@dataclass(frozen=True)
class Entry:
    """What a phrase means: its kind, its value and kind-specific details."""

    kind: str
    value: object = None
    detail: tuple = ()


class GradeDetail(NamedTuple):
    """A grade word's detail."""

    narrowing: bool  # it also means narrowed ("tight", "severe" in "severe at L4-5")


class PlaceDetail(NamedTuple):
    """A stenosis location's detail."""

    plural: bool       # "foramina": both sides at one level
    zone: str | None   # the zone of a root in it ("foraminal")
    weak: bool         # "central", "spinal": a place only right before a narrowing word
    graded_only: bool  # "thecal sac": a stenosis only when graded or called stenosis


class LadderDetail(NamedTuple):
    """A ladder word's detail."""

    form: str      # "verb", "participle" or "noun"
    narrows: bool  # it also narrows a space ("foraminal encroachment")
    places: tuple  # the stenosis types it makes when a place is its object
    noun: bool = False  # a verb that is also a noun ("compromise"): "foraminal compromise" names the place's state


class LevelDetail(NamedTuple):
    """A level's detail."""

    single: bool  # a single vertebra ("at L5"), not a disc level


_NEVER = re.compile(r"(?!x)x")  # the default of every pattern: matches nothing


@dataclass
class Lexicon:
    entries: dict = field(default_factory=dict)       # phrase key -> Entry
    phrases: PhraseScanner = field(default_factory=lambda: PhraseScanner([]))  # finds the lexicon phrases
    root_re: re.Pattern = _NEVER
    root_scan_re: re.Pattern = _NEVER            # root_re led by the character before the mention

    level_re: re.Pattern = _NEVER
    named_level_word_re: re.Pattern = _NEVER           # the first word of a level named in words ("lumbosacral")
    single_before_re: re.Pattern = _NEVER
    not_level_after_re: re.Pattern = _NEVER
    not_single_after_re: re.Pattern = _NEVER           # after a single vertebra only ("T2 W", "T1 and T2")
    filler_re: re.Pattern = _NEVER
    header_re: re.Pattern = _NEVER
    caps_header_re: re.Pattern = _NEVER
    header_sections: dict = field(default_factory=dict)  # header key -> section name
    finding_sections: frozenset = frozenset()
    quoted_sections: frozenset = frozenset()              # sections read only where a sentence quotes imaging
    radiology_header_words: tuple = ()                    # a header holding one marks a radiology report
    imaging_re: re.Pattern = _NEVER
    imaging_label_re: re.Pattern = _NEVER                 # a line opening with an imaging study's label
    level_line_opener_re: re.Pattern = _NEVER             # "at " before a level that opens a line
    vertebra_index: dict = field(default_factory=dict)    # "L4" -> position in the column
    transitional: frozenset = frozenset()
    range_words: frozenset = frozenset()
    list_words: frozenset = frozenset()
    span_openers_re: re.Pattern = _NEVER
    root_central_keys: frozenset = frozenset()
    role_res: tuple = ()                                  # (role, pattern of its words) in anatomy.yaml's order
    vertebra_aliases: dict = field(default_factory=dict)  # region letter as written -> its region ("d" -> "t")
    name_side_words: dict = field(default_factory=dict)   # side word next to a root's name -> side
    root_name_re: re.Pattern = _NEVER                     # each root name of a root mention, with its side word
    verb_object_re: re.Pattern = _NEVER                   # a root named by letter right after a ladder verb
    sided_name_before_re: re.Pattern = _NEVER             # "R L5" right before a ladder participle or noun
    clause_names_re: re.Pattern = _NEVER                  # root names heading a clause after a "Roots:" label
    not_a_root_after_re: re.Pattern = _NEVER              # "L1 compression fracture": the bone, not a root
    plural_root_re: re.Pattern = _NEVER                   # a root mention in the plural ("roots", "L5s")
    causal_re: re.Pattern = _NEVER                        # "by", "due to": what presses on a root
    leads_to_re: re.Pattern = _NEVER                      # "results in": a structure producing a stenosis
    origin_re: re.Pattern = _NEVER                        # "arising from (the left)": before a cause's origin
    object_and_re: re.Pattern = _NEVER                    # a verb's first object, then a root it reaches too
    object_gap_re: re.Pattern = _NEVER                    # ... the whole gap between them, the joiner optional
    root_list_re: re.Pattern = _NEVER                     # between the roots of one list
    cause_list_re: re.Pattern = _NEVER                    # between the causes of one list
    object_pronouns: frozenset = frozenset()              # "it", "them": the root named before
    relative_re: re.Pattern = _NEVER                      # " that ", ", which ": a relative clause opening
    object_preposition_re: re.Pattern = _NEVER            # "of", "on" right after a ladder noun
    central_root_re: re.Pattern = _NEVER                  # a word of the cauda equina ("cauda", "intrathecal")
    central_context_re: re.Pattern = _NEVER               # a word of the central canal ("cord"): a bare stenosis is canal
    source: str = ""                                  # the directory the lexicon was read from
    level_cache: dict = field(default_factory=dict)   # matched level text -> (levels, single vertebra)
    root_cache: dict = field(default_factory=dict)    # (matched root text, generic) -> RootMention
    typo_index: dict = field(default_factory=dict)    # one-deletion variants of lexicon words -> Entry
    typo_cache: dict = field(default_factory=dict)    # a word as read -> its repair (Entry) or None
    typo_pairs: dict = field(default_factory=dict)    # first word -> second word's variants -> Entry ("thecal nsac")
    typo_clean: set = field(default_factory=set)      # the words of typo_cache that are no typos
    typo_firsts: dict = field(default_factory=dict)   # second word -> first word's variants -> Entry ("latral recess")
    typo_clean_pairs: set = field(default_factory=set)  # (first, second) word pairs read before that are no typos
    glued_cache: dict = field(default_factory=dict)   # a word -> whether glued_re reads it as two words
    abbreviation_cache: dict = field(default_factory=dict)  # the characters before a full stop -> an abbreviation
    shorthand_cache: dict = field(default_factory=dict)     # ... -> a grade's shorthand ("mod.")
    not_typos: frozenset = frozenset()
    not_abbreviation_after_re: re.Pattern = _NEVER   # a shorthand right after these names a body part
    not_abbreviation_before_re: re.Pattern = _NEVER  # ... and right before these names the study
    # The small words of report grammar (grammar.yaml), one pattern or set per category.
    abbreviation_re: re.Pattern = _NEVER                  # "approx." before a full stop: no sentence end
    dangling_re: re.Pattern = _NEVER                      # a line ending in "the", "of": wrapped inside a sentence
    continuing_re: re.Pattern = _NEVER                    # a line opening "With ...", "Compressing ...": the line before goes on
    wrap_opener_re: re.Pattern = _NEVER                   # a wrapped line's next line: a root name, "5 mm", "NFN"
    grade_shorthand_re: re.Pattern = _NEVER               # "mod." before a full stop ...
    grade_continues_re: re.Pattern = _NEVER               # ... that goes on ("mod. L NFN")
    column_sides_re: re.Pattern = _NEVER                  # "R/L" in a table column's title
    hist_modifier_re: re.Pattern = _NEVER                 # "previously seen": a historical word modifying a noun
    new_item_gap_re: re.Pattern = _NEVER                  # ", and" after a denial: a new item
    new_clause_gap_re: re.Pattern = _NEVER                # "and the ..." after a denial: a new clause
    still_words: frozenset = frozenset()                  # "unchanged": the earlier state holds
    grade_negators: frozenset = frozenset()               # "not" before a grade negates the grade only
    copula_re: re.Pattern = _NEVER                        # "is", "has progressed to" before a grade stated after
    change_from_re: re.Pattern = _NEVER                   # "from" right before a grade: a change's start
    change_to_infixes: tuple = ()                         # " to " inside a grade phrase ("from mild to severe")
    now_re: re.Pattern = _NEVER                           # "is now" right before a narrowing or grade
    disc_motion_re: re.Pattern = _NEVER                   # a disc's movement right after a grade ("slightly migrating")
    side_grade_link_re: re.Pattern = _NEVER               # "and" between the sides and grades stated after
    relative_bridge_re: re.Pattern = _NEVER               # "which is" between a location and its state
    relative_copulas: frozenset = frozenset()             # "which is", "which are" as written
    narrowing_object_re: re.Pattern = _NEVER              # "of the" between a narrowing word and its opening
    sac_narrowing_re: re.Pattern = _NEVER                 # "narrowing" (of the thecal sac) alone: no stenosis
    exception_re: re.Pattern = _NEVER                     # "except", "with the exception"
    denial_values: frozenset = frozenset()                # "none", "nil": a cell or label value that denies
    header_after_re: re.Pattern = _NEVER                  # "level:" after a level opening a sentence
    level_intro_re: re.Pattern = _NEVER                   # "at the level of" between a finding and its level
    emphasis_re: re.Pattern = _NEVER                      # "noticeably at" before a level: the worst of several
    landmark_re: re.Pattern = _NEVER                      # "below" before a level: a landmark, not the place
    subject_gap_re: re.Pattern = _NEVER                   # "the" alone before a level: a new clause's subject
    location_coordinator_re: re.Pattern = _NEVER          # "and" between two openings of one narrowing word
    object_coordinator_re: re.Pattern = _NEVER            # "and the" between two openings a narrowing word takes
    passive_pronoun_re: re.Pattern = _NEVER               # "It is" standing for the root named before
    side_subject_re: re.Pattern = _NEVER                  # "The" before a side that is a sentence's subject
    side_item_re: re.Pattern = _NEVER                     # "... at C4-5 and on the left at C5-6": a side's item
    side_phrase_re: re.Pattern = _NEVER                   # "on", "to" before a side: a side phrase
    counting_sides: frozenset = frozenset()               # "both" counts roots, gives no side
    each_side_re: re.Pattern = _NEVER                     # "neither" right before a singular root: both sides
    passive_copula_re: re.Pattern = _NEVER                # "is" between a side alone and a ladder participle
    run_on_opener_re: re.Pattern = _NEVER                 # "there is" after a bare level opening a run-on statement
    run_on_lead_re: re.Pattern = _NEVER                   # "at" before such a level
    verb_degree_re: re.Pattern = _NEVER                   # "largely" right before a ladder word: words of degree
    degree_head_re: re.Pattern = _NEVER                   # ... or opening a narrowing phrase ("borderline narrowing")
    degree_word_re: re.Pattern = _NEVER                   # those words anywhere: a sentence without them needs neither
    capital_only_sides: frozenset = frozenset()           # "L", "R": a side as a capital, unsure in lower case
    disjunctive_re: re.Pattern = _NEVER                   # "or" joining two structures as alternatives
    glued_re: re.Pattern = _NEVER                         # "notedslightly": a word typed together with the next
    glued_one_word: bool = True                           # every glued word is one word of letters (typos.glued_among)
    disc_kind_re: re.Pattern = _NEVER                     # "disc protrotion": a disc head and the word after it
    disc_kinds: dict = field(default_factory=dict)        # ... that word's first letters -> the one disc cause they begin
    disc_heads: frozenset = frozenset()                   # "disc", "disk": the bare words for a disc

    def entry(self, text: str) -> Entry | None:
        return self.entries.get(phrase_key(text))

    def unalias(self, vertebra: str) -> str:
        """A vertebra as written with its region's own letter ("d12" -> "t12"); other text as it is."""
        if not vertebra or vertebra[0] not in self.vertebra_aliases:
            return vertebra
        return self.vertebra_aliases[vertebra[0]] + vertebra[1:]


class _WordLoader(yaml.SafeLoader):
    """YAML without the 1.1 booleans: in a lexicon, `no`, `on` and `off` are words."""


_WordLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read(directory: Path, name: str) -> dict:
    with open(directory / name, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_WordLoader) or {}


_CHOICE = re.compile(r"\[([^\[\]{}]*)\]|\{([^\[\]{}]*)\}")


def expand_phrase(phrase: str) -> list[str]:
    """A lexicon phrase with its written variants spelled out: ``[the]`` is optional, ``{rt|lt}`` picks one
    ("more to [the] {rt|lt} [side]" is eight phrases). Spaces are normalised."""
    match = _CHOICE.search(phrase)
    if match is None:
        return [" ".join(phrase.split())]
    options = (match.group(1) if match.group(1) is not None else match.group(2)).split("|")
    if match.group(1) is not None:
        options.append("")
    head, tail = phrase[:match.start()], phrase[match.end():]
    return [variant for option in options for variant in expand_phrase(head + option + tail)]


def _spelled(phrases) -> list[str]:
    """Every variant of each phrase (see expand_phrase)."""
    return [variant for phrase in phrases or () for variant in expand_phrase(str(phrase))]


class _Builder:
    def __init__(self) -> None:
        self.entries: dict = {}

    def add(self, phrase: str, entry: Entry) -> None:
        variants = expand_phrase(str(phrase))
        if len(variants) > 1:
            for variant in variants:
                self.add(variant, entry)
            return
        key = phrase_key(variants[0])
        if not key:
            return
        known = self.entries.get(key)
        if known is not None and (known.kind, known.value) == (entry.kind, entry.value):
            return  # the same meaning listed twice (a verb that is also a noun): keep the first form
        if known is not None:
            raise LexiconError(f"phrase {phrase!r} has two meanings: {known.kind} and {entry.kind}")
        self.entries[key] = entry

    def add_all(self, phrases, entry: Entry) -> None:
        for phrase in phrases or ():
            self.add(phrase, entry)


def _severity_of_range(first: str, second: str, table: dict) -> str | None:
    order = ("mild", "moderate", "severe")
    if first not in order or second not in order:
        return None
    low, high = sorted((first, second), key=order.index)
    return table.get(f"{low}+{high}", high)


def _add_grades(builder: _Builder, data: dict) -> None:
    grades = data.get("grades", {})
    table = data.get("ranges", {})
    narrowing = {phrase_key(p) for p in _spelled(data.get("implies_narrowing"))}
    words: dict = {}
    for severity, phrases in grades.items():
        value = None if severity == "ungraded" else severity
        for phrase in _spelled(phrases):
            builder.add(phrase, Entry(GRADE, value, GradeDetail(phrase_key(phrase) in narrowing)))
            words[phrase_key(phrase)] = value
    for phrase in narrowing - set(words):
        builder.add(phrase, Entry(GRADE, "severe", GradeDetail(True)))
    # Ranges of two graded words: "mild to moderate", "mild-moderate", "moderate/severe".
    graded = [(word, value) for word, value in words.items() if value in ("mild", "moderate", "severe")]
    for first, first_value in graded:
        for second, second_value in graded:
            if first_value == second_value and first != second and first_value != "mild":
                continue
            severity = _severity_of_range(first_value, second_value, table)
            if severity is None:
                continue
            for joiner in data.get("range_joiners", []):
                key = phrase_key(first + joiner + second)
                if key not in builder.entries:
                    builder.entries[key] = Entry(GRADE, severity, GradeDetail(False))


def _add_anatomy(builder: _Builder, data: dict) -> frozenset:
    for side, phrases in data.get("sides", {}).items():
        builder.add_all(phrases, Entry(SIDE, side))
    weak = {phrase_key(p) for p in _spelled(data.get("weak_locations"))}
    graded_only = {phrase_key(p) for p in _spelled(data.get("graded_only_locations"))}
    for kind, spec in data.get("stenosis_locations", {}).items():
        zone = spec.get("zone")
        for plural, phrases in ((False, spec.get("singular")), (True, spec.get("plural"))):
            for phrase in _spelled(phrases):
                key = phrase_key(phrase)
                builder.add(phrase, Entry(LOC, kind, PlaceDetail(plural, zone, key in weak, key in graded_only)))
    builder.add_all(data.get("narrowing"), Entry(NARROW))
    builder.add_all(data.get("normal_state"), Entry(NORMAL))
    for zone, phrases in data.get("zones", {}).items():
        builder.add_all(phrases, Entry(ZONE, zone))
    for role, phrases in data.get("roles", {}).items():
        # A role word that is also a place ("exit": the exit canal) is a role only inside a root mention
        # ("Lt S1 exit nerve root"), which the root pattern reads; alone it stays the place.
        builder.add_all([p for p in phrases if (known := builder.entries.get(phrase_key(p))) is None
                         or known.kind != LOC], Entry(ROLE, role))
    builder.add_all(data.get("non_root_objects"), Entry(OBJ))
    builder.add_all(data.get("remaining"), Entry(REMAIN))
    builder.add_all(data.get("spine_wide"), Entry(WIDE))
    builder.add_all(data.get("back_references"), Entry(REF))
    return frozenset(phrase_key(p) for p in _spelled(data.get("central_roots")))


def _add_ladder(builder: _Builder, data: dict) -> None:
    # Which stenosis types a ladder word makes when its object is a place; () for none.
    narrowed: dict = {}
    for name, types in (("also_narrowing_foramen", ("foraminal-stenosis",)),
                        ("also_narrowing_openings", ("foraminal-stenosis", "lateral-recess-stenosis")),
                        ("also_narrowing", ("foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis"))):
        for phrase in _spelled(data.get(name)):
            narrowed[phrase_key(phrase)] = types
    for rung, forms in data.get("rungs", {}).items():
        nouns = {phrase_key(phrase) for phrase in _spelled(forms.get("nouns"))}
        for form in ("verbs", "participles", "nouns"):
            for phrase in _spelled(forms.get(form)):
                key = phrase_key(phrase)
                types = narrowed.get(key, ())
                builder.add(phrase, Entry(LADDER, rung, LadderDetail(form[:-1], bool(types), types, key in nouns)))


def _add_assertion(builder: _Builder, data: dict) -> None:
    for kind, section in ((NEG, "denials"), (HEDGE, "hedges")):
        spec = data.get(section, {})
        for direction in ("forward", "backward", "both"):
            builder.add_all(spec.get(direction), Entry(kind, direction, ()))
        for direction, phrases in (spec.get("restricted") or {}).items():
            for phrase, types in (phrases or {}).items():
                builder.add(phrase, Entry(kind, direction, tuple(types)))
    builder.add_all(data.get("terminators"), Entry(TERM))
    builder.add_all(data.get("pseudo_triggers"), Entry(PSEUDO))
    builder.add_all(data.get("not_findings"), Entry(KILL))
    builder.add_all(data.get("historical"), Entry(HIST))
    builder.add_all(data.get("still_present"), Entry(AGAIN))


def _add_abbreviations(builder: _Builder, abbreviations: dict) -> None:
    """Shorthand for a whole phrase ("NFN": neural foraminal narrowing) becomes one entry holding the
    entries of the phrase it stands for, read with the lexicon built so far."""
    known = trie_regex(builder.entries)
    for short, phrase in (abbreviations or {}).items():
        key = phrase_key(str(phrase))
        parts = []
        for match in known.finditer(key):
            entry = builder.entries.get(phrase_key(match.group()))
            if entry is not None:
                parts.append(entry)
        short_key = phrase_key(str(short))
        if not parts or len(parts) > len(short_key):
            raise LexiconError(f"abbreviation {short!r}: {phrase!r} is not read as up to {len(short_key)} lexicon words")
        builder.add(short_key, Entry(COMPOUND, tuple(parts)))


def _alternation(words) -> str:
    return trie_pattern(phrase_key(v) for w in words for v in expand_phrase(str(w)))


def _variants(words) -> list[str]:
    """Every variant of each phrase (expand_phrase) as written, in the order listed, without repeats."""
    return list(dict.fromkeys(v for w in words or () for v in expand_phrase(str(w)) if v))


def _literal(words, space: str = r"\s+") -> str:
    """The phrases of a grammar.yaml category as one pattern of their variants, as written (case kept), folded
    word by word into a trie (so that "at the level of" and its 69 siblings cost one branch per word) in the
    order listed; a space between words matches ``space``. Matches nothing when the list is empty."""
    root: dict = {}
    for variant in _variants(words):
        node = root
        for word in variant.split(" "):
            node = node.setdefault(word, {})
        node[""] = {}
    return _word_trie(root, space) if root else r"(?!x)x"


def _word_trie(node: dict, space: str) -> str:
    branches = []
    for word, child in node.items():
        if not word:
            continue
        rest = [w for w in child if w]
        if not rest:
            branches.append(re.escape(word))
            continue
        tail = f"(?:{space}{_word_trie(child, space)})"
        branches.append(re.escape(word) + tail + ("?" if "" in child else ""))
    return "(?:" + "|".join(branches) + ")"


def _bounded(pattern: str) -> str:
    """Bound the runs of white space a pattern accepts, so long runs in hostile text cost no backtracking."""
    return pattern.replace(r"\s+", r"\s{1,8}").replace(r"\s*", r"\s{0,8}").replace(r"[\s\-]+", r"[\s\-]{1,12}")


def _vertebra_pattern(aliases: dict) -> str:
    """VERTEBRA with each region's alias letters ("d" beside "t")."""
    pattern = VERTEBRA
    for region in sorted(set(aliases.values())):
        letters = "[" + region + "".join(sorted(a for a, r in aliases.items() if r == region)) + "]"
        pattern = pattern.replace(f"{region}1[", f"{letters}1[").replace(f"{region}[1", f"{letters}[1")
    return pattern


class _Names:
    """The parts of a root's name, as regex texts: the vertebra, a side word before it, one after it."""

    def __init__(self, grammar: dict) -> None:
        aliases = grammar.get("vertebra_aliases") or {}
        self.vertebra = _vertebra_pattern(aliases)
        self.regions = "ctls" + "".join(sorted(aliases))  # every letter a vertebra's name can start with
        sides = [w for words in (grammar.get("root_name_sides") or {}).values() for w in words]
        self.side_words = _alternation(sides)
        self.side = rf"(?:(?:{self.side_words})\.?\s+)?"
        # A side after the name is a whole side word, never a lone letter ("L5 L S1" lists vertebrae).
        self.long_sides = [w for w in sides if len(w) > 2]  # "lt", "rt", "l", "r" have a look-ahead of their own
        self.side_after = r"(?:\s+(?:%s))?" % _alternation([w for w in sides if len(w) > 1])
        # Joiners written out, not as a trie: the trie lets spaces around "&" and "/" match inside the joiner
        # too, and the list would backtrack through every way of splitting them.
        joiners = sorted((" ".join(str(w).split()) for w in grammar.get("name_joiners") or []), key=len, reverse=True)
        self.joiners = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in joiners if w)
        self.joiner_starts = "".join(sorted({w[0] for w in joiners if w}))
        # "(S1)": a name in brackets.
        self.name = rf"\(?{self.vertebra}\)?"


def _root_regex(anatomy: dict, roles: list[str], parts: _Names) -> re.Pattern:
    name = parts.name
    side = parts.side
    # A list of at most a dozen names: unbounded, every vertebra of a long bare list ("L4, L4, ...") would
    # start a scan to the list's end, and the search would take time growing with the square of its length.
    names = (rf"{side}{name}(?>\s*(?:{parts.joiners})\s*(?:the\s+)?{side}{name}){{0,11}}"
             rf"{parts.side_after}")
    heads = _alternation(anatomy.get("root_heads", []))
    role = _alternation(roles)
    also_root = r"(?:\s+and\s+(?:the\s+)?(?:(?:%s)\s+)?(?:nerve\s+)?roots?)?" % role
    # ... or a root name in the plural ("both L5s pinched"): vertebrae are not counted so.
    named = (rf"(?<![\w\-/])(?:{names}(?:\s+(?:{role}))?\s+(?:{heads}){also_root}(?![a-z0-9])"
             rf"|{side}{parts.vertebra}s(?![a-z0-9])"
             # ... or named after the head, in brackets or not ("Lt exit nerve root (S1)", "nerve root C7")
             rf"|(?:(?:{role})\s+)?(?:{heads})\s*(?:\(\s*{parts.vertebra}\s*\)|{parts.vertebra}(?![\w\-/])))")
    bare = (rf"(?<![a-z0-9])(?:{role})\s+{side}{parts.vertebra}"
            rf"(?:\s+(?:{heads}){also_root}(?![a-z0-9])|(?![\w\-/]))")
    generic = _alternation(list(anatomy.get("generic_roots", [])) + list(anatomy.get("central_roots", []))
                           + ["root", "roots"])
    neural = r"neural(?=[\s\-]+(?:%s)(?![a-z0-9]))" % _alternation(anatomy.get("neural_before", []))
    # A look-ahead of the three letters a root mention can start with lets the engine skip other positions.
    starts = {phrase_key(w)[:3] for w in _spelled(list(anatomy.get("generic_roots", []))
                                                  + list(anatomy.get("central_roots", []))
                                                  + roles + ["root", "neural"] + parts.long_sides)}
    # A character class first: the engine rejects most positions on one character.
    regions = parts.regions
    first_chars = "".join(sorted({s[0] for s in starts} | set(regions) | {"r", "("}))
    # A mention that opens with a vertebra is a name followed by a space, a joiner ("L4, L5 and S1 roots") or
    # a plural's "s" ("both L5s"): a level ("L4-5") fails on the character after its vertebra.
    after_name = re.escape(parts.joiner_starts + "s")
    prefix = f"(?=[{re.escape(first_chars)}])(?=" + "|".join(re.escape(s) for s in sorted(starts)) \
        + rf"|\(?[{regions}]\d{{1,2}}\)?[\s{after_name}]|lt|rt|[lr]\s)"
    pattern = (rf"{prefix}(?:(?P<named>{named})|(?P<bare>{bare})"
               rf"|(?<![a-z0-9])(?P<generic>(?:{generic})(?![a-z0-9])|{neural}))")
    return re.compile(_bounded(pattern))


def _level_regex(levels: dict, parts: _Names, units: str) -> re.Pattern:
    # A look-ahead for a vertebra ("l4") lets the engine skip other positions; the character before a
    # match is checked by the caller.
    v = parts.vertebra
    regions = parts.regions
    second = rf"(?:[{regions}]\s?)?\d{{1,2}}"
    return re.compile(_bounded(
        rf"(?=[{regions}]\d)(?:"
        # ... "L5/S1levels": a level glued to the word "level(s)"
        rf"(?P<a>{v})\s?(?:-|/|_)\s?(?P<b>{second})(?:(?![\w])|(?=levels?(?![a-z])))"
        rf"|(?P<c>{v})\s+on\s+(?P<d>{v})(?![\w\-/])"
        rf"|(?P<e>{v})\s(?P<f>{v})(?![\w\-/])"
        # Dictation that drops the hyphen ("L4 5"); never a measurement ("L4 5 mm").
        rf"|(?P<h>{v})\s(?P<i>\d)(?![\w\-/]|[.,]\d|\s?(?:{units}|x)\b)"
        rf"|(?P<g>l[1-5][1-6]|c[1-7][2-8]|l5s1|c7t1|t12l1|l6s1)(?![\w])"
        rf"|(?P<s>{v})(?![\w\-/])"
        rf")"
    ))


def _vertebra_index(levels: dict) -> dict:
    index: dict = {}
    position = 0
    for region, count in levels.get("vertebrae", {}).items():
        for number in range(1, int(count) + 1):
            index[f"{region}{number}"] = position
            position += 1
    return index


def _section_patterns(data: dict):
    header_sections: dict = {}
    finding_sections = set()
    quoted_sections = set()
    for section, spec in data.get("sections", {}).items():
        if str(spec.get("findings")).lower() in ("true", "yes"):
            finding_sections.add(section)
        elif str(spec.get("findings")).lower() == "quoted":
            quoted_sections.add(section)
        for header in spec.get("headers", []):
            header_sections[phrase_key(header)] = section
    words = _alternation(header_sections)
    # Each pattern consumes the character before the header (a line break or a field separator), so the
    # regex engine can skip quickly to candidate positions; the text is scanned with a line break before it.
    # The runs of blanks allow for inline markup blanked out before a header ("<b><span ...>IMPRESSION:").
    header_re = re.compile(rf"[\n.;,|>][ \t*#\-•]{{0,60}}(?P<h>{words})[ \t]{{0,60}}(?::|-(?=\s)|(?=\n)|$)")
    caps_re = re.compile(rf"\n[ \t*#\-•]{{0,60}}(?P<h>{words})[ \t]{{1,8}}(?=\S)")
    return header_re, caps_re, header_sections, frozenset(finding_sections), frozenset(quoted_sections)


def _imaging_label_regex(data: dict) -> re.Pattern:
    words = _alternation(data.get("imaging_label_words", []))
    dated = _alternation(data.get("not_imaging_label_words", []))
    # Up to two words before the study word, none of them dating it; then up to 80 characters of the label
    # (no sentence end; parentheses may hold a colon, as in a time) and its colon.
    return re.compile(rf"\n[ \t*#\-•]{{0,8}}(?P<h>(?:(?!(?:{dated})(?![a-z]))[a-z][a-z\-/]{{0,20}}[ \t]+){{0,2}}"
                      rf"(?:{words})(?![a-z0-9])(?:[^\n:.()]|\([^\n()]{{0,80}}\)){{0,80}}):")


def _disc_kinds(cause_data: dict, entries: dict) -> dict:
    """The Lexicon fields that name a disc's kind from the first letters of the word after it (causes.yaml
    ``disc_heads``, ``kind_prefix``): each prefix of the one-word entries of the disc causes but the bulge, kept
    when all its words are of one cause."""
    size = int(cause_data.get("kind_prefix") or 0)
    heads = cause_data.get("disc_heads") or []
    if not size or not heads:
        return {}
    kinds: dict = {}
    for key, entry in entries.items():
        if entry.kind == CAUSE and key.isalpha() and len(key) > size and str(entry.value).startswith("disc-") \
                and entry.value != "disc-bulge":
            kinds.setdefault(key[:size], set()).add(entry.value)
    return {"disc_heads": frozenset(phrase_key(str(h)) for h in heads),
            "disc_kind_re": re.compile(rf"(?<![a-z])(?:{_alternation(heads)})[ \t]+(([a-z]{{{size}}})[a-z]{{2,}})(?![a-z])"),
            "disc_kinds": {prefix: values.pop() for prefix, values in kinds.items() if len(values) == 1}}


def _filler_regex(words) -> re.Pattern:
    alternatives = _alternation(words)
    # "+" and "&" join like "and" in telegraphic reports ("mild canal + foraminal stenosis"); a full stop inside
    # a sentence is an abbreviation's ("mod. L NFN").
    return re.compile(rf"[\s,/()\-+&.]*(?:(?:{alternatives})(?![a-z0-9])[\s,/()\-+&.]*)*")


@lru_cache(maxsize=8)
def _load(directory: str) -> Lexicon:
    path = Path(directory)
    anatomy = _read(path, "anatomy.yaml")
    levels = _read(path, "levels.yaml")
    builder = _Builder()
    _add_assertion(builder, _read(path, "assertion.yaml"))
    central = _add_anatomy(builder, anatomy)
    _add_ladder(builder, _read(path, "ladder.yaml"))
    cause_data = _read(path, "causes.yaml")
    for cause, phrases in cause_data.get("causes", {}).items():
        builder.add_all(phrases, Entry(CAUSE, cause))
    grade_data = _read(path, "grades.yaml")
    _add_grades(builder, grade_data)
    for level, phrases in levels.get("named_levels", {}).items():
        builder.add_all(phrases, Entry(LEVEL, (level,), LevelDetail(False)))
    roles = [p for phrases in anatomy.get("roles", {}).values() for p in phrases]
    section_data = _read(path, "sections.yaml")
    header_re, caps_re, header_sections, finding_sections, quoted_sections = _section_patterns(section_data)
    single_after = _alternation(levels.get("single_vertebra_after", []))
    not_after = _alternation(levels.get("not_a_level_after", []))
    not_single_after = _alternation(levels.get("not_a_single_vertebra_after", []))
    transitional = frozenset(tuple(pair) for pair in levels.get("transitional", []))
    not_typos = frozenset(phrase_key(w) for w in _spelled(anatomy.get("not_typos")))
    grammar = _read(path, "grammar.yaml")
    parts = _Names(grammar)

    def words(key: str) -> str:
        """The alternation of grammar.yaml's words under ``key``."""
        return _alternation(grammar.get(key) or [])

    root_re = _root_regex(anatomy, roles, parts)
    from service.extract.typos import (  # noqa: PLC0415 - typos imports this module
        build_first_word_index, build_pair_index, build_typo_index,
    )

    typo_index = build_typo_index(builder.entries, not_typos)
    _add_abbreviations(builder, anatomy.get("abbreviations") or {})
    return Lexicon(
        typo_index=typo_index,
        typo_pairs=build_pair_index(builder.entries, not_typos),
        typo_firsts=build_first_word_index(builder.entries, not_typos),
        **_disc_kinds(cause_data, builder.entries),
        not_abbreviation_after_re=re.compile(
            rf"(?<![a-z0-9])(?:{_alternation(anatomy.get('abbreviations_not_after', []))})[\s:]{{1,3}}$"),
        not_abbreviation_before_re=re.compile(
            rf"[\s:.]{{1,3}}(?:{_alternation(anatomy.get('abbreviations_not_before', []))})(?![a-z0-9])"),
        not_typos=not_typos,
        entries=builder.entries,
        phrases=PhraseScanner(builder.entries),
        root_re=root_re,
        role_res=tuple((role, re.compile(rf"(?<![a-z])(?:{_alternation(phrases)})(?![a-z])"))
                       for role, phrases in anatomy.get("roles", {}).items()),
        root_scan_re=after_boundary(root_re.pattern, root_re.flags),

        level_re=_level_regex(levels, parts, _literal(grammar.get("measurement_units"))),
        named_level_word_re=re.compile(_alternation(
            [phrase.split()[0] for phrases in levels.get("named_levels", {}).values() for phrase in phrases])),
        vertebra_aliases=dict(grammar.get("vertebra_aliases") or {}),
        name_side_words={phrase_key(w): side for side, words in (grammar.get("root_name_sides") or {}).items()
                         for w in words},
        # A side word is a word of its own: the "r" ending "or" is none ("the L5 or S1 root").
        root_name_re=re.compile(rf"(?:(?<![a-z0-9])({parts.side_words})\.?\s+)?\(?({parts.vertebra})\)?(?![\d])"
                                rf"(?:\s+({parts.side_words})(?![a-z0-9]))?"),
        verb_object_re=re.compile(
            rf"[ \t]{{1,4}}(?:({words('object_prepositions')})[ \t]{{1,4}})?"
            rf"(?:the[ \t]{{1,4}})?((?:(?:{parts.side_words})\.?[ \t]{{1,4}})?{parts.vertebra})(?![\w\-/])"),
        sided_name_before_re=re.compile(rf"(?<![a-z0-9])((?:{parts.side_words})\.?[ \t]{{1,4}}{parts.vertebra})"
                                        r"[ \t]{1,4}$"),
        clause_names_re=_clause_names_regex(parts, anatomy),
        causal_re=re.compile(rf"(?<![a-z])(?:{words('causal_connectives')})(?![a-z])"),
        leads_to_re=re.compile(rf"(?<![a-z])(?:{words('leads_to')})(?![a-z])"),
        origin_re=re.compile(rf"(?<![a-z])(?:{words('origin_words')})\s+(?:the\s+)?(?:[a-z]+\.?\s+)?$"),
        object_and_re=re.compile(rf"[\s,]*(?:{words('object_coordinators')})(?:\s|$)"),
        object_gap_re=re.compile(rf"[\s,]*(?:(?:{words('object_coordinators')})[\s,]*)?"
                                 r"(?:the\s+)?"),
        root_list_re=re.compile(rf"[\s,]*(?:{words('root_list_coordinators')})"
                                r"\s*(?:also\s+)?(?:the\s+)?"),
        cause_list_re=re.compile(rf"[\s,]*(?:(?:{words('cause_coordinators')})\s+)?"
                                 rf"(?:(?:{words('cause_determiners')})\s+)?"),
        relative_re=re.compile(rf"[\s,]*(?:{words('relative_words')})[\s,]*"),
        object_pronouns=frozenset(phrase_key(w) for w in grammar.get("object_pronouns") or []),
        object_preposition_re=re.compile(
            rf".{{0,5}}?\s(?:{words('object_prepositions')})(?![a-z])"),
        plural_root_re=re.compile(rf"(?:{_alternation(anatomy.get('plural_root_words') or [])})(?![a-z])"
                                  r"|(?<=\d)s$"),
        central_context_re=re.compile(rf"(?<![a-z])(?:{_alternation(anatomy.get('central_context_words') or [])})"
                                      r"(?![a-z])"),
        central_root_re=re.compile(rf"(?<![a-z])(?:{_alternation(anatomy.get('central_root_words') or [])})"
                                   r"(?![a-z])"),
        not_a_root_after_re=re.compile(rf"[ \t]*(?:{words('not_a_root_after')})"),
        single_before_re=re.compile(rf"(?<![a-z0-9])(?:{single_after})[\s\-]+(?:the[\s\-]+)?(?:level[\s\-]+of[\s\-]+)?$"),
        not_level_after_re=re.compile(rf"[\s\-]{{0,8}}(?:{not_after})(?![a-z0-9])"),
        not_single_after_re=re.compile(rf"[\s\-]{{0,8}}(?:{not_single_after})(?![a-z0-9])"),
        filler_re=_filler_regex(anatomy.get("filler", [])),
        header_re=header_re,
        caps_header_re=caps_re,
        header_sections=header_sections,
        finding_sections=finding_sections,
        quoted_sections=quoted_sections,
        radiology_header_words=tuple(w.lower() for w in section_data.get("radiology_header_words", [])),
        imaging_re=trie_regex(phrase_key(w) for w in _spelled(section_data.get("imaging_words"))),
        imaging_label_re=_imaging_label_regex(section_data),
        level_line_opener_re=re.compile(
            rf"(?:{_alternation(section_data.get('level_line_openers') or [])})[ \t]+(?=[a-z]\d)"),
        vertebra_index=_vertebra_index(levels),
        transitional=transitional,
        range_words=frozenset(phrase_key(w) or w.strip() for w in levels.get("range_words", [])) - {""},
        # Compared without spaces: ", and" is ",and" too.
        list_words=frozenset((phrase_key(w) or w.strip()).replace(" ", "") for w in _spelled(levels.get("list_words")))
        - {""},
        verb_degree_re=re.compile(rf"(?<![a-z])(?:{_alternation(grade_data.get('verb_degree_words', []))})[ \t]+$"),
        degree_head_re=re.compile(rf"(?:{_alternation(grade_data.get('verb_degree_words', []))})(?=[ \t])"),
        degree_word_re=re.compile(_alternation(grade_data.get('verb_degree_words', []))),
        span_openers_re=re.compile(rf"(?<![a-z0-9])(?:{_alternation(levels.get('span_openers', []))})[\s\-]+$"),
        root_central_keys=central,
        source=str(path),
        **_grammar_patterns(grammar),
    )


def _grammar_patterns(grammar: dict) -> dict:
    """The Lexicon fields built from grammar.yaml's small words (see its comments for each category)."""
    def words(key: str, space: str = r"\s+") -> str:
        return _literal(grammar.get(key), space)

    def texts(key: str) -> frozenset:
        return frozenset(_variants(grammar.get(key)))

    abbreviations = words("abbreviations", r"\s")  # "etc. al": one blank at most, as in the text's short forms
    object_words = words("narrowing_object_words", r"[\s\-]+")
    return dict(
        abbreviation_re=re.compile(rf"(?<![A-Za-z]){abbreviations}$", re.I),
        dangling_re=re.compile(rf"(?<![A-Za-z]){words('dangling_words')}[ \t]*$", re.I),
        continuing_re=re.compile(rf"[ \t]*{words('continuing_openers')}(?![A-Za-z])", re.I),
        wrap_opener_re=re.compile(
            r"[ \t]*(?:[CTLS]\d{1,2}(?!\d|\s*[-/\u2013]\s*[CTLS]?\d|\s*[:|])"
            rf"|\d+(?:\.\d+)?\s*{words('measurement_units')}\b|[A-Z]{{2,5}}\b(?!\s*:))"),
        grade_shorthand_re=re.compile(rf"(?<![A-Za-z]){words('grade_shorthands')}$", re.I),
        grade_continues_re=re.compile(rf"[ \t]+(?:[a-z]|{words('grade_shorthand_sides')}[ \t]+[A-Za-z])"),
        column_sides_re=re.compile(rf"\(?\s*({words('column_sides')})\s*/\s*({words('column_sides')})\s*\)?", re.I),
        hist_modifier_re=re.compile(rf".*{words('historical_participles')}$"),
        new_item_gap_re=re.compile(rf"[^,]*,\s*(?:{words('new_item_joiners')}\s+)?$"),
        new_clause_gap_re=re.compile(
            rf".*(?<![a-z]){words('clause_joiners')}\s+{words('clause_subjects')}\s+(?:\S+\s+){{0,2}}$"),
        still_words=texts("still_words"),
        grade_negators=texts("grade_negators"),
        copula_re=re.compile(
            rf"(?:\s+(?:{words('copulas')}|{words('changes')}(?:\s+{words('change_from')}"
            rf"(?:\s+[a-z\-]+\s+{words('change_to')})?|\s+{words('change_to')})?)"
            rf"(?:\s+{words('copula_adverbs')})?|,?\s+{words('now_words')})\s+$"),
        change_from_re=re.compile(rf"(?<![a-z]){words('change_from')}\s+$"),
        change_to_infixes=tuple(f" {w} " for w in _variants(grammar.get("change_to"))),
        now_re=re.compile(rf"[\s,;(]*{words('now_phrases')}\s+$"),
        disc_motion_re=re.compile(rf"[ \t]+{words('disc_motion_words')}(?![a-z])"),
        side_grade_link_re=re.compile(rf"[\s,]*(?:{words('side_grade_links')}\s+)?"),
        relative_bridge_re=re.compile(words("relative_bridges")),
        relative_copulas=frozenset(v for v in _variants(grammar.get("relative_bridges")) if " " in v),
        narrowing_object_re=re.compile(rf"[\s\-]*(?:{object_words}[\s\-]+)?"),
        sac_narrowing_re=re.compile(words("sac_narrowing_words")),  # matched at a word's start: its longer forms too
        exception_re=re.compile(words("exception_words")),
        denial_values=texts("denial_values"),
        header_after_re=re.compile(rf"\s{{0,8}}{words('level_header_words')}?\s{{0,8}}"
                                   r"(?:\([^()\n]{0,40}\)\s{0,4})?(?:[:|]|-\s|\u2013)"),
        level_intro_re=re.compile(rf"\s*(?:,\s*)?(?:{words('level_introducers')}\s+)?"),
        location_coordinator_re=re.compile(rf"[\s,]*(?:{words('location_coordinators')})?[\s,]*"),
        object_coordinator_re=re.compile(
            rf"[\s,]*(?:{words('location_coordinators')})[\s\-]+(?:{object_words}[\s\-]+)?"),
        landmark_re=re.compile(rf"(?<![a-z]){words('landmark_words')}\s+(?:{words('level_introducers')}\s+)?$"),
        subject_gap_re=re.compile(rf"[\s,]*{words('clause_subjects')}\s+"),
        emphasis_re=re.compile(rf"(?<![a-z]){words('emphasis_words')}[\s,]+(?:{words('level_introducers')}\s+)?$"),
        passive_pronoun_re=re.compile(rf"{words('passive_pronouns')}(?![a-z])"),
        side_subject_re=re.compile(rf"[\s\-*•]*(?:{words('side_subject_openers')}\s+)?$", re.I),
        side_item_re=re.compile(rf"[\s,]*(?:{words('new_item_joiners')})\s+(?:(?:{words('side_prepositions')})\s+)?"
                                rf"(?:the\s+)?$"),
        side_phrase_re=re.compile(rf"{words('side_prepositions')}\s"),
        counting_sides=texts("counting_sides"),
        each_side_re=re.compile(rf"(?<![a-z]){words('each_side_determiners')}\s+(?:the\s+)?$"),
        passive_copula_re=re.compile(rf"\s+{words('side_subject_copulas')}\s+"),
        run_on_opener_re=re.compile(rf"\s+{words('run_on_level_openers')}\s+"),
        run_on_lead_re=re.compile(rf"\s+{words('run_on_level_leads')}\s+"),
        capital_only_sides=texts("capital_only_sides"),
        disjunctive_re=re.compile(rf"(?<![a-z]){words('disjunctive_joiners')}(?![a-z])"),
        glued_re=re.compile(rf"(?<![a-z]){words('glued_words')}([a-z]{{5,}})(?![a-z])"),
        glued_one_word=all(word.isalpha() and word.isascii() for word in texts("glued_words")),
    )


def _clause_names_regex(parts: _Names, anatomy: dict) -> re.Pattern:
    """Root names heading a clause after a label that names roots ("Roots: left L3 contacted; R L5 ...")."""
    name = rf"(?:(?:{parts.side_words})\.?[ \t]{{1,4}})?{parts.vertebra}"
    both = _alternation([w for w in (anatomy.get("sides") or {}).get("bilateral", []) if " " not in w])
    return re.compile(rf"[ \t]*[:;,][ \t]*(?:(?:{both})[ \t]{{1,4}})?"
                      rf"({name}(?:[ \t]*(?:{parts.joiners})[ \t]*{name}){{0,11}})(?![\w\-/])")


def load_lexicon(directory: str | Path | None = None) -> Lexicon:
    """The compiled lexicon of ``directory`` (default: the packaged ``mappings/extraction``)."""
    return _load(str(Path(directory) if directory else DEFAULT_DIR))
