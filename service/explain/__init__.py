"""Patient explanation: findings -> plain-language HTML fragment and plain text, per language.

SEAM (owned by the explanation work):
    explain(findings: list[Finding], language: str = "en") -> Explanation | None
Returns None when there is nothing to explain (no findings at all).
``Explanation.finding_sentences[i]`` is the patient sentence for ``findings[i]``; the FHIR
side puts it in that finding's Observation.note.

Languages: ``SUPPORTED_LANGUAGES``. A regional tag uses its language ("es-MX" -> "es"); a language
we do not have falls back to English, and ``Explanation.language`` says what was rendered. Callers
that must not fall back check ``resolve_language(tag)`` first (None when unsupported).

The wording lives in mappings/explain/<lang>.yaml and the layout in mappings/explain/templates/.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from service.explain.compose import finding_sentence, join_list, ladder_line
from service.explain.ladder import ladder_picture
from service.explain.outline import denied, glossary_keys, groups
from service.explain.phrasebook import phrasebook
from service.explain.quotes import evidence_quote
from service.explain.render import render_html, render_text


@dataclass
class Explanation:
    language: str          # BCP-47 code actually rendered ("en", "es")
    title: str             # attachment title, in that language
    html: str              # a self-contained HTML fragment (no scripts, no external resources)
    text: str              # plain-text version with the same content
    finding_sentences: list[str] = field(default_factory=list)
    reassuring: bool = False  # True when every finding was denied: the short version


SUPPORTED_LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"


def resolve_language(tag: str | None) -> str | None:
    """The supported language a BCP-47 tag asks for ("es-419" -> "es"), or None."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in SUPPORTED_LANGUAGES else None


def explain(findings, language: str = DEFAULT_LANGUAGE, *, text: str | None = None) -> Explanation | None:
    """The patient explanation of one report's findings, or None when it has none.

    ``text``, when given, is the text the findings were read from (their evidence offsets index into
    it): each finding then shows the radiologist's own words beside the plain sentence.
    """
    findings = list(findings)
    if not findings:
        return None
    lang = resolve_language(language) or DEFAULT_LANGUAGE
    book = phrasebook(lang)
    sentences = [finding_sentence(book, finding) for finding in findings]
    context = _context(book, lang, findings, sentences, text)
    return Explanation(
        language=lang,
        title=book["title"],
        html=render_html(context),
        text=render_text(context),
        finding_sentences=sentences,
        reassuring=context["reassuring"],
    )


def _context(book: dict, lang: str, findings: list, sentences: list[str], text: str | None) -> dict:
    told = groups(findings)
    grouped = len(told) > 1
    told_groups = [
        {
            "heading": (book["level_group"].format(level=group.level) if group.level else book["level_other"])
            if grouped else None,
            "sentences": [
                finding_sentence(book, findings[i], with_level=False) if grouped else sentences[i]
                for i in group.indexes
            ],
            "quotes": [evidence_quote([findings[i]], text) for i in group.indexes],
        }
        for group in told
    ]
    told_indexes = [i for group in told for i in group.indexes]
    denials = _same_denials(book, findings)
    not_seen = [_denial_line(book, same) for same in denials]
    roots = [findings[i] for i in told_indexes if findings[i].type == "nerve-root"]
    ladder_lines = [ladder_line(book, finding) for finding in roots]
    picture_words = book["ladder"]["picture"]
    picture = ladder_picture(roots, picture_words["labels"], picture_words["terms"])
    alt = " ".join([picture_words["title"], *(ladder_lines or [book["ladder"]["no_root"]])])
    digest = hashlib.sha256("\n".join([lang, *sentences]).encode("utf-8")).hexdigest()[:10]
    return {
        "lang": lang,
        "uid": f"nre-{digest}",
        "book": book,
        "reassuring": not told,
        "groups": told_groups,
        "not_seen": not_seen,
        "not_seen_quotes": [evidence_quote(same, text) for same in denials],
        # A denial limited to a grade ("no significant stenosis") does not say the problem is absent.
        "limited_denial": any(f.assertion == "absent" and (f.severity_text or f.severity) for f in findings),
        "glossary": [book["glossary"][key] for key in glossary_keys(findings, book["glossary"])],
        "ladder_lines": ladder_lines,
        "has_narrowing": any(findings[i].type != "nerve-root" for i in told_indexes),
        "picture": picture,
        "picture_alt": alt,
    }


def _same_denials(book: dict, findings: list) -> list[list]:
    """Denied findings, those saying the same at several levels together, in report order."""
    levels_by_denial: dict[str, list] = {}
    for i in denied(findings):
        finding = findings[i]
        key = finding_sentence(book, finding, with_level=False) if finding.level else f"#{i}"
        levels_by_denial.setdefault(key, []).append(finding)
    return list(levels_by_denial.values())


def _denial_line(book: dict, same: list) -> str:
    """One line for the same denial at several levels ("At L1-L2 and L2-L3, ...")."""
    levels = list(dict.fromkeys(finding.level for finding in same))
    level = join_list(book, levels) if levels[0] else None
    return finding_sentence(book, replace(same[0], level=level))


__all__ = ["Explanation", "explain", "resolve_language", "SUPPORTED_LANGUAGES", "DEFAULT_LANGUAGE"]
