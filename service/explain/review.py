"""The review status of an explanation: ``ready``, or ``needs-review`` with the reasons why.

A portal should show a ``needs-review`` page only after a clinician has released it. The reasons
are machine-readable codes (documented in README.md and openapi.yaml):

- ``fallback-reading``: the engine read a finding by its fallback path (``Finding.reading``);
- ``unsure-reading``: the engine read a finding from alternatives stated with no denial or hedge ("nerve root or
  thecal sac compression is seen", perhaps a denial that lost its "No"), as possible (``Finding.reading``);
- ``conflict``: two readings of one place disagree, or the report puts a cause on one side and the root it
  presses on the other (service/explain/guard.py);
- ``no-level``: a stated or hedged finding could not be placed at a spine level;
- ``out-of-scope``: the report states something serious the page does not explain (scope.py);
- ``unread-text``: some of the report's text could not be read (passed in by the caller);
- ``severe-compression``: the report grades pressure on the thecal sac large, significant or severe;
- ``unread-finding``: the report names a disc lesion or a compression and the engine read no finding;
- ``unexplained-level``: a level named with pathology words that the page does not explain;
- ``odd-level``: a level written as two vertebrae that are not neighbours joined by a slash ("L4/S1"): read as
  the levels between them, which the report may not mean (scope.odd_levels).
"""

from __future__ import annotations

READY = "ready"
NEEDS_REVIEW = "needs-review"
STATUSES = (READY, NEEDS_REVIEW)
REASONS = ("fallback-reading", "unsure-reading", "conflict", "no-level", "out-of-scope", "unread-text", "severe-compression",
           "unread-finding", "unexplained-level", "odd-level")


def review_reasons(findings, conflict_groups, mentions, unread_text: bool = False, *,
                   side_conflict: bool = False, severe_compression: bool = False, unread_finding: bool = False,
                   unexplained_level: bool = False, odd_level: bool = False) -> list[str]:
    """The reasons this explanation needs a clinician's review, in ``REASONS`` order (empty: ready)."""
    found = set()
    if any(getattr(finding, "reading", None) == "fallback" for finding in findings):
        found.add("fallback-reading")
    if any(getattr(finding, "reading", None) == "unsure" for finding in findings):
        found.add("unsure-reading")
    if conflict_groups or side_conflict:
        found.add("conflict")
    if any(finding.assertion != "absent" and not finding.level for finding in findings):
        found.add("no-level")
    if mentions:
        found.add("out-of-scope")
    if unread_text:
        found.add("unread-text")
    for reason, fires in (("severe-compression", severe_compression), ("unread-finding", unread_finding),
                          ("unexplained-level", unexplained_level), ("odd-level", odd_level)):
        if fires:
            found.add(reason)
    return [reason for reason in REASONS if reason in found]


def status_of(reasons: list[str]) -> str:
    return NEEDS_REVIEW if reasons else READY
