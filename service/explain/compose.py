"""Patient sentences built from parts: rung, grade, root, side, level, cause and assertion.

Each part comes from the language's phrasebook (mappings/explain/<lang>.yaml) with its number and,
where the language needs it, its gender, so that verbs and side words agree ("bone spurs are",
"la raíz nerviosa L5 izquierda", "los forámenes de ambos lados están estrechos").
Nothing here adds a fact: a hedged finding keeps "may", a denied one is only "not seen", an
impingement of unstated degree keeps its word and is never put on a rung.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.explain.grades import adds_to_severity, plain_grade, read_grade_words, severity_grade_words
from service.extract.finding import Finding

LADDER_RUNGS = ("contact", "displacement", "compression")
_BELOW_MILD = {"minimal", "borderline"}
ADEQUATE = "adequate"  # the severity_text of a denial the report words as "adequate" (ownwords.py) ...
# ... followed by how the report put it: "adequate/still" ("remains adequate"), "adequate/seems" ("appears adequate").
UNSTATED = "unstated"


def adequate_way(finding: Finding) -> str | None:
    """How the report called the canal adequate ("plain", "still", "seems"), or None when it did not."""
    written, _, way = (finding.severity_text or "").partition("/")
    return (way or "plain") if written == ADEQUATE else None


@dataclass(frozen=True)
class Phrase:
    """A noun phrase with the grammar its verb and adjectives must follow."""

    text: str
    many: bool = False
    gender: str | None = None

    @property
    def number(self) -> str:
        return "many" if self.many else "one"


def rung_key(finding: Finding) -> str:
    """The ladder entry of a nerve-root finding; impingement or no stated degree stays off the rungs."""
    if finding.degree in LADDER_RUNGS or finding.degree == "impingement":
        return finding.degree
    return UNSTATED


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _side_word(book: dict, side: str, gender: str | None) -> str:
    word = book["sides"][side]
    return word[gender or "f"] if isinstance(word, dict) else word


def _noun(book: dict, form: dict, **slots) -> Phrase:
    gender = form.get("gender")
    side = slots.pop("side", None)
    if side in book["sides"]:
        slots["side"] = _side_word(book, side, gender)
    return Phrase(form["phrase"].format_map(slots), bool(form.get("many")), gender)


def nerve_root_object(book: dict, finding: Finding) -> Phrase:
    """The root as the report names it ("the right L5 nerve root"); an inferred root is said apart."""
    forms = book["nerve_root"]
    one_side = finding.side in ("left", "right")
    both = finding.side == "bilateral"
    if finding.root:
        key = "named_side" if one_side else "named_plural" if both and finding.side_plural \
            else "named_both" if both else "named"
    else:
        key = "side" if one_side else "plural" if both and finding.side_plural else "both" if both else "unnamed"
        if key == "unnamed" and finding.assertion != "absent":
            key = "unnamed_stated"  # a root of no stated side: "one or both", never "the roots" as if both
    return _noun(book, forms[key], root=finding.root, side=finding.side)


def opening_object(book: dict, finding: Finding) -> Phrase:
    """The narrowed opening: a foramen, a lateral recess or the canal, with its side."""
    forms = book["openings"][finding.type]
    if finding.side in ("left", "right"):
        key = "side"
    elif finding.side == "bilateral":
        # "the exit neural canals" with no side word: the openings, not "on both sides" (Finding.side_plural).
        key = "unsided_many" if finding.side_plural else "both"
    elif finding.side_inferred in ("left", "right") and finding.level and "inferred" in forms:
        # No side word, but the opening is the object of a sided structure's verb ("Lt paracentral bulge ...
        # compressing ... exit neural canal"): one opening, likely that side's (Finding.side_inferred).
        return _noun(book, forms["inferred"], side=finding.side_inferred)
    else:
        # A denial, or a finding placed at no level ("multilevel ... encroaching exit canals"), speaks of the
        # openings in general: the plural. At a level with no side, the page cannot tell one opening from
        # both ("foraminal narrowing" beside a central disc): "one or both".
        key = "unsided_many" if finding.assertion == "absent" or finding.level is None else "unsided"
    return _noun(book, forms[key], side=finding.side)


def cause_subject(book: dict, causes: list[str]) -> Phrase:
    """What presses on the root, joined with "and"; "something" when the report names nothing."""
    # An unknown cause beside named ones says nothing more ("something and scar tissue"): leave it out.
    named = [cause for cause in dict.fromkeys(causes) if cause in book["causes"] and cause != "other"]
    known = [book["causes"][cause] for cause in named] or \
        [book["causes"].get(cause, book["causes"]["other"]) for cause in dict.fromkeys(causes)][:1]
    if not known:
        return Phrase(book["nobody"]["phrase"], bool(book["nobody"].get("many")))
    joined = join_list(book, [entry["phrase"] for entry in known])
    return Phrase(joined, len(known) > 1 or bool(known[0].get("many")))


def join_list(book: dict, words: list[str]) -> str:
    """"a", "a and b", "a, b and c" in the phrasebook's language."""
    if len(words) == 1:
        return words[0]
    return book["list_comma"].join(words[:-1]) + book["and"] + words[-1]


