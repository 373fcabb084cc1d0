"""What one request may cost, from the settings: text per report, Observations per report, evidence spans
per Observation and the time budget of the engine (``service.enrich.Limits``).

The budget is per request: its deadline is set when a request first asks for its limits and shared by
everything that request reads (every entry of a batch Bundle), so no request keeps the engine past it.
"""

from __future__ import annotations

import time

from flask import current_app, g

from service.enrich import Limits


def request_limits() -> Limits:
    config, ctx = current_app.config, g._get_current_object()  # one context lookup each
    if "deadline" not in ctx:
        ctx.deadline = time.monotonic() + float(config["ENGINE_BUDGET_SECONDS"])
    return Limits(max_text_bytes=config["MAX_TEXT_BYTES"], max_observations=config["MAX_OBSERVATIONS"],
                  deadline=ctx.deadline, max_evidence_spans=config.get("MAX_EVIDENCE_SPANS"))
