"""A time budget for reading one report: the caller passes a deadline, the reader checks it per sentence.

The deadline is a ``time.monotonic()`` value; ``None`` means no budget. The engine stops with
``BudgetExceeded`` at the first sentence that starts after it, so a report that would take too long ends
in a clear refusal from the caller instead of a worker killed mid-request.
"""

from __future__ import annotations

import time


class BudgetExceeded(Exception):
    """The reading of a report passed its deadline."""


def check_deadline(deadline: float | None) -> None:
    """Raise ``BudgetExceeded`` when ``deadline`` (a ``time.monotonic()`` value) has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise BudgetExceeded("the report's reading passed its time budget")
