"""The progress bar of a bulk run on a terminal (tqdm): input read, reports done, reports/s, ETA.

The bar counts the input's bytes as stored (compressed ones for ``.gz``), the one total known before the
end without reading the input twice; reports and their rate are shown beside it. Off the terminal (a
pipe, a log file, a scheduler) nothing is drawn.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager


class _Bar:
    def __init__(self, bar, done_bytes: int):
        self._bar = bar
        self._bytes = done_bytes
        self._started = time.monotonic()
        self._reports_at_start: int | None = None
        self._shown = 0.0

    def advance(self, done_bytes: int, reports: int) -> None:
        if self._bar is None:
            return
        if self._reports_at_start is None:
            self._reports_at_start = reports
        if done_bytes > self._bytes:
            self._bar.update(done_bytes - self._bytes)
            self._bytes = done_bytes
        now = time.monotonic()
        if now - self._shown >= 0.5:
            rate = (reports - self._reports_at_start) / max(now - self._started, 1e-9)
            self._bar.set_postfix_str(f"{reports} reports, {rate:.0f} reports/s", refresh=False)
            self._shown = now


@contextmanager
def bar(shown: bool, total_bytes: int, done_bytes: int = 0):
    """A ``_Bar`` to ``advance``; drawn on standard error only when ``shown``."""
    if not shown:
        yield _Bar(None, done_bytes)
        return
    from tqdm import tqdm

    with tqdm(total=total_bytes, initial=done_bytes, unit="B", unit_scale=True, unit_divisor=1024,
              desc="enricher bulk", file=sys.stderr, dynamic_ncols=True) as drawn:
        yield _Bar(drawn, done_bytes)
