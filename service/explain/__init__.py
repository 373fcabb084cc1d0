"""Patient explanation: findings -> plain-language HTML fragment and plain text, per language.

SEAM (owned by the explanation work):
    explain(findings: list[Finding], language: str = "en") -> Explanation | None
    explain_all(findings, languages) -> list[Explanation]   (one per distinct language, the report read once)
Returns None when there is nothing to explain: no findings, and nothing serious the page must list
(a report whose only content is beyond the page's scope still gets a page that lists it).
``Explanation.finding_sentences[i]`` is the patient sentence for ``findings[i]``; the FHIR
side puts it in that finding's Observation.note.

Languages: ``SUPPORTED_LANGUAGES``. A regional tag uses its language ("es-MX" -> "es"); a language
we do not have falls back to English, and ``Explanation.language`` says what was rendered. Callers
that must not fall back check ``resolve_language(tag)`` first (None when unsupported).

The wording lives in mappings/explain/<lang>.yaml and the layout in mappings/explain/templates/.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

from service.explain import scope
from service.explain.causes import with_page_causes
from service.explain.ownwords import Told, report_wide, tell
from service.explain.compose import (LADDER_RUNGS, adequate_way, cause_subject, denial_limit, finding_sentence, join_list, ladder_line, nerve_root_object,
                                     opening_object, rung_key, sentence_case, unplaced_lines)
from service.explain.grades import GradeWords, plain_grade, read_grade_words
from service.explain.guard import conflicts, side_disagrees
from service.explain.ladder import ladder_picture
from service.explain.outline import denied, glossary_keys, groups
from service.explain.phrasebook import phrasebook
from service.explain.quotes import evidence_quote
from service.explain.render import render_html, render_text
from service.explain.review import READY, STATUSES, review_reasons, status_of


@dataclass
class Explanation:
    language: str          # BCP-47 code actually rendered ("en", "es")
    title: str             # attachment title, in that language
    html: str              # a self-contained HTML fragment (no scripts, no external resources)
    text: str              # plain-text version with the same content
    finding_sentences: list[str] = field(default_factory=list)
    reassuring: bool = False  # True when every finding was denied: the short version
    status: str = READY       # "ready" or "needs-review" (service/explain/review.py)
    review_reasons: list[str] = field(default_factory=list)
    # Indexes of findings whose readings conflict: the page only quotes them, and the Bundle should
    # state none of them (no Observation), so that nothing says a place is affected and is not.
    withheld: list[int] = field(default_factory=list)


SUPPORTED_LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"


def resolve_language(tag: str | None) -> str | None:
    """The supported language a BCP-47 tag asks for ("es-419" -> "es"), or None."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in SUPPORTED_LANGUAGES else None


def explain(findings, language: str = DEFAULT_LANGUAGE, *, text: str | None = None,
            unread_text: bool = False, region_text: str | None = None) -> Explanation | None:
    """The patient explanation of one report's findings, or None when there is nothing to tell.

    A report without findings that states something serious beyond the page's scope (spinal cord
    compression, a mass, a fracture ...) gets a short page: what the page covers, that it found
    nothing of that, what the report also mentions, what the radiologist suggests and when to get
    help; it needs review. Without ``text`` there is no such page.

    ``text``, when given, is the text the findings were read from (their evidence offsets index into
    it): each finding then shows the radiologist's own words beside the plain sentence, and the page
    lists what the report says beyond its scope and what the radiologist suggests. ``unread_text``
    tells that some of the report could not be read (the explanation then needs review).
    ``region_text`` is what the request says the study is (the report's code, "MRI lumbar spine"): its
    region words choose the warning signs when the findings and the text name no region.

    A level the text names with pathology words (a protrusion, a compression) that the page has no
    finding or mention for is listed too, so that a report the engine could not read never gets
    nothing; a bulge, stenosis or narrowing at such a level asks for review only.
    """
    reading = read_page(findings, text=text, unread_text=unread_text, region_text=region_text)
    return word_page(reading, language) if reading is not None else None


def explain_all(findings, languages, *, text: str | None = None, unread_text: bool = False,
                region_text: str | None = None) -> list[Explanation]:
    """``explain`` in each of ``languages``, one explanation per distinct language rendered, in order: the report
    is read once (``read_page``) and only worded per language."""
    reading = read_page(findings, text=text, unread_text=unread_text, region_text=region_text)
    if reading is None:
        return []
    rendered = dict.fromkeys(resolve_language(language) or DEFAULT_LANGUAGE for language in languages)
    return [word_page(reading, lang) for lang in rendered]