def _level_intro(book: dict, finding: Finding, with_level: bool = True) -> str:
    """"At L4-L5, "; for a stated or hedged finding placed at no level, "At one or more levels, ": the report
    may speak of several ("multilevel bulges") or name one the engine could not read, and the page must not
    read as one place. A denial at no level is the report's own, for the whole scan: no intro. A finding the
    report states at several levels, this one the most affected (Finding.multilevel), says so even under its
    level's heading: the other levels have no finding of their own on the page. One named root on one side
    ("the right S1 nerve root") is at one level the report does not name."""
    if finding.level and finding.multilevel:
        return book["level_intro_most"].format(level=finding.level)
    if not with_level:
        return ""
    if finding.level:
        return book["level_intro"].format(level=finding.level)
    if finding.assertion == "absent":
        return ""
    # One named root on one side is one place, even when the report does not say which level.
    one_place = finding.root and finding.side in ("left", "right") and not finding.multilevel
    return book["no_level_intro_one" if one_place else "no_level_intro"]


def _finish(book: dict, sentences: list[str]) -> str:
    text = " ".join(sentence_case(sentence) for sentence in sentences if sentence)
    for written, contracted in book.get("contractions", {}).items():
        text = text.replace(written, contracted)
    return text


def _grade_sentence(book: dict, severity: str | None, written: str | None = None) -> str:
    """"The report calls it severe", with the radiologist's own word beside it when it adds one."""
    grade = book["grades"].get(severity) if severity else None
    said = read_grade_words(written) if written and written.strip() else None
    if grade:
        if said and adds_to_severity(said, severity):
            # The radiologist's own meaning when it is less than any grade ("minimal", "borderline"): never the
            # engine's rounding up to "mild".
            below = said.meanings and set(said.meanings) <= _BELOW_MILD
            return book["grade_sentence_said"].format(grade=(below and plain_grade(book, said)) or grade,
                                                      words=said.written)
        return book["grade_sentence"].format(grade=grade)
    if said:
        if said.meanings and set(said.meanings) == {"large"} and "grade_sentence_large" in book:
            # "Largely compressing": an extent, not a grade ("un grado alto" would state a severity).
            return book["grade_sentence_large"]
        plain = plain_grade(book, said)
        if plain:
            return book["grade_sentence"].format(grade=plain)
        return book["grade_sentence_quoted"].format(words=said.written)
    return ""


def denial_limit(book: dict, written: str, gender: str | None) -> str:
    """The grade words a denial was limited to, said plainly for the phrase's {limit} ("significant "), or ""."""
    plain = plain_grade(book, read_grade_words(written), gender or "m")
    if plain:
        return book["absent_grade"].format(grade=plain)
    # Words we cannot say plainly are never pasted into the denial: they stay in the quote line.
    return book["absent_grade_unclear"]


def _denial_limit(book: dict, finding: Finding, gender: str | None) -> str:
    """The grade a denial was limited to ("significant " in "no significant narrowing"), or ""."""
    written = finding.severity_text.strip() if finding.severity_text else ""
    if written:
        return denial_limit(book, written, gender)
    if not finding.severity:
        return ""
    plain = plain_grade(book, severity_grade_words(finding.severity), gender or "m")
    return book["absent_grade"].format(grade=plain) if plain else ""


def _term(book: dict, term: str) -> str:
    return book["term_wrap"].format(term=term) if term else ""


