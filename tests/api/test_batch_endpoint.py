"""POST /fhir: batch and transaction Bundles of $enrich calls, with the real engine and explanation."""

from __future__ import annotations

import copy
import json
import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from fhir.resources.R4B.bundle import Bundle

from api_helpers import outcome_issues, parameters, post_fhir
from service import create_app

OPERATION = {"method": "POST", "url": "DiagnosticReport/$enrich"}


def call(resource, request=OPERATION) -> dict:
    return {"request": dict(request), "resource": resource}


def post_bundle(client, bundle: dict, **kwargs):
    return post_fhir(client, bundle, path="/fhir", **kwargs)


def bundle_of(*entries, kind="batch") -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def chest_xray(report: dict) -> dict:
    other = {key: value for key, value in copy.deepcopy(report).items()
             if key not in ("presentedForm", "text", "contained", "result")}
    other.update(id="cxr-1", conclusion="No acute cardiopulmonary process.")
    return other


def test_batch_gives_one_response_entry_per_request_entry_in_order(client, report):
    spanish = parameters(report, {"name": "language", "valueCode": "es"})
    response = post_bundle(client, bundle_of(call(report), call(chest_xray(report)), call(spanish)))
    assert response.status_code == 200, response.data
    body = response.get_json(force=True)
    assert body["type"] == "batch-response"
    Bundle.model_validate(body)
    assert [entry["response"]["status"] for entry in body["entry"]] == ["200 OK"] * 3
    first, second, third = (entry["resource"] for entry in body["entry"])
    assert first["type"] == "collection" and len(first["entry"]) > 2
    assert second["entry"][0]["resource"]["id"] == "cxr-1" and len(second["entry"]) == 1
    assert {form["language"] for form in third["entry"][0]["resource"]["presentedForm"][1:]} == {"es"}


def test_each_entry_gives_what_the_operation_gives(client, report):
    alone = post_fhir(client, report).get_json(force=True)
    batched = post_bundle(client, bundle_of(call(report))).get_json(force=True)["entry"][0]["resource"]
    assert blank_times(batched) == blank_times(alone)


def blank_times(bundle: dict) -> str:
    return re.sub(r'"(timestamp|recorded|creation)": "[^"]*"', r'"\1": ""', json.dumps(bundle))


def test_a_bad_entry_fails_alone_with_its_outcome(client, report):
    invalid = {**report, "status": "done"}
    unlocatable = {key: value for key, value in report.items() if key not in ("id", "identifier")}
    entries = [
        call(report),
        call(invalid),
        call(report, {"method": "GET", "url": "DiagnosticReport/1"}),
        call(report, {"method": "POST", "url": "DiagnosticReport"}),
        {"resource": report},
        call({"resourceType": "Patient"}),
        call(parameters(invalid)),
        "not an entry",
        call(parameters(unlocatable, {"name": "mode", "valueCode": "transaction"})),
    ]
    response = post_bundle(client, bundle_of(*entries))
    assert response.status_code == 200
    body = response.get_json(force=True)
    Bundle.model_validate(body)
    statuses = [entry["response"]["status"] for entry in body["entry"]]
    assert statuses == ["200 OK", "422 Unprocessable Entity", "405 Method Not Allowed", "404 Not Found",
                        "400 Bad Request", "422 Unprocessable Entity", "422 Unprocessable Entity", "400 Bad Request",
                        "422 Unprocessable Entity"]
    expressions = [entry["response"].get("outcome", {}).get("issue", [{}])[0].get("expression") for entry in body["entry"]]
    assert expressions == [
        None,
        ["Bundle.entry[1].resource.status"],
        ["Bundle.entry[2].request.method"],
        ["Bundle.entry[3].request.url"],
        ["Bundle.entry[4].request"],
        ["Bundle.entry[5].resource.resourceType"],
        ["Bundle.entry[6].resource.parameter[0].resource.status"],
        ["Bundle.entry[7]"],
        ["Bundle.entry[8].resource.parameter[0].resource.id"],
    ]
    for entry in body["entry"][1:]:
        assert "resource" not in entry
        assert entry["response"]["outcome"]["resourceType"] == "OperationOutcome"


def test_transaction_is_all_or_nothing(client, report):
    good = post_bundle(client, bundle_of(call(report), call(chest_xray(report)), kind="transaction"))
    assert good.status_code == 200
    body = good.get_json(force=True)
    assert body["type"] == "transaction-response"
    assert [entry["response"]["status"] for entry in body["entry"]] == ["200 OK", "200 OK"]
    Bundle.model_validate(body)

    bad = post_bundle(client, bundle_of(call(report), call({**report, "status": "done"}),
                                      call(report, {"method": "DELETE", "url": "x"}), kind="transaction"))
    assert bad.status_code == 422
    issues = outcome_issues(bad)
    assert [issue["expression"] for issue in issues] == [["Bundle.entry[1].resource.status"],
                                                         ["Bundle.entry[2].request.method"]]


def test_entries_may_ask_for_a_transaction_bundle(client, report):
    body = post_bundle(client, bundle_of(call(parameters(report, {"name": "mode", "valueCode": "transaction"}))))
    inner = body.get_json(force=True)["entry"][0]["resource"]
    assert inner["type"] == "transaction"
    assert inner["entry"][0]["request"]["method"] == "PUT"