@dataclass
class Reading:
    """What one report's page says, in any language: the findings as the page tells them, what it lists
    beyond them, its outline, the review status and the report's own words (see ``read_page``)."""

    findings: list
    told: list             # ownwords.Told per finding
    text: str | None
    mentions: list
    conflict_groups: list[list[int]]
    withheld: list[int]
    named: set[int]        # narrowed openings whose root the report names (compose: name_root=False)
    reasons: list[str]
    kept: list[int]        # findings not withheld, in report order
    outline: list          # outline.Group over ``kept``
    told_indexes: list[int]
    roots: list            # the told nerve-root findings, in the outline's order
    suggestions: list
    shared: dict           # the template context that does not depend on the language
    quotes: dict = field(default_factory=dict)
    not_seen: list = field(default_factory=list)  # scope.not_seen: denials of kinds listed when stated (the cord)

    def quote(self, findings: list) -> str | None:
        """``evidence_quote`` of some of the findings, made once for all languages."""
        key = tuple(map(id, findings))
        if key not in self.quotes:
            self.quotes[key] = evidence_quote(findings, self.text)
        return self.quotes[key]


def read_page(findings, *, text: str | None = None, unread_text: bool = False,
              region_text: str | None = None) -> Reading | None:
    """The language-independent part of ``explain`` (its arguments are the same): None when there is no page."""
    # The page names what narrows an opening when the finding's own sentence does (causes.py); the
    # Bundle's Observations keep the engine's findings as they are.
    # What each finding's own sentence says that its fields may not (ownwords.py): a limited or "adequate"
    # denial, grades the page leaves to the report's words, "more to the left".
    told = [tell(finding, text) for finding in with_page_causes(list(findings), text)]
    # A denial the report writes for the whole scan is told at no level (ownwords.report_wide).
    findings = report_wide([t.finding for t in told], text)
    mentions, unread, unexplained = scope.page_mentions(findings, text)
    if not findings and not any(scope.makes_a_page(mention, text) for mention in mentions):
        return None
    conflict_groups = conflicts(findings)
    withheld = sorted(i for group in conflict_groups for i in group)
    # ... and a narrowing told "at several levels, most of all at L4-L5" names no root: each level has its own.
    named = _roots_named_at(findings) | {i for i, finding in enumerate(findings) if finding.multilevel}
    suggestions = scope.suggestion_details(text)
    # A test suggested to look for something serious ("to rule out a tumour") needs review as a mention does.
    serious = [m for m in mentions if m.review and m.kind not in ("sac", "unread")] \
        or [s for s in suggestions if s.reasons]
    reasons = review_reasons(findings, conflict_groups, serious, unread_text,
                             # A cause on one side and the root it presses on the other: read as written, reviewed.
                             side_conflict=side_disagrees(findings, text),
                             severe_compression=any(m.kind == "sac" and m.review for m in mentions),
                             # A page without findings lists only what the engine did not read: always reviewed.
                             # (An earlier operation is no finding the engine missed.)
                             unread_finding=not findings and any((not m.review and m.kind != "operated")
                                                                 or m.kind in ("sac", "unread") for m in mentions),
                             unexplained_level=unexplained, odd_level=scope.odd_levels(findings, text))
    withheld_set = set(withheld)
    kept = [i for i in range(len(findings)) if i not in withheld_set]
    outline = groups([findings[i] for i in kept])
    told_indexes = [kept[i] for group in outline for i in group.indexes]
    regions = scope.regions(findings, text) or scope.regions([], region_text)
    rules = scope.scope_rules()
    quiet = rules["quiet_kinds"] | (rules["quiet_beside_findings"] if outline else frozenset())
    shared = {
        "reassuring": bool(findings) and not outline and not conflict_groups,
        # No finding of the page's own: it lists only what the report also mentions.
        "beyond_only": not findings,
        # ... and it says something presses on the thecal sac: less room around the nerves, not "nothing".
        "beyond_sac": not findings and any(mention.kind == "sac" for mention in mentions),
        # A denial limited to a grade ("no significant stenosis") does not say the problem is absent.
        # An adequate canal names no degree: "at least not to the degree named above" would point at nothing.
        "limited_denial": any(f.assertion == "absent" and (f.severity_text or f.severity) and not adequate_way(f)
                              for f in findings),
        "has_narrowing": any(findings[i].type != "nerve-root" for i in told_indexes),
        # Mentions of a quiet kind only (scope.yaml `quiet_kinds`: a hemangioma, a Tarlov cyst; beside the page's
        # own findings also `quiet_beside_findings`: a mild sac pressure, a grade I slip) are listed without taking
        # the nerve-root treatment text away or saying they may matter more.
        "serious_mentions": any(m.review or m.kind not in quiet for m in mentions),
        # ... and on a page of denials, a mention that asks for no review is not said to matter more than the
        # denials below it (reviews 9n: an ungraded pressure on the sac beside "adequate canal").
        "reviewed_mentions": any(m.review for m in mentions),
        # Warning signs by region: the spinal cord's for the neck and upper back, the cauda equina's
        # for the lower back; both when the region is not known.
        # A report that mentions the cord or the cauda equina gets their signs whatever its region.
        # "chest" when the report names no neck: the upper back's cord signs, without the hands.
        "cord_signs": (bool(regions & {"neck", "upper_back"}) or not regions or any(m.kind == "cord" for m in mentions))
        and ("chest" if regions and "neck" not in regions else "neck"),
        "cauda_signs": "lower_back" in regions or not regions or any(m.kind == "cauda_equina" for m in mentions),
        # An infection, or a possible one, listed under "also mentions": its warning signs too.
        "infection_signs": any(m.kind == "infection" for m in mentions),
        "status": status_of(reasons),
    }
    return Reading(findings, told, text, mentions, conflict_groups, withheld, named, reasons, kept, outline,
                   told_indexes, [findings[i] for i in told_indexes if findings[i].type == "nerve-root"],
                   suggestions, shared, not_seen=scope.not_seen(text) if findings else [])


