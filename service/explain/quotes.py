"""The radiologist's own words for a finding: its evidence spans, cut from the report text.

Shown beside the plain sentence so a patient can find it in their report. Only spans that fit the
text are used; whitespace is folded, repeated spans are shown once, and a long quote is cut at a
word with an ellipsis. Words that do not name their finding's level get the line above them that does. The
words are escaped by the HTML template like everything else.
"""

from __future__ import annotations

from service.explain.scope import level_names_in
from service.extract.finding import Finding

LONGEST_QUOTE = 300
BETWEEN_SPANS = " … "


def evidence_quote(findings: list[Finding], text: str | None) -> str | None:
    """The report's words behind one or more findings (a merged denial line has several), or None."""
    if not text:
        return None
    spans = []
    for finding in findings:
        inside = [e for e in finding.evidence if 0 <= e.start < e.end <= len(text)]
        heading = _level_line(finding, inside, text)
        for words in ([heading] if heading else []) + [" ".join(text[e.start:e.end].split()) for e in inside]:
            if words and words not in spans:
                spans.append(words)
    if not spans:
        return None
    return _shorten(_without_open_bracket(BETWEEN_SPANS.join(spans)))


def _level_line(finding: Finding, inside: list, text: str) -> str | None:
    """The line right above a finding's words that names its level, when the words do not ("Bulges at L3-L4 and
    L4-L5 levels" above the wrapped "Compressing the thecal sac and exit canals"): the quote then holds the
    level the page says."""
    if not finding.level or not inside:
        return None
    first = min(e.start for e in inside)
    # The levels are read from the text's one scan (scope.level_names_in), not by a scan of each span.
    if any(finding.level in level_names_in(text, e.start, e.end) for e in inside):
        return None
    above = text[:first].rstrip(" \t")
    if not above.endswith("\n"):
        return None  # the words do not start a line: what is before them on it is not a heading
    line_end = len(above.rstrip())
    line_start = above.rfind("\n", 0, line_end) + 1
    folded = " ".join(text[line_start:line_end].split())
    return folded if finding.level in level_names_in(text, line_start, line_end) else None


def _without_open_bracket(quote: str) -> str:
    """The quote without a bracket opened in its last few words and never closed ("... stenosis ( Figs.")."""
    opened = quote.rfind("(")
    if opened > 0 and ")" not in quote[opened:] and len(quote[opened:].split()) <= 3:
        return quote[:opened].rstrip(" ,;:")
    return quote


def _shorten(quote: str) -> str:
    if len(quote) <= LONGEST_QUOTE:
        return quote
    cut = quote[:LONGEST_QUOTE].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:…") + " …"
