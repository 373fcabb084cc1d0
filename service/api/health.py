"""Operability endpoints: ``/healthz`` (the process answers), ``/readyz`` (it can do its job: code maps
and explanation templates load, the engine reads a canned sentence, the whole journey enriches a
canned report) and ``/metrics`` (Prometheus).
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, jsonify

from service.api.observe import metrics
from service.enrich import enrich
from service.explain import SUPPORTED_LANGUAGES, explain
from service.extract import extract_findings
from service.terminology import code_systems, engine_version

bp = Blueprint("health", __name__)
log = logging.getLogger("service.health")

# A sentence any working engine reads as one nerve-root finding.
CANNED_REPORT = "IMPRESSION: At L4-L5, a right paracentral disc protrusion compresses the right L5 nerve root."


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = readiness()
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ready" if ready else "not-ready", "version": engine_version(), "checks": checks}
    return jsonify(body), 200 if ready else 503


@bp.get("/metrics")
def prometheus_metrics():
    payload, content_type = metrics().exposition()
    return Response(payload, content_type=content_type)


def _check_mappings() -> None:
    if not code_systems():
        raise LookupError("no code systems loaded")


def _check_engine() -> None:
    if not any(finding.type == "nerve-root" for finding in extract_findings(CANNED_REPORT)):
        raise LookupError("the engine found nothing in the canned report")


def _check_templates() -> None:
    findings = extract_findings(CANNED_REPORT)
    for language in SUPPORTED_LANGUAGES:
        if explain(findings, language) is None:
            raise LookupError(f"no explanation rendered in {language}")


def _check_journey() -> None:
    report = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "readiness"},
              "conclusion": CANNED_REPORT}
    bundle = enrich(report, list(SUPPORTED_LANGUAGES))
    if not any(entry["resource"]["resourceType"] == "Observation" for entry in bundle["entry"]):
        raise LookupError("the canned report was not enriched")


READINESS_CHECKS = {
    "mappings": _check_mappings, "engine": _check_engine, "templates": _check_templates, "journey": _check_journey,
}


def readiness() -> dict[str, str]:
    """Each readiness check's result: "ok" or "failed: <exception type>"."""
    return {name: _run(name, check) for name, check in READINESS_CHECKS.items()}


def _run(name: str, check) -> str:
    try:
        check()
    except Exception as error:  # a readiness probe reports; it never fails the request
        log.warning(json.dumps({"event": "readiness-check-failed", "check": name, "exception": type(error).__name__}))
        return f"failed: {type(error).__name__}"
    return "ok"