def word_page(reading: Reading, language: str) -> Explanation:
    """The explanation of a ``read_page`` reading in one language (one not supported falls back to the default)."""
    lang = resolve_language(language) or DEFAULT_LANGUAGE
    book = phrasebook(lang)
    findings = reading.findings
    extras = [_extra(book, t) for t in reading.told]
    said_less = {i: _conflict_sentence(book, [findings[j] for j in group])
                 for group in reading.conflict_groups for i in group}
    named = reading.named
    sentences = [said_less[i] if i in said_less else _join(finding_sentence(book, finding, name_root=i not in named), extras[i])
                 for i, finding in enumerate(findings)]
    context = _context(book, lang, reading, sentences, extras)
    return Explanation(
        language=lang,
        title=book["title"],
        html=render_html(context),
        text=render_text(context),
        finding_sentences=sentences,
        reassuring=context["reassuring"],
        status=context["status"],
        review_reasons=list(reading.reasons),
        withheld=list(reading.withheld),
    )


def book_for(language: str) -> dict:
    return phrasebook(resolve_language(language) or DEFAULT_LANGUAGE)


def _extra(book: dict, told: Told) -> str:
    """What a finding's sentence adds from its own words: a hedged cause, the worse side, or that the grades
    are the report's."""
    said = []
    if told.cause_hedge:
        subject = cause_subject(book, list(told.hedged_causes))
        said.append(book["cause_hedged"][told.cause_hedge].format(subject=subject.text))
    if told.more_levels:
        said.append(book["more_levels"])
    if told.born_narrow:
        said.append(book["born_narrow"])
    if told.relative:
        said.append(book["relative_canal"])
    if told.looks:
        said.append(book["looks"])
    if told.more_on:
        side = book["sides"][told.more_on]
        said.append(book["more_on"].format(side=side.get("m", side) if isinstance(side, dict) else side))
    if told.grade_in_words:
        said.append(book["grade_sentence_quoted"])
    return " ".join(said)


def _join(sentence: str, extra: str) -> str:
    return f"{sentence} {extra}" if extra else sentence


def _roots_named_at(findings: list) -> set[int]:
    """Indexes of narrowed openings at a level and side where the report itself names an affected root:
    the page does not add the root that would likely pass there (the report may number it otherwise)."""
    roots = [f for f in findings if f.type == "nerve-root" and f.assertion != "absent" and (f.root or f.root_inferred)]
    return {i for i, f in enumerate(findings)
            if f.type in ("foraminal-stenosis", "lateral-recess-stenosis") and any(
                r.level == f.level and (r.side == f.side or "bilateral" in (r.side, f.side) or None in (r.side, f.side))
                for r in roots)}