def nerve_root_sentence(book: dict, finding: Finding, with_level: bool = True) -> str:
    root = nerve_root_object(book, finding)
    intro = _level_intro(book, finding, with_level)
    key = rung_key(finding)
    if finding.assertion == "absent":
        denial = book["nerve_root_absent"][key]
        limit = _denial_limit(book, finding, denial.get("gender"))
        return _finish(book, [intro + denial["phrase"].format(object=root.text, limit=limit), _partial_denial(book, finding)])
    rung = book["rungs"][key]
    subject = cause_subject(book, finding.cause)
    clause = rung[finding.assertion][subject.number].format(subject=subject.text, object=root.text)
    sentences = [intro + clause + _term(book, rung["term"]) + "."]
    if not finding.root and finding.root_inferred:
        form = "unsided" if finding.side is None else root.number  # "one or both": the nerve, on one side or both
        sentences.append(book["inferred_root"][form].format(root=finding.root_inferred))
    grade = _grade_sentence(book, finding.severity, finding.severity_text)
    sentences.append(grade)
    if key not in LADDER_RUNGS and not grade:
        sentences.append(book["unstated_degree"])
    return _finish(book, sentences)


def opening_sentence(book: dict, finding: Finding, with_level: bool = True, name_root: bool = True) -> str:
    opening = opening_object(book, finding)
    intro = _level_intro(book, finding, with_level)
    way = adequate_way(finding) if finding.assertion == "absent" else None
    if way:
        # "The canal remains adequate": enough room, which is not "no narrowing" (ownwords.py); "appears
        # adequate" keeps its hedge.
        return _finish(book, [intro + book["opening_adequate"][way][opening.number].format(object=opening.text)])
    if finding.assertion == "absent":
        limit = _denial_limit(book, finding, book["opening_absent"].get("gender"))
        denial = intro + book["opening_absent"]["phrase"].format(object=opening.text, limit=limit)
        return _finish(book, [denial, _partial_denial(book, finding)])
    clause = book["narrowed"][_narrowed_way(finding)][opening.number].format(object=opening.text)
    term = book["openings"][finding.type]["term"]
    return _finish(book, [intro + clause + _term(book, term) + ".", _likely_root_sentence(book, finding) if name_root else "",
                          _narrowing_cause(book, finding), _grade_sentence(book, finding.severity, finding.severity_text)])


def _narrowed_way(finding: Finding) -> str:
    """"present", "possible", or "borderline" for a stated narrowing the report grades only as borderline
    ("the canal is borderline stenotic"): at the edge of narrow, which "is narrow" would overstate."""
    if finding.assertion == "present" and finding.severity_text:
        meanings = read_grade_words(finding.severity_text).meanings
        if meanings and set(meanings) == {"borderline"}:
            return "borderline"
    return finding.assertion


def _narrowing_cause(book: dict, finding: Finding) -> str:
    """What the report says narrows the opening ("A disc bulge causes this narrowing."), or "" when it names
    nothing (a narrowing is never said to come from "something")."""
    if not any(cause in book["causes"] and cause != "other" for cause in finding.cause):
        return ""
    subject = cause_subject(book, finding.cause)
    return book["narrowing_cause"][finding.assertion][subject.number].format(subject=subject.text)


def likely_root(finding: Finding) -> str | None:
    """The root that likely passes through a narrowed foramen or lateral recess, by the level's anatomy.

    A foramen carries the root named for the upper vertebra in the lower and upper back ("L4-L5": L4)
    and the lower one in the neck ("C5-C6": C6; "C7-T1": C8); a lumbar lateral recess the root that
    goes on to the next foramen ("L4-L5": L5). None for the canal, a denial or an unusual level.
    """
    if finding.type not in ("foraminal-stenosis", "lateral-recess-stenosis") or finding.assertion == "absent":
        return None
    match = _DISC_LEVEL.fullmatch(finding.level or "")
    if not match:
        return None
    upper, lower = match[1] + match[2], match[3] + match[4]
    if upper[0] == "C":
        return "C8" if upper == "C7" else lower
    if finding.type == "lateral-recess-stenosis":
        return lower if upper[0] == "L" or upper == "T12" else None
    return upper


_DISC_LEVEL = re.compile(r"([CTL])(\d{1,2})-([CTLS])(\d{1,2})")


