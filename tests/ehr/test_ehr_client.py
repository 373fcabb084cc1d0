"""The outbound client: the configured base only, no redirects off it, timeouts, retries with backoff that
honour Retry-After, a size limit. Real requests through ``requests``, answered by ``responses``."""

from __future__ import annotations

import pytest
import requests
import responses

from ehr_helpers import BASE
from service.config import EhrSettings
from service.ehr.client import EhrClient, OffBase
from service.ehr.fetch import read_report
from service.ehr.token import StaticToken
from service.fhir.outcome import RequestError

REPORT = {"resourceType": "DiagnosticReport", "id": "r1", "status": "final", "code": {"text": "MRI"}}


def client(sleeps=None, **settings) -> EhrClient:
    waits = sleeps if sleeps is not None else []
    return EhrClient(EhrSettings(base_url=BASE, **settings), sleep=waits.append)


@pytest.mark.parametrize("reference", [
    "https://other.example.test/fhir/R4/Binary/1",           # another host
    "https://ehr.example.test:8443/fhir/R4/Binary/1",        # another port
    "http://ehr.example.test/fhir/R4/Binary/1",              # another scheme
    "https://ehr.example.test/fhir/R5/Binary/1",             # beside the base path
    "https://ehr.example.test/fhir/R4/../admin",             # out of it
    "https://user:pw@ehr.example.test/fhir/R4/Binary/1",     # credentials in the URL
    "//other.example.test/x",                                # scheme-relative
    "/admin/Binary/1",                                       # host-relative, off the path
    "https://ehr.example.test/fhir/R4evil/Binary/1",         # a prefix that is not a path segment
    "https://ehr.example.test/fhir/R4/%2e%2e/admin",         # an encoded dot segment
    "Binary/..%2Fadmin",                                     # an encoded separator
])
@responses.activate(assert_all_requests_are_fired=True)
def test_nothing_off_the_base_is_ever_requested(reference):
    with pytest.raises(OffBase):
        client().get(reference)
    assert len(responses.calls) == 0


@responses.activate
def test_relative_and_absolute_references_on_the_base_are_requested():
    responses.get(f"{BASE}/Binary/1", body=b"x", content_type="text/plain")
    ehr = client()
    assert ehr.get("Binary/1").body == b"x"
    assert ehr.get(f"{BASE}/Binary/1").body == b"x"


@responses.activate
def test_a_redirect_on_the_base_is_followed_and_one_off_it_refused():
    responses.get(f"{BASE}/DiagnosticReport/r1", status=302, headers={"Location": f"{BASE}/DiagnosticReport/r2"})
    responses.get(f"{BASE}/DiagnosticReport/r2", json=dict(REPORT, id="r2"))
    assert client().get("DiagnosticReport/r1").json()["id"] == "r2"
    responses.get(f"{BASE}/DiagnosticReport/r3", status=307, headers={"Location": "https://evil.example.test/x"})
    with pytest.raises(RequestError) as refused:
        client().get("DiagnosticReport/r3")
    assert refused.value.http_status == 502
    assert [call.request.url for call in responses.calls][-1] == f"{BASE}/DiagnosticReport/r3"


@responses.activate
def test_retries_429_and_5xx_with_backoff_and_retry_after():
    url = f"{BASE}/DiagnosticReport/r1"
    responses.get(url, status=429, headers={"Retry-After": "2"})
    responses.get(url, status=503)
    responses.get(url, status=502)
    responses.get(url, json=REPORT)
    waits: list[float] = []
    assert read_report(client(waits), "r1") == REPORT
    assert waits == [2.0, 1.0, 2.0]  # Retry-After, then the exponential backoff (0.5 s doubling)
    assert len(responses.calls) == 4


@responses.activate
def test_retries_are_bounded_and_end_in_503_with_retry_after():
    url = f"{BASE}/DiagnosticReport/r1"
    for _ in range(3):
        responses.get(url, status=503, headers={"Retry-After": "1"})
    waits: list[float] = []
    with pytest.raises(RequestError) as failure:
        read_report(client(waits, max_retries=2), "r1")
    assert failure.value.http_status == 503 and failure.value.headers["Retry-After"] == "1"
    assert len(responses.calls) == 3 and waits == [1.0, 1.0]


