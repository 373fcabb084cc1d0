"""The radiologist's own words for a finding: its evidence spans, cut from the report text.

Shown beside the plain sentence so a patient can find it in their report. Only spans that fit the
text are used; whitespace is folded, repeated spans are shown once, and a long quote is cut at a
word with an ellipsis. The words are escaped by the HTML template like everything else.
"""

from __future__ import annotations

from service.extract.finding import Finding

LONGEST_QUOTE = 300
BETWEEN_SPANS = " … "


def evidence_quote(findings: list[Finding], text: str | None) -> str | None:
    """The report's words behind one or more findings (a merged denial line has several), or None."""
    if not text:
        return None
    spans = []
    for finding in findings:
        for evidence in finding.evidence:
            if 0 <= evidence.start < evidence.end <= len(text):
                words = " ".join(text[evidence.start:evidence.end].split())
                if words and words not in spans:
                    spans.append(words)
    if not spans:
        return None
    return _shorten(_without_open_bracket(BETWEEN_SPANS.join(spans)))


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