def _likely_root_sentence(book: dict, finding: Finding) -> str:
    root = likely_root(finding)
    if not root:
        return ""
    forms = book["likely_root"]
    if finding.side == "bilateral":
        return forms["both"].format(root=root)
    if finding.side is None:
        return forms["unsided"].format(root=root)  # "one or both" openings: no "it"
    side = _side_word(book, finding.side, forms.get("gender")) if finding.side in ("left", "right") else ""
    return forms["one"].format(root=root, side=forms["side"].format(side=side) if side else "")


def _partial_denial(book: dict, finding: Finding) -> str:
    """What a denial limited to a grade leaves open, in plain words ("A smaller amount was not ruled out.")."""
    written = finding.severity_text.strip() if finding.severity_text else ""
    if not written and not finding.severity:
        return ""
    meanings = read_grade_words(written).meanings if written else ("limited",)
    if meanings is None:
        return book["partial_denial"]["unknown"]
    if set(meanings) <= {"clear", "borderline"}:
        return book["partial_denial"]["unclear"]
    return book["partial_denial"]["smaller"]


def finding_sentence(book: dict, finding: Finding, with_level: bool = True, name_root: bool = True) -> str:
    """The patient sentence (or two) for one finding, also used as its Observation note.

    ``with_level=False`` leaves out "At L4-L5," for a list that already sits under that level;
    ``name_root=False`` leaves out the root that likely passes through a narrowed opening (when the
    report itself says which root is affected there).

    Sentences are remembered per phrasebook and finding fields (not the evidence): the same finding
    comes back in many reports, and a page asks for each sentence two or three times.
    """
    key = (id(book), finding.type, finding.level, finding.root, finding.side, finding.degree, finding.severity,
           finding.assertion, finding.zone, finding.role, tuple(finding.cause), finding.root_inferred,
           finding.severity_text, finding.multilevel, finding.side_inferred, finding.side_plural, with_level, name_root)
    known = _SENTENCES.get(key)
    if known is not None and known[0] is book:  # the book itself is kept, so its id is never reused
        return known[1]
    if finding.type == "nerve-root":
        sentence = nerve_root_sentence(book, finding, with_level)
    else:
        sentence = opening_sentence(book, finding, with_level, name_root)
    if len(_SENTENCES) >= _MOST_SENTENCES:
        _SENTENCES.clear()
    _SENTENCES[key] = (book, sentence)
    return sentence


_SENTENCES: dict[tuple, tuple[dict, str]] = {}
_MOST_SENTENCES = 8192


def ladder_line(book: dict, finding: Finding) -> str:
    """Where one stated or hedged nerve-root finding sits on the contact -> compression ladder."""
    ladder = book["ladder"]
    root = nerve_root_object(book, finding)
    key = rung_key(finding)
    slots = {"object": root.text, "level": finding.level}
    if key in LADDER_RUNGS:
        rung = book["rungs"][key]
        slots.update(step=rung["step"], plain=rung["plain"], term=rung["term"])
        template = ladder["on_step" if finding.level else "on_step_no_level"]
        return _finish(book, [template[finding.assertion][root.number].format_map(slots)])
    template = ladder["somewhere_at" if finding.level else "somewhere_no_level"]
    return _finish(book, [template[finding.assertion][root.number].format_map(slots), ladder["somewhere"]])


def unplaced_lines(book: dict, findings: list[Finding]) -> list[str]:
    """One sentence for the nerve roots the report puts nowhere on the ladder (impingement, no degree):
    the stated ones together, then the hedged ones together, each root with its level."""
    ladder = book["ladder"]
    lines = []
    for assertion in ("present", "possible"):
        said = [f for f in findings if f.type == "nerve-root" and f.assertion == assertion and rung_key(f) not in LADDER_RUNGS]
        if not said:
            continue
        objects = []
        for finding in said:
            text = nerve_root_object(book, finding).text
            objects.append(ladder["object_at"].format(object=text, level=finding.level) if finding.level else text)
        objects = list(dict.fromkeys(objects))
        many = len(objects) > 1 or nerve_root_object(book, said[0]).many
        lines.append(_finish(book, [ladder["unplaced"][assertion]["many" if many else "one"].format(objects=join_list(book, objects))]))
    return lines