@responses.activate
def test_a_retry_after_longer_than_allowed_is_not_waited_for():
    responses.get(f"{BASE}/DiagnosticReport/r1", status=429, headers={"Retry-After": "3600"})
    waits: list[float] = []
    with pytest.raises(RequestError) as failure:
        read_report(client(waits), "r1")
    assert failure.value.http_status == 503 and failure.value.headers["Retry-After"] == "3600"
    assert waits == [] and len(responses.calls) == 1


@responses.activate
def test_a_retry_after_date_is_honoured():
    responses.get(f"{BASE}/DiagnosticReport/r1", status=503, headers={"Retry-After": "Mon, 07 Dec 2026 10:00:03 GMT"})
    responses.get(f"{BASE}/DiagnosticReport/r1", json=REPORT)
    waits: list[float] = []
    ehr = EhrClient(EhrSettings(base_url=BASE), sleep=waits.append, clock=lambda: 1796637600.0)  # 10:00:00 GMT
    assert read_report(ehr, "r1") == REPORT
    assert waits == [3.0]


@responses.activate
def test_a_timeout_is_504_after_the_retries():
    for _ in range(2):
        responses.get(f"{BASE}/DiagnosticReport/r1", body=requests.ReadTimeout())
    with pytest.raises(RequestError) as failure:
        read_report(client(max_retries=1), "r1")
    assert failure.value.http_status == 504


@responses.activate
def test_timeouts_are_passed_to_every_call():
    responses.get(f"{BASE}/DiagnosticReport/r1", json=REPORT)
    read_report(client(connect_timeout_seconds=1.5, read_timeout_seconds=7.0), "r1")
    assert responses.calls[0].request.req_kwargs["timeout"] == (1.5, 7.0)


@responses.activate
def test_answers_larger_than_the_limit_are_refused():
    responses.get(f"{BASE}/Binary/big", body=b"x" * 5000, content_type="text/plain")
    with pytest.raises(RequestError) as failure:
        client(max_response_bytes=4096).get("Binary/big")
    assert failure.value.http_status == 502 and failure.value.too_large


@responses.activate
def test_a_missing_report_is_404_and_a_wrong_answer_502():
    responses.get(f"{BASE}/DiagnosticReport/gone", status=404, json={"resourceType": "OperationOutcome"})
    responses.get(f"{BASE}/DiagnosticReport/other", json=dict(REPORT, id="not-asked"))
    responses.get(f"{BASE}/DiagnosticReport/denied", status=403)
    with pytest.raises(RequestError) as missing:
        read_report(client(), "gone")
    assert missing.value.http_status == 404
    for report_id in ("other", "denied"):
        with pytest.raises(RequestError) as wrong:
            read_report(client(), report_id)
        assert wrong.value.http_status == 502


@responses.activate
def test_a_static_token_goes_with_every_call():
    responses.get(f"{BASE}/DiagnosticReport/r1", json=REPORT)
    ehr = EhrClient(EhrSettings(base_url=BASE), token=StaticToken("abc.def"))
    read_report(ehr, "r1")
    assert responses.calls[0].request.headers["Authorization"] == "Bearer abc.def"


@responses.activate
def test_no_retry_starts_past_the_call_budget():
    responses.get(f"{BASE}/DiagnosticReport/r1", status=503, headers={"Retry-After": "3"})
    waits: list[float] = []
    with pytest.raises(RequestError) as failure:
        read_report(client(waits, call_budget_seconds=2.0), "r1")
    assert failure.value.http_status == 503 and waits == [] and len(responses.calls) == 1


@responses.activate
def test_a_412_inside_a_transaction_response_counts_as_a_conflict():
    from service.ehr.write import _entry_failed_with

    responses.post(BASE, status=400, json={"resourceType": "Bundle", "type": "transaction-response",
                                           "entry": [{"response": {"status": "412 Precondition Failed"}}]})
    assert _entry_failed_with(client().post_json("", b"{}"), "412")
