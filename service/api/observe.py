"""What an operator sees: request ids, one access-log line per request, Prometheus metrics.

The log line holds ids, sizes, counts and timings only: never report text, never the raw path or
query (they may carry identifiers), only the matched route.

With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` (``enricher serve`` does it for you)
so ``/metrics`` adds up every worker.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid

from flask import Flask, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess

access_log = logging.getLogger("service.access")
REQUEST_ID_HEADER = "X-Request-ID"
# An incoming request id is echoed only when it is short and plain, so it can not inject into logs.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The service's Prometheus metrics, in a registry of their own per application."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "enricher_http_requests", "HTTP requests answered, by route, method and status",
            ["route", "method", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "enricher_http_request_duration_seconds", "Time to answer an HTTP request, by route and status",
            ["route", "method", "status"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.findings = Counter(
            "enricher_findings", "Findings returned, by finding type and assertion",
            ["type", "assertion"], registry=self.registry,
        )

    def count_findings(self, findings: list[tuple[str, str]]) -> None:
        for finding_type, assertion in findings:
            self.findings.labels(type=finding_type, assertion=assertion).inc()

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in Prometheus text format, summed over all workers in multiprocess mode."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def metrics() -> Metrics:
    return current_app.extensions["enricher.metrics"]


def record_findings(findings: list[tuple[str, str]]) -> None:
    """Note the (type, assertion) of each finding a request returned, for the log line and metrics."""
    g.finding_count = g.get("finding_count", 0) + len(findings)
    metrics().count_findings(findings)


def install(app: Flask) -> None:
    app.extensions["enricher.metrics"] = Metrics()
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_start)
    app.after_request(_finish)


def configure_logging(level: str) -> None:
    """Log the ``service`` loggers to stderr as JSON lines, unless the host already set up logging."""
    logger = logging.getLogger("service")
    logger.setLevel(level)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)


def _start() -> None:
    g.started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _finish(response):
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    status = str(response.status_code)
    method = request.method if request.method in KNOWN_METHODS else "OTHER"
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    recorder = metrics()
    recorder.requests.labels(route=route, method=method, status=status).inc()
    recorder.latency.labels(route=route, method=method, status=status).observe(elapsed)
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(json.dumps({
            "event": "request",
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": response.status_code,
            "bytes_in": request.content_length or 0,
            "bytes_out": response.calculate_content_length() or 0,
            "findings": g.get("finding_count", 0),
            "duration_ms": round(elapsed * 1000, 3),
        }))
    return response