@pytest.mark.parametrize("url", ["/DiagnosticReport/$enrich", "DiagnosticReport/%24enrich"])
def test_operation_url_spellings(client, report, url):
    body = post_bundle(client, bundle_of(call(report, {"method": "POST", "url": url}))).get_json(force=True)
    assert body["entry"][0]["response"]["status"] == "200 OK"


def test_empty_batch_gives_an_empty_response(client):
    response = post_fhir(client, {"resourceType": "Bundle", "type": "batch"}, path="/fhir/")
    assert response.status_code == 200
    body = response.get_json(force=True)
    assert body["type"] == "batch-response" and "entry" not in body


@pytest.mark.parametrize("body, expression", [
    ({"resourceType": "DiagnosticReport"}, "resourceType"),
    ([], "resourceType"),
    ({"resourceType": "Bundle", "type": "collection", "entry": []}, "Bundle.type"),
    ({"resourceType": "Bundle", "type": "batch", "entry": {}}, "Bundle.entry"),
])
def test_not_a_batch_or_transaction_is_422(client, body, expression):
    response = post_bundle(client, body)
    assert response.status_code == 422
    assert outcome_issues(response)[0]["expression"] == [expression]


def test_entry_count_is_limited():
    client = create_app({"TESTING": True, "MAX_BUNDLE_ENTRIES": 2}).test_client()
    entries = [call({"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "x"}})] * 3
    response = post_bundle(client, bundle_of(*entries))
    assert response.status_code == 413
    assert outcome_issues(response)[0]["expression"] == ["Bundle.entry"]
    assert post_bundle(client, bundle_of(*entries[:2])).status_code == 200


def test_findings_of_every_entry_are_counted(client, report):
    before = client.get("/metrics").data.decode()
    post_bundle(client, bundle_of(call(report), call(report)))
    after = client.get("/metrics").data.decode()

    def total(text):
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("enricher_findings_total{"))

    single = len(post_fhir(client, report).get_json(force=True)["entry"]) - 2
    assert total(after) - total(before) == 2 * single


def capture_service_logs():
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    return records, handler


def test_batch_logs_and_metrics_hold_no_report_content(client, report):
    records, handler = capture_service_logs()
    logger = logging.getLogger("service")
    logger.addHandler(handler)
    try:
        post_bundle(client, bundle_of(call(report), call({**report, "status": "finalised"})))
        post_bundle(client, bundle_of(call({**report, "status": "finalised"}), kind="transaction"))
    finally:
        logger.removeHandler(handler)
    everything = "\n".join(record.getMessage() for record in records) + client.get("/metrics").get_data(as_text=True)
    assert '"route": "/fhir"' in everything
    for secret in ("example-0042", "ACC-2026", "protrusion", "finalised", "mri-lumbar-0001"):
        assert secret not in everything


def test_an_entry_that_breaks_the_server_fails_alone_and_is_logged_without_its_content(client, report, monkeypatch):
    """Fault injection: the journey raises for one report (its message quoting the report)."""
    from service.api import fhir as fhir_api

    real_enrich = fhir_api.enrich

    def failing_for_one(report_json, *args, **kwargs):
        if report_json.get("id") == "breaks":
            raise RuntimeError("Jane Doe's report broke the engine")
        return real_enrich(report_json, *args, **kwargs)

    monkeypatch.setattr(fhir_api, "enrich", failing_for_one)
    records, handler = capture_service_logs()
    logger = logging.getLogger("service")
    logger.addHandler(handler)
    try:
        batch = post_bundle(client, bundle_of(call(report), call({**report, "id": "breaks"}), call(report)))
        transaction = post_bundle(client, bundle_of(call(report), call({**report, "id": "breaks"}), kind="transaction"))
    finally:
        logger.removeHandler(handler)
    statuses = [entry["response"]["status"] for entry in batch.get_json(force=True)["entry"]]
    assert statuses == ["200 OK", "500 Internal Server Error", "200 OK"]
    assert transaction.status_code == 500
    logged = "\n".join(record.getMessage() for record in records)
    assert '"exception": "RuntimeError"' in logged
    assert "Jane" not in logged and "Jane" not in batch.get_data(as_text=True) + transaction.get_data(as_text=True)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["request", "resource", "method", "url", "resourceType", "status", "code", "parameter",
                         "name", "fullUrl", "x"]), children, max_size=4),
    max_leaves=12,
)
ENTRIES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({"request": st.one_of(JSON_VALUES, st.just(OPERATION)), "resource": JSON_VALUES}),
    st.fixed_dictionaries({"request": st.just(OPERATION), "resource": st.fixed_dictionaries(
        {"resourceType": st.sampled_from(["DiagnosticReport", "Parameters"]), "status": JSON_VALUES,
         "code": JSON_VALUES, "parameter": JSON_VALUES, "conclusion": JSON_VALUES})}),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ENTRIES, max_size=4), st.sampled_from(["batch", "transaction"]))
def test_arbitrary_entries_never_give_a_server_error(client, entries, kind):
    response = post_bundle(client, bundle_of(*entries, kind=kind))
    assert response.status_code < 500, response.data[:300]
    body = response.get_json(force=True)
    if response.status_code == 200:
        assert len(body.get("entry", [])) == len(entries)
        assert all(not entry["response"]["status"].startswith("5") for entry in body.get("entry", []))
    else:
        assert kind == "transaction" and body["resourceType"] == "OperationOutcome"
