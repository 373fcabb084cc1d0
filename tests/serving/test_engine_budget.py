"""The engine's time budget: ``extract_findings(text, deadline=...)`` stops at the first sentence past it."""

from __future__ import annotations

import time

import pytest

from service.extract import BudgetExceeded, extract_findings

REPORT = "L4-L5: left paracentral protrusion compresses the traversing left L5 nerve root. " * 5


def test_no_deadline_and_a_distant_deadline_read_the_same():
    assert extract_findings(REPORT) == extract_findings(REPORT, deadline=time.monotonic() + 60)


def test_a_passed_deadline_stops_the_reading():
    with pytest.raises(BudgetExceeded):
        extract_findings(REPORT, deadline=time.monotonic() - 1)


def test_a_short_budget_stops_a_long_report_early():
    text = "At L4-L5 a disc bulge contacts the right L5 nerve root. " * 4000
    started = time.monotonic()
    with pytest.raises(BudgetExceeded):
        extract_findings(text, deadline=started + 0.05)
    assert time.monotonic() - started < 2.0
