"""The text a DiagnosticReport holds, as one document with a map back to its elements.

Sources, in reading order:
1. ``presentedForm[i]``: inline ``data``, or the content fetched from its ``url`` by the caller
   (``fetched``: this module never uses the network). ``text/plain`` (any charset), ``text/html``,
   ``text/markdown`` and ``application/pdf`` (its text layer, read with pypdf). Offsets point into the
   decoded text (for a PDF: the text pypdf extracts), under the path ``...presentedForm[i].data`` or
   ``...presentedForm[i].url``.
2. the narrative ``text.div`` (XHTML): offsets point into the ``div`` string itself.
3. ``valueString`` and ``note[j].text`` of contained Observations.
4. ``conclusion``.

Each source becomes plain text (markup dropped, block elements as line breaks, entities decoded,
runs of HTML whitespace as one space) and the sources are joined with blank lines. A source that
repeats text already read (a narrative rendering the presentedForm, a conclusion the full report
already contains) is skipped, so that one statement is read once. The conclusion and impression
Observations start with a synthetic ``IMPRESSION:`` header, any other source after the first
with ``FINDINGS:``; the headers map to no element and keep a section from bleeding from one
source into the next.

An attachment whose text cannot be read is listed in ``ReportText.unread`` with the reason
(``UNREAD_REASONS``): a PDF without a text layer, base64 that does not decode, a type the service does not
read, a ``url`` the caller did not (or could not) fetch. The caller must say so (an OperationOutcome
warning, the page flagged for review): a report whose text was not read is not a report without findings.

``ReportText.locate(start, end)`` turns document offsets (the engine's evidence) back into
``SourceSpan``s: element path, offset and length in that element's text.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import io
import logging
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable

log = logging.getLogger("service.text")

SOURCE_SEPARATOR = "\n\n"
IMPRESSION_HEADER = "IMPRESSION:\n"
FINDINGS_HEADER = "FINDINGS:\n"

_IMPRESSION_CODES = frozenset({"19005-8"})  # LOINC Radiology Imaging study [Impression]
TEXT_MEDIA_TYPES = ("text/plain", "text/html", "text/markdown", "application/xhtml+xml")
PDF_MEDIA_TYPE = "application/pdf"
READABLE_MEDIA_TYPES = TEXT_MEDIA_TYPES + (PDF_MEDIA_TYPE,)
MAX_PDF_PAGES = 200
# Why an attachment's text was not read (ReportText.unread), with the words an OperationOutcome uses.
UNREAD_REASONS = {
    "pdf-without-text": "a PDF without a text layer (a scan): its text cannot be read without OCR",
    "unreadable-pdf": "a PDF that cannot be opened (damaged or encrypted)",
    "bad-base64": "data that is not valid base64",
    "unsupported-type": "a content type this service does not read",
    "not-fetched": "a url this service may not fetch (not on the configured FHIR server) or none is configured",
    "fetch-failed": "a url whose content could not be fetched",
    "too-large": "content larger than this service fetches",
    "too-many": "one attachment more than this service fetches for one report",
}


@dataclass(frozen=True)
class Fetched:
    """What the caller fetched for an attachment's ``url``: the content and its type, or why there is none
    (a key of ``UNREAD_REASONS``)."""

    content_type: str | None = None
    data: bytes | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Unread:
    """An attachment whose text was not read: its element path and the reason (a key of ``UNREAD_REASONS``)."""

    path: str
    reason: str


@dataclass(frozen=True)
class SourceSpan:
    """Where a piece of evidence sits: ``length`` characters at ``offset`` of element ``path``."""

    path: str
    offset: int
    length: int


@dataclass
class _Source:
    """One element's text inside the document, as pieces mapped to the element's own text.

    ``pieces`` holds (document offset, document length, element offset, element length); a
    piece whose two lengths match maps character by character, any other (an entity, a
    collapsed whitespace run) maps as a whole. Text is gathered in parts and joined once, so
    building a source stays linear in its length.
    """

    path: str
    pieces: list[tuple[int, int, int, int]] = field(default_factory=list)
    doc_start: int = 0
    _parts: list[str] = field(default_factory=list, repr=False)
    _length: int = 0
    _piece_starts: list[int] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def __len__(self) -> int:
        return self._length

    def last_char(self) -> str:
        return self._parts[-1][-1] if self._parts else ""

    def add(self, text: str, element_offset: int, element_length: int) -> None:
        if not text:
            return
        self._piece_starts = None
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        if self.pieces and element_length == len(text):
            last_start, last_len, last_elem, last_elem_len = self.pieces[-1]
            if last_len == last_elem_len and last_elem + last_elem_len == element_offset \
                    and last_start + last_len == start:
                self.pieces[-1] = (last_start, last_len + len(text), last_elem, last_elem_len + len(text))
                return
        self.pieces.append((start, len(text), element_offset, element_length))

    def drop_last_char(self) -> None:
        """Remove the last character (a trailing space or line break) and its mapping."""
        self._piece_starts = None
        last = self._parts.pop()[:-1]
        if last:
            self._parts.append(last)
        self._length -= 1
        start, length, elem_start, elem_length = self.pieces[-1]
        if length == 1:
            self.pieces.pop()
        else:
            self.pieces[-1] = (start, length - 1, elem_start, elem_length - (1 if length == elem_length else 0))

    def element_offset(self, offset: int, at_end: bool) -> int:
        """Map an offset in this source's text to an offset in the element's text."""
        if self._piece_starts is None:
            self._piece_starts = [piece[0] for piece in self.pieces]
        index = bisect_right(self._piece_starts, offset) - 1
        if index < 0:
            return self.pieces[0][2] if self.pieces else 0
        start, length, elem_start, elem_length = self.pieces[index]
        inside = offset - start
        if at_end and inside == 0 and index > 0:
            prev_start, prev_len, prev_elem, prev_elem_len = self.pieces[index - 1]
            return prev_elem + prev_elem_len
        if length == elem_length:
            return elem_start + min(inside, length)
        return elem_start + (elem_length if inside >= length or (at_end and inside > 0) else 0)


@dataclass
class ReportText:
    """The document the engine reads and the way back from its offsets to the report."""

    text: str
    sources: list[_Source]
    unread: list[Unread] = field(default_factory=list)
    _source_starts: list[int] | None = field(default=None, repr=False)

    @property
    def paths(self) -> list[str]:
        return [source.path for source in self.sources]

    def locate(self, start: int, end: int) -> list[SourceSpan]:
        """The element spans covered by document offsets ``[start, end)`` (synthetic text maps nowhere)."""
        if self._source_starts is None:
            self._source_starts = [source.doc_start for source in self.sources]
        spans = []
        index = max(bisect_right(self._source_starts, start) - 1, 0)
        while index < len(self.sources) and self.sources[index].doc_start < end:
            source = self.sources[index]
            index += 1
            lo, hi = max(start, source.doc_start), min(end, source.doc_start + len(source))
            if lo >= hi:
                continue
            first = source.element_offset(lo - source.doc_start, at_end=False)
            last = source.element_offset(hi - source.doc_start, at_end=True)
            if last > first:
                spans.append(SourceSpan(source.path, first, last - first))
        return spans


def report_text(report: dict, is_own: Callable[[dict], bool] = lambda element: False,
                fetched: Mapping[int, Fetched] | None = None) -> ReportText:
    """Read every text source of ``report``; ``is_own`` tells which attachments the service made; ``fetched``
    holds what the caller fetched for ``presentedForm[i].url`` (by ``i``)."""
    candidates: list[tuple[_Source, str]] = []
    unread: list[Unread] = []
    for index, attachment in enumerate(_list(report.get("presentedForm"))):
        if type(attachment) is dict and not is_own(attachment):
            source, missed = _attachment_source(attachment, f"DiagnosticReport.presentedForm[{index}]",
                                                (fetched or {}).get(index))
            if source is not None:
                candidates.append((source, FINDINGS_HEADER))
            if missed is not None:
                unread.append(missed)
    narrative = report.get("text")
    if type(narrative) is dict and type(narrative.get("div")) is str:
        candidates.append((_markup_source(narrative["div"], "DiagnosticReport.text.div"), FINDINGS_HEADER))
    for index, resource in enumerate(_list(report.get("contained"))):
        if type(resource) is dict and resource.get("resourceType") == "Observation":
            header = IMPRESSION_HEADER if _is_impression(resource) else FINDINGS_HEADER
            for source in _observation_sources(resource, f"DiagnosticReport.contained[{index}]"):
                candidates.append((source, header))
    conclusion = report.get("conclusion")
    if type(conclusion) is str:
        source = _Source("DiagnosticReport.conclusion")
        source.add(conclusion, 0, len(conclusion))
        candidates.append((source, IMPRESSION_HEADER))
    document = _assemble(candidates)
    document.unread = unread
    return document


def _assemble(candidates: list[tuple[_Source, str]]) -> ReportText:
    parts: list[str] = []
    length = 0
    kept: list[_Source] = []
    seen: list[str] = []
    seen_exactly: set[str] = set()
    # Looking for a source inside earlier ones costs their length; a report of thousands of small
    # sources would make that quadratic, so the search stops after a few passes over the text.
    search_budget = 4 * sum(len(source) for source, _ in candidates)
    for source, header in candidates:
        key = _comparable(source.text)
        if not key or key in seen_exactly:
            continue
        if search_budget > 0:
            search_budget, repeated = _search(key, seen, search_budget)
            if repeated:
                continue
        # A source that contains an earlier one is kept beside it; the engine merges what both state.
        seen.append(key)
        seen_exactly.add(key)
        if kept:
            parts.append(SOURCE_SEPARATOR)
            length += len(SOURCE_SEPARATOR)
        if kept or header is IMPRESSION_HEADER:
            parts.append(header)
            length += len(header)
        source.doc_start = length
        parts.append(source.text)
        length += len(source.text)
        kept.append(source)
    return ReportText("".join(parts), kept)


def _search(key: str, earlier: list[str], budget: int) -> tuple[int, bool]:
    """Whether ``key`` occurs in one of ``earlier``, and the budget left after looking."""
    for text in earlier:
        budget -= len(text) + 1
        if budget < 0:
            return budget, False
        if key in text:
            return budget, True
    return budget, False


_SPACES = re.compile(r"\s+")


def _comparable(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def _list(value) -> list:
    return value if type(value) is list else []


def _is_impression(observation: dict) -> bool:
    code = observation.get("code")
    if type(code) is not dict:
        return False
    for coding in _list(code.get("coding")):
        if type(coding) is dict and coding.get("code") in _IMPRESSION_CODES:
            return True
    return "impression" in str(code.get("text", "")).casefold()


def _observation_sources(observation: dict, path: str) -> list[_Source]:
    sources = []
    value = observation.get("valueString")
    if type(value) is str:
        source = _Source(f"{path}.valueString")
        source.add(value, 0, len(value))
        sources.append(source)
    for index, note in enumerate(_list(observation.get("note"))):
        if type(note) is dict and type(note.get("text")) is str:
            sources.append(_markdown_source(note["text"], f"{path}.note[{index}].text"))
    return sources


_PATH_STEP = re.compile(r"\.(\w+)(?:\[(\d+)\])?")


def element_text(report: dict, path: str) -> str | None:
    """The text of element ``path`` (as in a SourceSpan) that evidence offsets index into.

    Attachment ``data`` is decoded with its charset (a PDF: its text layer); fetched content (``.url``) is not
    in the report (None); every other element is its own string.
    """
    node = _resolve(report, path)
    if type(node) is not str or path.endswith(".url"):
        return None
    if not path.endswith(".data"):
        return node
    attachment = _resolve(report, path[: -len(".data")])
    content_type = attachment.get("contentType", "") if type(attachment) is dict else ""
    raw = _base64(node)
    if raw is None:
        return None
    media_type, _, params = str(content_type).partition(";")
    if media_type.strip().lower() == PDF_MEDIA_TYPE:
        return pdf_text(raw)
    return _decode(raw, _charset(params))


def _resolve(report: dict, path: str) -> object:
    node: object = report
    for name, index in _PATH_STEP.findall(path):
        node = node.get(name) if type(node) is dict else None
        if index:
            node = node[int(index)] if type(node) is list and int(index) < len(node) else None
    return node


# --- attachments --------------------------------------------------------------------------


def _attachment_source(attachment: dict, path: str, fetched: Fetched | None) -> tuple[_Source | None, Unread | None]:
    """The attachment's text as a source, or why it could not be read (an attachment with neither ``data``
    nor ``url`` holds no text: neither)."""
    content_type = attachment.get("contentType")
    data = attachment.get("data")
    if type(data) is str:
        path += ".data"
        raw = _base64(data)
        if raw is None:
            return None, Unread(path, "bad-base64")
    elif type(attachment.get("url")) is str:
        path += ".url"
        if fetched is None:
            return None, Unread(path, "not-fetched")
        if fetched.reason is not None or fetched.data is None:
            return None, Unread(path, fetched.reason or "fetch-failed")
        raw = fetched.data
        content_type = content_type if type(content_type) is str else fetched.content_type
    else:
        return None, None
    media_type, _, params = content_type.partition(";") if type(content_type) is str else ("", "", "")
    media_type = media_type.strip().lower()
    if media_type == PDF_MEDIA_TYPE:
        text = pdf_text(raw)
        if text is None:
            return None, Unread(path, "unreadable-pdf")
        if not text.strip():
            return None, Unread(path, "pdf-without-text")
        source = _Source(path)
        source.add(text, 0, len(text))
        return source, None
    if media_type not in TEXT_MEDIA_TYPES:
        return None, Unread(path, "unsupported-type")
    return _text_source(_decode(raw, _charset(params)), media_type, path), None


def _text_source(text: str, media_type: str, path: str) -> _Source:
    if media_type == "text/plain":
        source = _Source(path)
        source.add(text, 0, len(text))
        return source
    if media_type == "text/markdown":
        return _markdown_source(text, path)
    return _markup_source(text, path)


_BASE64_SPACE = re.compile(r"[ \t\r\n]+")


def _base64(data: str) -> bytes | None:
    """base64Binary as FHIR allows it (whitespace between groups), strictly: None when it does not decode."""
    try:
        return base64.b64decode(_BASE64_SPACE.sub("", data), validate=True)
    except (binascii.Error, ValueError):
        return None


def pdf_text(raw: bytes, max_pages: int = MAX_PDF_PAGES) -> str | None:
    """The text layer of a PDF (pages joined by blank lines), "" when it has none, None when it cannot be read.

    pypdf reads hostile files in pure Python; any failure of it is "cannot be read" (logged by type only),
    and at most ``max_pages`` pages are read.
    """
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        pages = [page.extract_text() or "" for page in reader.pages[:max_pages]]
    except Exception as error:  # noqa: BLE001 - a damaged PDF may fail anywhere inside pypdf
        log.info('{"event": "pdf-unreadable", "exception": "%s"}', type(error).__name__)
        return None
    return "\n\n".join(page.strip() for page in pages if page.strip())


_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)


def _charset(params: str) -> str:
    found = _CHARSET.search(params)
    if found:
        try:
            return codecs.lookup(found.group(1)).name
        except LookupError:
            pass
    return "utf-8"


def _decode(raw: bytes, charset: str) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    try:
        return raw.decode(charset)
    except UnicodeDecodeError:
        # Undeclared Windows-1252 is the usual culprit behind text/plain that is not UTF-8.
        return raw.decode("cp1252", errors="replace")


# --- markdown -----------------------------------------------------------------------------

# Markup that would stand between the engine and the words: heading marks, emphasis, code ticks.
_MARKDOWN_NOISE = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+|\*\*|__|`+|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")


def _markdown_source(text: str, path: str) -> _Source:
    source = _Source(path)
    position = 0
    for noise in _MARKDOWN_NOISE.finditer(text):
        source.add(text[position:noise.start()], position, noise.start() - position)
        position = noise.end()
    source.add(text[position:], position, len(text) - position)
    return source


# --- (X)HTML ------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "ol", "p", "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "ul",
})
_CELL_TAGS = frozenset({"td", "th"})
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title"})
# Linear on any input: an unterminated comment, CDATA section or processing instruction runs to
# the end (as in browsers), and a tag never spans a "<", so no scan is repeated from a later "<".
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)|<!\[CDATA\[(?P<cdata>.*?)(?:\]\]>|\Z)|<![^<>]*>?|<\?.*?(?:\?>|\Z)"
    r"""|<(?P<close>/)?(?P<tag>[A-Za-z][A-Za-z0-9:_-]*)(?:[\s/](?:[^<>"']|"[^<"]*"|'[^<']*')*)?>"""
    r"|(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"
    r"|(?P<space>[ \t\r\n\f]+)",
    re.DOTALL,
)


def _markup_source(markup: str, path: str) -> _Source:
    """XHTML -> text: blocks become line breaks, entities decoded, whitespace runs one space."""
    source = _Source(path)
    position = 0
    skipping: str | None = None
    preformatted = 0
    pending_break = False

    def emit(text: str, offset: int, length: int) -> None:
        nonlocal pending_break
        if pending_break:
            _trim_trailing_space(source)
            if len(source):
                source.add("\n", offset, 0)
            pending_break = False
        if text == " " and source.last_char() in ("", "\n", " "):
            return
        source.add(text, offset, length)

    for token in _MARKUP.finditer(markup):
        if token.start() > position and skipping is None:
            emit(markup[position:token.start()], position, token.start() - position)
        position = token.end()
        tag = token.group("tag")
        if tag:
            name = tag.lower().rpartition(":")[2]
            closing = bool(token.group("close"))
            self_closing = token.group(0).endswith("/>")
            if skipping is not None:
                if closing and name == skipping:
                    skipping = None
                continue
            if name in _SKIPPED_TAGS and not closing and not self_closing:
                skipping = name
            elif name == "pre":
                preformatted += -1 if closing else (0 if self_closing else 1)
                preformatted = max(preformatted, 0)
                pending_break = True
            elif name in _BLOCK_TAGS:
                pending_break = True
            elif name in _CELL_TAGS and closing:
                emit(" ", token.start(), 0)
            continue
        if skipping is not None:
            continue
        if token.group("entity"):
            entity = token.group("entity")
            decoded = html.unescape(entity)
            if decoded == "\xa0":
                decoded = " "
            emit(decoded, token.start(), len(entity))
        elif token.group("space") is not None:
            if preformatted:
                emit(token.group("space"), token.start(), len(token.group("space")))
            else:
                emit(" ", token.start(), len(token.group("space")))
        elif token.group("cdata") is not None:
            emit(token.group("cdata"), token.start("cdata"), len(token.group("cdata")))
    if position < len(markup) and skipping is None:
        emit(markup[position:], position, len(markup) - position)
    _trim_trailing_space(source)
    return source


def _trim_trailing_space(source: _Source) -> None:
    while source.last_char() in (" ", "\n"):
        source.drop_last_char()


__all__ = ["ReportText", "SourceSpan", "Fetched", "Unread", "report_text", "element_text", "pdf_text",
           "UNREAD_REASONS", "READABLE_MEDIA_TYPES", "IMPRESSION_HEADER", "FINDINGS_HEADER"]
