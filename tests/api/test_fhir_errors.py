"""Every error path under /fhir answers with an OperationOutcome and the right status."""

from __future__ import annotations

import io
import json

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from api_helpers import ENRICH, outcome_issues, parameters, post_fhir
from service import create_app


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/fhir+xml",
                                          "application/x-www-form-urlencoded", "application/json; charset=latin-1"])
def test_wrong_content_type_is_415(client, report_bytes, content_type):
    response = post_fhir(client, report_bytes, content_type=content_type)
    assert response.status_code == 415
    assert outcome_issues(response)[0]["code"] == "not-supported"


def test_gzip_body_is_read_and_other_encodings_are_415(client, report_bytes):
    import gzip
    import zlib

    assert post_fhir(client, gzip.compress(report_bytes), headers={"Content-Encoding": "gzip"}).status_code == 200
    response = post_fhir(client, zlib.compress(report_bytes), headers={"Content-Encoding": "deflate"})
    assert response.status_code == 415


def test_content_of_another_fhir_version_is_415(client, report_bytes):
    response = post_fhir(client, report_bytes, content_type="application/fhir+json; fhirVersion=5.0")
    assert response.status_code == 415
    assert post_fhir(client, report_bytes, content_type="application/fhir+json; fhirVersion=4.0").status_code == 200


def test_percent_encoded_operation_name_is_the_same_address(client, report_bytes):
    response = post_fhir(client, report_bytes, path="/fhir/DiagnosticReport/%24enrich")
    assert response.status_code == 200


def test_missing_content_type_is_415(client, report_bytes):
    response = client.post(ENRICH, data=report_bytes)
    assert response.status_code == 415


@pytest.mark.parametrize("fmt", ["json", "application/json", "application/fhir+json", "application/fhir json"])
def test_json_format_is_served(client, report_bytes, fmt):
    response = post_fhir(client, report_bytes, query_string={"_format": fmt})
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["xml", "application/fhir+xml", "text/xml", "ttl", "html"])
def test_other_format_is_406_before_reading_the_body(client, fmt):
    response = post_fhir(client, b"not even json", query_string={"_format": fmt})
    assert response.status_code == 406
    assert outcome_issues(response)[0]["expression"] == ["_format"]


def test_format_overrides_accept(client, report_bytes):
    response = post_fhir(client, report_bytes, query_string={"_format": "json"},
                         headers={"Accept": "application/fhir+xml"})
    assert response.status_code == 200


@pytest.mark.parametrize("accept", ["application/fhir+xml", "text/html", "application/fhir+json; fhirVersion=3.0",
                                    "application/json;q=0"])
def test_accept_without_json_is_406(client, accept):
    response = client.get("/fhir/metadata", headers={"Accept": accept})
    assert response.status_code == 406
    outcome_issues(response)


