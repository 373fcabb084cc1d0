"""The tokens the engine scanned for the report a thread read last, handed over to the patient page.

The page (service.explain.scope.scanned) reads the same report right after the engine and needs the tokens
of its whole text; the engine has scanned the sections that yield findings already. It takes them here,
scans only the rest, and so reads every section once per request instead of twice. The engine marks some
tokens as it reads (a ``TERM`` colon becomes a ``LABEL``), so their kinds are kept as scanned.

One slot per thread (a server's threads each read their own request), filled only while the caller asks for
it (``kept``: the enrichment journey, whose page follows), replaced by the next report that thread reads,
emptied when the page takes it: a caller of the engine alone keeps nothing. Plain Python: not one of the
compiled modules (setup.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from service.extract.lexicon import Lexicon
from service.extract.tokens import Token

_last = threading.local()


@contextmanager
def kept() -> Iterator[None]:
    """Within it, the engine keeps what it scans of each report this thread reads (the last one)."""
    _last.wanted = True
    try:
        yield
    finally:
        _last.wanted = False


def remember(text: str, lexicon: Lexicon, view: str, spans: list[tuple[int, int]], tokens: list[Token]) -> None:
    """Keep what the engine scanned of ``text`` (the [start, end) spans of ``view`` and their tokens in order),
    when asked to (``kept``)."""
    if getattr(_last, "wanted", False):
        _last.scan = (text, lexicon, view, spans, tokens, [token.kind for token in tokens])


def take(text: str, lexicon: Lexicon) -> tuple[str, list[tuple[int, int]], list[Token]] | None:
    """The view, spans and tokens (as scanned, before the engine marked any) the engine kept for ``text`` read
    with ``lexicon``, or None; the slot is emptied either way."""
    scan = getattr(_last, "scan", None)
    _last.scan = None
    if scan is None or scan[1] is not lexicon or (scan[0] is not text and scan[0] != text):
        return None
    _, _, view, spans, tokens, kinds = scan
    return view, spans, [token if token.kind == kind else Token(kind, token.start, token.end, token.value, token.detail)
                         for token, kind in zip(tokens, kinds)]
