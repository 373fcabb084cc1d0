"""Report sections: find the headers (FINDINGS, IMPRESSION, CLINICAL HISTORY, ...) and the text each holds.

Headers are recognised with or without a colon, in any case, and in comma dumps ("FINDINGS:,..."). A header
without a colon counts only when it ends its line, or when it is written in capitals at the start of a line
in a report that is not all capitals. Text before the first header belongs to the findings.
"""

from __future__ import annotations

import re
import string
from typing import NamedTuple

from service.extract.lexicon import Lexicon
from service.extract.phrases import phrase_key


class Section(NamedTuple):
    name: str
    start: int            # first character of the section's text (after its header)
    end: int
    yields_findings: bool
    quoted: bool = False  # a clinic note's assessment: only sentences quoting imaging yield findings


_UPPER = string.ascii_uppercase.encode()
_LOWER = string.ascii_lowercase.encode()


def _mostly_capitals(text: str) -> bool:
    # Counted as bytes: deleting a set of bytes is one C loop, where a regex builds a list of letters.
    sample = text[:5000].encode("ascii", "ignore")
    upper = len(sample) - len(sample.translate(None, _UPPER))
    lower = len(sample) - len(sample.translate(None, _LOWER))
    return upper > 1.5 * lower


_LEVEL_LINE_END = re.compile(r"[ \t]*(?:[:|]|-\s|\n|$)")
_LINE_LEAD = " \t*-#\u2022"


def _level_line(view: str, start: int, end: int, lexicon: Lexicon) -> int | None:
    """The start of the first line of ``view[start:end]`` that opens with a disc level as its label ("L4-5:",
    "L2-L3" alone on its line) or after an opener ("At L2-3 there is"), or None."""
    position = view.find("\n", start, end)
    while position >= 0:
        line = k = position + 1
        while k < end and view[k] in _LINE_LEAD:
            k += 1
        opener = lexicon.level_line_opener_re.match(view, k, end)
        match = lexicon.level_re.match(view, opener.end() if opener else k, end)
        if match is not None and match.group("s") is None and (opener or _LEVEL_LINE_END.match(view, match.end())):
            return line  # "L4-5:" as a label, or a line opening "At L2-3 there is ..."
        position = view.find("\n", line, end)
    return None


def _split_at_level_lines(section: Section, view: str, lexicon: Lexicon) -> list[Section]:
    """A section that yields no findings (technique, indication ...) ends where a line opens with a disc level:
    level-by-level text is imaging findings, whatever header came before it ("Procedure: ...\nL3-4: ...").
    ``view`` is the scan view with the line break find_sections puts before it (offsets shift by one)."""
    if section.yields_findings:
        return [section]
    line = _level_line(view, section.start + 1, section.end + 1, lexicon)
    if line is None:
        return [section]
    return [Section(section.name, section.start, line - 1, False), Section("findings", line - 1, section.end, True)]


def find_sections(text: str, view: str, lexicon: Lexicon) -> list[Section]:
    headers = []  # (start of header, end of header, section name)
    view = "\n" + view  # so a header on the first line has a line break before it; offsets shift by one
    text = "\n" + text
    for match in lexicon.header_re.finditer(view):
        headers.append((match.start("h") - 1, match.end() - 1, lexicon.header_sections[phrase_key(match.group("h"))]))
    capitals = None
    for match in lexicon.caps_header_re.finditer(view):
        word = text[match.start("h"):match.end("h")]
        if word.isupper():
            if capitals is None:
                capitals = _mostly_capitals(text)
            if capitals:
                break
            headers.append((match.start("h") - 1, match.end("h") - 1,
                            lexicon.header_sections[phrase_key(match.group("h"))]))
    for match in lexicon.imaging_label_re.finditer(view):
        headers.append((match.start("h") - 1, match.end() - 1, "findings"))
    headers.sort(key=lambda h: (h[0], -h[1]))
    sections: list[Section] = []
    cursor, name = 0, "findings"
    last_end = -1
    for start, end, section in headers:
        if start < last_end:
            continue
        if start > cursor or sections or cursor == 0:
            sections.append(Section(name, cursor, start, name in lexicon.finding_sections or name == "findings"))
        cursor, name, last_end = end, section, end
    sections.append(Section(name, cursor, len(text) - 1, name in lexicon.finding_sections))
    sections = [part for section in sections for part in _split_at_level_lines(section, view, lexicon)]
    # In a radiology report (a FINDINGS, TECHNIQUE or COMPARISON header) an "ASSESSMENT" is the radiologist's
    # impression; only in a clinic note is it a list of clinical diagnoses, read for quoted imaging alone.
    radiology = any(word in text[start:end].lower()
                    for start, end, _ in headers for word in lexicon.radiology_header_words)
    quoted = frozenset() if radiology else lexicon.quoted_sections
    return [Section(s.name, s.start, s.end, True, True) if s.name in quoted
            else Section(s.name, s.start, s.end, True) if s.name in lexicon.quoted_sections else s
            for s in sections if s.end > s.start]
