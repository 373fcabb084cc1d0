"""Health, readiness, metrics, the OpenAPI document, and what the access log may hold."""

from __future__ import annotations

import json
import logging

from prometheus_client.parser import text_string_to_metric_families

from api_helpers import post_fhir


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"] == {"mappings": "ok", "engine": "ok", "templates": "ok", "journey": "ok"}


def test_metrics_count_requests_by_route_and_status(client):
    client.get("/healthz")
    client.get("/fhir/CodeSystem/not-there")
    families = {family.name: family for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True))}
    samples = families["enricher_http_requests"].samples
    assert any(s.labels == {"route": "/healthz", "method": "GET", "status": "200"} and s.value >= 1 for s in samples)
    assert any(s.labels["route"] == "/fhir/CodeSystem/<resource_id>" and s.labels["status"] == "404" for s in samples)
    latency = families["enricher_http_request_duration_seconds"].samples
    assert any(s.name.endswith("_count") and s.labels["route"] == "/healthz" for s in latency)
    assert "enricher_findings" in families


def test_unmatched_routes_share_one_label(client):
    client.get("/a/random/path/123")
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "/a/random/path/123" not in metrics and 'route="<unmatched>"' in metrics


def test_openapi_document_is_served(client):
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/yaml")
    assert response.get_data(as_text=True).startswith("openapi: 3.1")


def test_access_log_has_ids_sizes_counts_timings_and_no_report_text(client, report_bytes):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("service")
    logger.addHandler(handler)
    try:
        post_fhir(client, report_bytes, headers={"X-Request-ID": "req-42"})
        post_fhir(client, report_bytes.replace(b'"final"', b'"finalised"'))
        client.post("/api/v1/extract", json={"text": "Jane Doe has L5 root compression"})
    finally:
        logger.removeHandler(handler)
    lines = [record.getMessage() for record in records]
    assert any(json.loads(line).get("request_id") == "req-42" for line in lines)
    access = [json.loads(line) for line in lines if '"event": "request"' in line]
    assert {entry["status"] for entry in access} >= {200, 422}
    assert all(set(entry) == {"event", "request_id", "method", "route", "status", "bytes_in", "bytes_out",
                              "findings", "duration_ms"} for entry in access)
    everything = "\n".join(lines)
    for secret in ("example-0042", "ACC-2026", "Jane", "protrusion", "finalised"):
        assert secret not in everything
