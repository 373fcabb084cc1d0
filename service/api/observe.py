"""What an operator sees: request ids, one access-log line per request, Prometheus metrics.

The log line holds ids, sizes, counts and timings only: never report text, never the raw path or
query (they may carry identifiers), only the matched route.

With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` (``enricher serve`` does it for you)
so ``/metrics`` adds up every worker.

Each request being served is listed (``in_flight``: its id, route and socket, never its content), so a
worker aborted for a timeout can still log, count and answer the requests it was serving
(``abandon_in_flight``, called from gunicorn's ``worker_abort`` hook).
"""

from __future__ import annotations

import collections
import json
import logging
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass

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
        self.timeouts = Counter(
            "enricher_http_request_timeouts", "Requests abandoned when their worker was aborted for a timeout",
            ["route", "method"], registry=self.registry,
        )
        self.findings = Counter(
            "enricher_findings", "Findings returned, by finding type and assertion",
            ["type", "assertion"], registry=self.registry,
        )

        # The labelled children, by their label values: prometheus_client checks and joins the values on
        # every ``labels()`` call, several times per request.
        self._children: dict[tuple, object] = {}

    def _child(self, metric, *values: str):
        key = (metric, *values)
        child = self._children.get(key)
        if child is None:
            child = self._children.setdefault(key, metric.labels(*values))
        return child

    def count_findings(self, findings: list[tuple[str, str]]) -> None:
        for (finding_type, assertion), count in collections.Counter(findings).items():
            self._child(self.findings, finding_type, assertion).inc(count)

    def answered(self, route: str, method: str, status: str, seconds: float) -> None:
        """Count one answered request and its time."""
        self._child(self.requests, route, method, status).inc()
        self._child(self.latency, route, method, status).observe(seconds)

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
    ctx = g._get_current_object()
    ctx.finding_count = ctx.get("finding_count", 0) + len(findings)
    current_app.extensions["enricher.metrics"].count_findings(findings)


@dataclass
class InFlight:
    """A request being served: what a log line may say about it, and where to answer it."""

    request_id: str
    method: str
    route: str
    fhir: bool
    started: float
    socket: object | None
    answered: bool = False


_in_flight: dict[int, InFlight] = {}  # by thread
_board = None  # a service.api.board.Board the gunicorn master reads, when running under `enricher serve`


def use_board(board) -> None:
    """Also write each request's id, method and route where the master can read them (service.api.board)."""
    global _board
    _board = board


def in_flight() -> list[InFlight]:
    return list(_in_flight.values())


def install(app: Flask) -> None:
    app.extensions["enricher.metrics"] = Metrics()
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_forget)


def configure_logging(level: str) -> None:
    """Log the ``service`` loggers to stderr as JSON lines, unless the host already set up logging."""
    logger = logging.getLogger("service")
    logger.setLevel(level)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)


def _start() -> None:
    # The request and g are read through their proxies once: each proxy access costs a context lookup.
    req, ctx = request._get_current_object(), g._get_current_object()
    ctx.started = time.perf_counter()
    incoming = req.headers.get(REQUEST_ID_HEADER, "")
    ctx.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    ctx.method, ctx.route = _method(req), _route(req)
    path = req.path
    _in_flight[threading.get_ident()] = InFlight(
        ctx.request_id, ctx.method, ctx.route, path == "/fhir" or path.startswith("/fhir/"),
        ctx.started, req.environ.get("gunicorn.socket"))
    if _board is not None:
        _board.put(ctx.request_id, ctx.method, ctx.route)


def _forget(_error=None) -> None:
    _in_flight.pop(threading.get_ident(), None)
    if _board is not None:
        _board.clear()


def _route(req=None) -> str:
    rule = (req or request).url_rule
    return rule.rule if rule is not None else "<unmatched>"


def _method(req=None) -> str:
    method = (req or request).method
    return method if method in KNOWN_METHODS else "OTHER"


def _finish(response):
    req, ctx = request._get_current_object(), g._get_current_object()
    elapsed = time.perf_counter() - ctx.get("started", time.perf_counter())
    if (current := _in_flight.get(threading.get_ident())) is not None:
        current.answered = True
    # Known once the route matched; a request refused before (a 404, a 405) has none yet.
    route = ctx.get("route") or _route(req)
    method = ctx.get("method") or _method(req)
    status = str(response.status_code)
    request_id = ctx.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    current_app.extensions["enricher.metrics"].answered(route, method, status, elapsed)
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(json.dumps({
            "event": "request",
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": response.status_code,
            "bytes_in": req.content_length or 0,
            "bytes_out": response.calculate_content_length() or 0,
            "findings": ctx.get("finding_count", 0),
            "duration_ms": round(elapsed * 1000, 3),
        }))
    return response


def abandon_in_flight(app: Flask) -> None:
    """The worker is being aborted (gunicorn's timeout): log and count each request it was serving, by id
    only, and answer those not yet answered with 503. Runs in the worker's signal handler."""
    recorder: Metrics = app.extensions["enricher.metrics"]
    now = time.perf_counter()
    for entry in in_flight():
        access_log.error(json.dumps({
            "event": "request-timeout", "request_id": entry.request_id, "method": entry.method,
            "route": entry.route, "duration_ms": round((now - entry.started) * 1000, 3),
        }))
        recorder.timeouts.labels(route=entry.route, method=entry.method).inc()
        recorder.requests.labels(route=entry.route, method=entry.method, status="503").inc()
        if not entry.answered and entry.socket is not None:
            _answer_abandoned(entry)
    if _board is not None:
        _board.clear_all()  # logged and counted here: the master must not do it again


def record_abandoned(app: Flask, requests: list[dict], timed_out: bool) -> None:
    """In the master: log and count the requests a dead worker left on its board (service.api.board)."""
    recorder: Metrics = app.extensions["enricher.metrics"]
    for entry in requests:
        access_log.error(json.dumps({
            "event": "request-timeout" if timed_out else "request-abandoned", "request_id": entry["request_id"],
            "method": entry["method"], "route": entry["route"], "duration_ms": round(entry["seconds"] * 1000, 3),
        }))
        if timed_out:
            recorder.timeouts.labels(route=entry["route"], method=entry["method"]).inc()
        recorder.requests.labels(route=entry["route"], method=entry["method"],
                                 status="timeout" if timed_out else "abandoned").inc()


def _answer_abandoned(entry: InFlight) -> None:
    from service.fhir.io import Issue, dumps
    from service.fhir.outcome import operation_outcome

    message = "The server took too long on this request and stopped it; try again later."
    if entry.fhir:
        body, content_type = dumps(operation_outcome([Issue("error", "timeout", message)])), "application/fhir+json"
    else:
        body = json.dumps({"type": "about:blank", "title": "Service Unavailable", "status": 503,
                           "detail": message}).encode("utf-8")
        content_type = "application/problem+json"
    head = (f"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: {content_type}\r\n"
            f"{REQUEST_ID_HEADER}: {entry.request_id}\r\nContent-Length: {len(body)}\r\n\r\n")
    try:
        entry.socket.settimeout(1.0)
        entry.socket.sendall(head.encode("latin-1") + body)
    except Exception:  # the client is gone, or the socket is mid-write: the log line and count stand
        pass