@pytest.mark.parametrize("accept", ["*/*", "application/*", "application/json", "application/fhir+json;q=0.9, */*;q=0.1",
                                    "application/fhir+json; fhirVersion=4.0", "application/fhir+json;charset=utf-8",
                                    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"])
def test_accept_admitting_json_is_served(client, accept):
    assert client.get("/fhir/metadata", headers={"Accept": accept}).status_code == 200


@pytest.mark.parametrize("body", [b"{", b"{'a': 1}", b"[1, 2", b"\xff\xfe\x00", b'{"a": NaN}',
                                  b'{"resourceType": "DiagnosticReport", "status": "final", "status": "final"}'])
def test_unparseable_body_is_400(client, body):
    response = post_fhir(client, body)
    assert response.status_code == 400
    assert outcome_issues(response)[0]["code"] == "structure"


@pytest.mark.parametrize("body", [b"", b"   \n"])
def test_empty_body_is_400(client, body):
    assert post_fhir(client, body).status_code == 400


@pytest.mark.parametrize("body", [b"[]", b'"DiagnosticReport"', b"42", b"null"])
def test_json_that_is_not_a_resource_is_400(client, body):
    assert post_fhir(client, body).status_code == 400


def test_deeply_nested_json_is_400(client):
    response = post_fhir(client, b"[" * 5000 + b"]" * 5000)
    assert response.status_code == 400


@pytest.mark.parametrize("resource", [{"resourceType": "Patient", "id": "p1"}, {"status": "final"},
                                      {"resourceType": "Bundle", "type": "collection"}])
def test_wrong_resource_type_is_422_with_expression(client, resource):
    response = post_fhir(client, resource)
    assert response.status_code == 422
    assert outcome_issues(response)[0]["expression"] == ["resourceType"]


def test_wrong_resource_type_is_not_echoed_when_it_is_not_a_type_name(client):
    response = post_fhir(client, {"resourceType": "Jane Doe 1970-01-01"})
    assert response.status_code == 422
    assert b"Jane" not in response.data


@pytest.mark.parametrize("change, expression", [
    ({"status": None, "_status": None}, "DiagnosticReport.status"),
    ({"code": "not a CodeableConcept"}, "DiagnosticReport.code"),
    ({"status": "done"}, "DiagnosticReport.status"),
    ({"presentedForm": [{"contentType": "text/plain", "data": "%%% not base64"}]}, "DiagnosticReport.presentedForm[0].data"),
    ({"unknownElement": 1}, "DiagnosticReport"),  # reported by position: a key can carry PHI
])
def test_invalid_report_is_422_with_fhirpath(client, report, change, expression):
    for name, value in change.items():
        if value is None:
            del report[name]
        else:
            report[name] = value
    response = post_fhir(client, report)
    assert response.status_code == 422
    assert expression in {e for issue in outcome_issues(response) for e in issue.get("expression", [])}


@pytest.mark.parametrize("change, expression", [
    ({"identifier": None}, "DiagnosticReport.identifier"),
    ({"category": [None]}, "DiagnosticReport.category[0]"),
    ({"subject": {"reference": None}}, "DiagnosticReport.subject.reference"),
])
def test_json_null_is_422(client, report, change, expression):
    response = post_fhir(client, {**report, **change})
    assert response.status_code == 422
    assert outcome_issues(response)[0]["expression"] == [expression]


def test_unknown_keys_are_reported_by_position_never_by_name(client, report):
    report["code"] = {"text": "MRI", "JaneRoe1970": {"note": None}}
    report["JohnDoe-MRN-12345"] = "x"
    response = post_fhir(client, report)
    assert response.status_code == 422
    issues = outcome_issues(response)
    assert b"JaneRoe" not in response.data and b"JohnDoe" not in response.data and b"12345" not in response.data
    expected_position = list(report).index("JohnDoe-MRN-12345") + 1
    assert {(issue["expression"][0], issue["diagnostics"]) for issue in issues} >= {
        ("DiagnosticReport.code", "key 2 of this object (counting from 1) is not an element of this resource type."),
        ("DiagnosticReport",
         f"key {expected_position} of this object (counting from 1) is not an element of this resource type."),
    }


def with_json_text(report: dict, key: str, text: str) -> str:
    """The report with ``key`` set to the JSON text ``text`` as written (-0, 1.0 and 1e2 reach the server as sent)."""
    rest = json.dumps({name: value for name, value in report.items() if name != key})
    return rest[:-1] + f', "{key}": {text}' + "}"


@pytest.mark.parametrize("key, text, expression, code", [
    ("presentedForm", '[{"contentType": "text/plain", "size": -0}]', "DiagnosticReport.presentedForm[0].size", "value"),
    ("presentedForm", '[{"contentType": "text/plain", "size": 1.0}]', "DiagnosticReport.presentedForm[0].size", "value"),
    ("extension", '[{"url": "http://x", "valueInteger": 1e2}]', "DiagnosticReport.extension[0].valueInteger", "value"),
    ("conclusion", '"left L5\\u0000 root"', "DiagnosticReport.conclusion", "value"),
    ("conclusion", '"bell\\u0007"', "DiagnosticReport.conclusion", "value"),
    ("result", "[]", "DiagnosticReport.result", "invalid"),
    ("subject", "{}", "DiagnosticReport.subject", "invalid"),
    ("performer", "[{}]", "DiagnosticReport.performer[0]", "invalid"),
    ("code", '{"coding": []}', "DiagnosticReport.code.coding", "invalid"),
])
def test_strict_r4_primitives_are_422(client, report, key, text, expression, code):
    response = post_fhir(client, with_json_text(report, key, text))
    assert response.status_code == 422, response.data
    assert (expression, code) in {(e, issue["code"]) for issue in outcome_issues(response)
                                  for e in issue.get("expression", [])}


def test_decimal_minus_zero_and_tabs_and_line_breaks_pass(client, report):
    text = '[{"url": "http://x", "valueDecimal": -0}, {"url": "http://y", "valueString": "a\\tb\\r\\nc"}]'
    assert post_fhir(client, with_json_text(report, "extension", text)).status_code == 200


def test_null_is_allowed_only_where_a_primitive_array_has_an_extension_twin():
    from service.fhir.io import null_issues

    name = {"given": ["Ann", None], "_given": [None, {"extension": [{"url": "http://x", "valueString": "y"}]}]}
    assert null_issues({"name": [name]}, "Patient") == []
    assert [issue.expression for issue in null_issues({"name": [{"given": ["Ann", None]}]}, "Patient")] == [
        "Patient.name[0].given[1]"
    ]


def test_invalid_report_inside_parameters_points_into_the_parameters(client, report):
    report["status"] = "done"
    response = post_fhir(client, parameters(report))
    assert response.status_code == 422
    assert outcome_issues(response)[0]["expression"] == ["Parameters.parameter[0].resource.status"]


def test_invalid_report_message_does_not_echo_values(client, report):
    report["subject"] = {"reference": 12345678}
    report["issued"] = "Jane-Doe-DOB"
    response = post_fhir(client, report)
    assert response.status_code == 422
    assert b"Jane-Doe-DOB" not in response.data and b"12345678" not in response.data


@pytest.mark.parametrize("body, expression", [
    ({"resourceType": "Parameters"}, "Parameters.parameter"),
    ({"resourceType": "Parameters", "parameter": {"name": "report"}}, "Parameters.parameter"),
    ({"resourceType": "Parameters", "parameter": [{"name": "report"}]}, "Parameters.parameter[0]"),
    ({"resourceType": "Parameters", "parameter": [{"name": "report", "resource": {"resourceType": "Patient"}}]},
     "Parameters.parameter[0].resource"),
    ({"resourceType": "Parameters", "parameter": [{"value": 1}]}, "Parameters.parameter[0]"),
])
def test_bad_parameters_are_422_with_expression(client, body, expression):
    response = post_fhir(client, body)
    assert response.status_code == 422
    assert expression in {e for issue in outcome_issues(response) for e in issue.get("expression", [])}


@pytest.mark.parametrize("extra, expression", [
    ({"name": "languages", "valueCode": "es"}, "Parameters.parameter[1].name"),
    ({"name": "language", "valueString": "es"}, "Parameters.parameter[1]"),
    ({"name": "language", "valueCode": "english please"}, "Parameters.parameter[1].value"),
    ({"name": "mode", "valueCode": "batch"}, "Parameters.parameter[1].value"),
])
def test_bad_optional_parameters_are_422(client, report, extra, expression):
    response = post_fhir(client, parameters(report, extra))
    assert response.status_code == 422
    assert outcome_issues(response)[0]["expression"] == [expression]


def test_two_reports_or_two_modes_are_422(client, report):
    two_reports = parameters(report, {"name": "report", "resource": report})
    assert post_fhir(client, two_reports).status_code == 422
    two_modes = parameters(report, {"name": "mode", "valueCode": "collection"}, {"name": "mode", "valueCode": "collection"})
    assert post_fhir(client, two_modes).status_code == 422


def test_transaction_mode_without_id_or_identifier_is_422_at_the_report(client, report):
    del report["id"], report["identifier"]
    response = post_fhir(client, parameters(report, {"name": "mode", "valueCode": "transaction"}))
    assert response.status_code == 422
    issue = outcome_issues(response)[0]
    assert issue["code"] == "required"
    assert issue["expression"] == ["Parameters.parameter[0].resource.id"]


def test_transaction_mode_with_an_identifier_without_system_is_422(client, report):
    """A bare identifier value would match that value in any system (another patient's report): never used."""
    del report["id"]
    report["identifier"] = [{"value": "ACC-9"}]
    response = post_fhir(client, parameters(report, {"name": "mode", "valueCode": "transaction"}))
    assert response.status_code == 422
    issue = outcome_issues(response)[0]
    assert issue["expression"] == ["Parameters.parameter[0].resource.id"]
    assert "no system" in issue["diagnostics"]


@pytest.mark.parametrize("path", ["/fhir/Patient/1", "/fhir/DiagnosticReport", "/fhir/DiagnosticReport/1/$other"])
def test_unknown_fhir_address_is_404_outcome(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert outcome_issues(response)[0]["code"] == "not-found"


@pytest.mark.parametrize("method, path", [("get", ENRICH), ("put", ENRICH), ("delete", "/fhir/metadata"),
                                          ("get", "/fhir")])
def test_wrong_method_is_405_outcome_with_allow(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response.headers["Allow"]
    assert outcome_issues(response)[0]["code"] == "not-supported"


def test_body_over_the_limit_by_content_length_is_413():
    client = create_app({"MAX_CONTENT_LENGTH": 1000}).test_client()
    response = post_fhir(client, b"{" + b" " * 2000 + b"}")
    assert response.status_code == 413
    assert outcome_issues(response)[0]["code"] == "too-long"


def chunked_post(app, body: bytes):
    """A body without Content-Length on a stream the server terminates, as gunicorn passes a chunked one
    (Flask's test client always sets Content-Length, so the WSGI call is made directly)."""
    environ = EnvironBuilder(path=ENRICH, method="POST", content_type="application/fhir+json").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True})
    app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
    return app.response_class(b"".join(app_iter), status=status, headers=headers)


def test_streamed_body_over_the_limit_is_413():
    response = chunked_post(create_app({"MAX_CONTENT_LENGTH": 1000}), b"{" + b" " * 5000 + b"}")
    assert response.status_code == 413
    assert outcome_issues(response)[0]["code"] == "too-long"


def test_streamed_body_of_exactly_the_limit_is_read_whole(report_bytes):
    assert chunked_post(create_app({"MAX_CONTENT_LENGTH": len(report_bytes)}), report_bytes).status_code == 200


def test_default_limit_is_five_megabytes(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024


def test_unexpected_exception_is_500_outcome_without_trace():
    app = create_app()

    def explode():
        raise RuntimeError("secret report text Jane Doe")

    app.add_url_rule("/fhir/explode", view_func=explode)
    app.add_url_rule("/explode", endpoint="explode-plain", view_func=explode)
    client = app.test_client()
    response = client.get("/fhir/explode")
    assert response.status_code == 500
    assert outcome_issues(response)[0]["code"] == "exception"
    assert b"Jane" not in response.data and b"Traceback" not in response.data
    plain = client.get("/explode")
    assert plain.status_code == 500 and plain.headers["Content-Type"] == "application/problem+json"
    assert b"Jane" not in plain.data
    assert client.get("/healthz").status_code == 200


def test_request_id_is_echoed_when_plain_and_replaced_when_not(client):
    assert client.get("/fhir/metadata", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    replaced = client.get("/fhir/metadata", headers={"X-Request-ID": "bad id with spaces"}).headers["X-Request-ID"]
    assert replaced != "bad id with spaces" and len(replaced) == 32


def test_outcome_narrative_is_escaped(client):
    response = post_fhir(client, b"{")
    div = json.loads(response.data)["text"]["div"]
    assert div.startswith('<div xmlns="http://www.w3.org/1999/xhtml">')


@pytest.mark.parametrize("change, expression", [
    ({"secretKey": "SECRET"}, "Parameters"),
    ({"oddKey": 1}, "Parameters.parameter[0]"),
    ({"id": "bad id SECRET"}, "Parameters.id"),
])
def test_parameters_are_checked_as_r4_too(client, report, change, expression):
    body = parameters(report)
    if "oddKey" in change:
        body["parameter"][0].update(change)
    else:
        body.update(change)
    response = post_fhir(client, body)
    assert response.status_code == 422
    assert any(issue.get("expression") == [expression] for issue in outcome_issues(response))
    text = response.get_data(as_text=True)
    assert "SECRET" not in text and "secretKey" not in text and "oddKey" not in text