def _conflict_sentence(book: dict, group: list) -> str:
    """Say less about a place whose readings conflict: name the place, and the doctor explains.

    The place is named as the stated reading has it, at every level the readings give."""
    stated = next(finding for finding in group if finding.assertion != "absent")
    place = (nerve_root_object(book, stated) if stated.type == "nerve-root" else opening_object(book, stated)).text
    levels = list(dict.fromkeys(finding.level for finding in group if finding.level))
    intro = book["level_intro"].format(level=join_list(book, levels)) if levels else ""
    return sentence_case(intro + book["conflict"].format(object=place))


def _context(book: dict, lang: str, reading: Reading, sentences: list[str], extras: list[str]) -> dict:
    """The template context of one language: the reading's shared part and the wording."""
    findings, kept, named = reading.findings, reading.kept, reading.named
    grouped = len(reading.outline) > 1
    told_groups = [
        {
            "heading": (book["level_group"].format(level=group.level) if group.level else book["level_other"])
            if grouped else None,
            "sentences": [
                _join(finding_sentence(book, findings[kept[i]], with_level=False, name_root=kept[i] not in named),
                      extras[kept[i]])
                if grouped else sentences[kept[i]]
                for i in group.indexes
            ],
            "quotes": [reading.quote([findings[kept[i]]]) for i in group.indexes],
        }
        for group in reading.outline
    ]
    conflict_lines = [
        {"sentence": sentences[group[0]], "quote": reading.quote([findings[i] for i in group])}
        for group in reading.conflict_groups
    ]
    denials = _same_denials(book, [findings[i] for i in kept])
    not_seen = [_denial_line(book, same) for same in denials] + [_not_seen_line(book, m) for m in reading.not_seen]
    ladder_lines = [ladder_line(book, finding) for finding in reading.roots if rung_key(finding) in LADDER_RUNGS]
    ladder_lines += unplaced_lines(book, reading.roots)
    picture_words = book["ladder"]["picture"]
    picture = ladder_picture(reading.roots, picture_words["labels"], picture_words["terms"])
    alt = " ".join([picture_words["title"], *(ladder_lines or [book["ladder"]["no_root"]])])
    said = sentences if findings else [mention.quote for mention in reading.mentions]
    digest = hashlib.sha256("\n".join([lang, *said]).encode("utf-8")).hexdigest()[:10]
    return {
        **reading.shared,
        "lang": lang,
        "uid": f"nre-{digest}",
        "book": book,
        "groups": told_groups,
        "conflicts": conflict_lines,
        "not_seen": not_seen,
        "not_seen_quotes": [reading.quote(same) for same in denials] + [m.quote for m in reading.not_seen],
        "glossary": [book["glossary"][key] for key in glossary_keys([findings[i] for i in kept], book["glossary"])],
        "ladder_lines": ladder_lines,
        "picture": picture,
        "picture_alt": alt,
        "mentions": _mention_items(book, reading.mentions,
                                   {findings[i].level for i in reading.told_indexes if findings[i].assertion != "absent"}),
        # Each suggestion said plainly (the kind of test, and why when its words name it), then quoted.
        "suggestions": [{"line": " ".join([book["scope"]["tests"][s.kind],
                                           *(book["scope"]["reasons"][reason] for reason in s.reasons[:1])]),
                         "quote": s.quote} for s in reading.suggestions],
    }


def _mention_items(book: dict, mentions: list, told_levels: set | frozenset = frozenset()) -> list[dict]:
    """One item per quote: the kinds one sentence states are said together above its words once; the same
    words stated at several levels ("Mild cord flattening." under three levels) are one item with its levels."""
    items: dict[str, dict] = {}
    # Levels one sentence leaves unexplained alike are said in one line ("... at L3-L4 and L4-L5 ...").
    unread: dict[tuple, list] = {}
    for mention in mentions:
        if mention.kind == "unread" and mention.level:
            unread.setdefault((mention.quote, mention.problem, mention.level in told_levels), []).append(mention)
    lines = {id(same[0]): _mention_line(book, replace(same[0], level=join_list(book, list(dict.fromkeys(m.level for m in same)))),
                                        told_levels, more=key[2])
             for key, same in unread.items()}
    mentions = [m for m in mentions if not (m.kind == "unread" and m.level) or id(m) in lines]
    for mention in mentions:
        item = items.setdefault(mention.quote, {"lines": {}, "at": [], "quote": mention.quote})
        item["lines"].setdefault(lines.get(id(mention)) or _mention_line(book, mention, told_levels), None)
        item["at"] += [level for level in mention.at if level not in item["at"]]
    return [{"line": " ".join([*item["lines"], *([book["scope"]["said_at"].format(level=join_list(book, item["at"]))]
                                                  if item["at"] else [])]),
             "quote": item["quote"]} for item in items.values()]


def _mention_line(book: dict, mention, told_levels: set | frozenset = frozenset(), more: bool | None = None) -> str:
    """What the report also mentions, in plain words: the problem when the kind has problems ("pressure
    on the spinal cord"), the place of a level the page does not explain, and the grade when given."""
    words = book["scope"]
    line = words["problems"].get(mention.kind, {}).get(mention.problem) or words["kinds"][mention.kind]
    if mention.hedged:
        # The report is not sure ("probably detached disc material"): the kind's own "may be" line, or the
        # plain line and that the report is not sure. A line that already says "may be" says it once.
        hedged = words["hedged_kinds"].get(mention.kind) if mention.problem in (None, "other") else None
        line = hedged or (line if mention.kind in words["hedged_in_line"] else f"{line} {words['not_sure']}")
    if mention.age:
        line += " " + words["ages_hedged" if mention.hedged else "ages"][mention.age]
    if mention.kind == "unread":
        # A level the page explains something of is not "something this page does not explain" as a whole.
        disc = "_disc" if mention.problem == "disc" else ""
        more = mention.level in told_levels if more is None else more
        at = words[f"unread{disc}_more_at" if more else f"unread{disc}_at"]
        line = at.format(level=mention.level) if mention.level else line
    if mention.grade and mention.kind == "slip" and _NUMBERED_GRADE.match(mention.grade):
        number = _ROMAN.get(mention.grade.split()[-1].lower(), mention.grade.split()[-1])
        line += " " + words["slip_grade"].format(grade=number)
    elif mention.grade:
        # A kind's own grade sentence names what is graded: one item may say two things of one sentence.
        own = words.get("kind_grade", {}).get(mention.kind)
        gender = own["gender"] if own else "f"
        said = scope.scope_rules()["grade_meanings"].get(mention.grade.lower())
        grade = plain_grade(book, GradeWords(mention.grade, (said,)), gender) if said else \
            plain_grade(book, read_grade_words(mention.grade), gender)
        sentence = own["sentence"] if own else book["grade_sentence_said"]
        line += " " + (sentence.format(grade=grade) if grade else book["grade_sentence_quoted"])
    return line


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_NUMBERED_GRADE = re.compile(r"gr\w*\s*(?:iv|iii|ii|i|[1-4])$", re.IGNORECASE)  # "Grade I", "Grdae I" (scope.yaml grades)


def _same_denials(book: dict, findings: list) -> list[list]:
    """Denied findings, those saying the same at several levels together, in report order."""
    levels_by_denial: dict[str, list] = {}
    for i in denied(findings):
        finding = findings[i]
        key = finding_sentence(book, finding, with_level=False) if finding.level else f"#{i}"
        levels_by_denial.setdefault(key, []).append(finding)
    return list(levels_by_denial.values())


def _not_seen_line(book: dict, mention) -> str:
    """"No significant pressure on the spinal cord was seen.": a denial of a kind the page lists when stated."""
    forms = book["scope"]["not_seen"][mention.kind]
    form = forms.get(mention.problem) or forms["other"]
    limit = denial_limit(book, mention.grade, form.get("gender")) if mention.grade else ""
    return form["phrase"].format(limit=limit)


def _denial_line(book: dict, same: list) -> str:
    """One line for the same denial at several levels ("At L1-L2 and L2-L3, ...")."""
    levels = list(dict.fromkeys(finding.level for finding in same))
    level = join_list(book, levels) if levels[0] else None
    return finding_sentence(book, same[0] if level == same[0].level else replace(same[0], level=level))


__all__ = ["Explanation", "explain", "explain_all", "read_page", "word_page", "Reading", "resolve_language", "SUPPORTED_LANGUAGES", "DEFAULT_LANGUAGE", "STATUSES"]
