"""Hostile input: every bad request gets a deliberate 4xx, and a good request still works after."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api_helpers import ENRICH, post_fhir
from service import create_app

LIMIT = 256 * 1024


def hostile_bodies() -> list[tuple[str, bytes]]:
    noise = random.Random(7)
    long_text = "L4-L5 " * 20000 + "-" * 50000 + " " * 50000
    report = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "MRI"}}
    return [
        ("random bytes", bytes(noise.randrange(256) for _ in range(4096))),
        ("nul bytes", b"\x00" * 1000),
        ("nested arrays", b"[" * 100000 + b"]" * 100000),
        ("nested objects", b'{"a":' * 3000 + b"1" + b"}" * 3000),
        ("huge", b'{"resourceType": "DiagnosticReport", "conclusion": "' + b"x" * (LIMIT + 10) + b'"}'),
        ("lone surrogate", json.dumps({**report, "conclusion": "\ud800 broken"}).encode("ascii")),
        ("nul in text", json.dumps({**report, "conclusion": "L5\u0000 root compressed\u0000"}).encode()),
        ("odd unicode", json.dumps({**report, "conclusion": "L4\u2013L5 \u202e\u200b\ufeff r\u0301oot \U0001F600 \u0000"},
                                   ensure_ascii=False).encode()),
        ("long runs", json.dumps({**report, "conclusion": long_text}).encode()),
        ("huge integer", b'{"resourceType": "DiagnosticReport", "x": ' + b"9" * 5000 + b"}"),
        ("huge number list", b"[" + b"1.5," * 30000 + b"1]"),
        ("wrong types", json.dumps({**report, "conclusion": {"div": 1}, "result": "x"}).encode()),
        ("contained junk", json.dumps({**report, "contained": [{"resourceType": "Nonsense"}, 5]}).encode()),
        ("parameters junk", json.dumps({"resourceType": "Parameters", "parameter": [None, 1, "x", {"name": 3}]}).encode()),
        ("base64 junk", json.dumps({**report, "presentedForm": [{"contentType": "text/plain", "data": "!!!!"}]}).encode()),
    ]


@pytest.fixture(scope="module")
def small_limit_client():
    return create_app({"MAX_CONTENT_LENGTH": LIMIT}).test_client()


def test_hostile_bodies_get_4xx_and_the_service_stays_healthy(small_limit_client, report_bytes):
    client = small_limit_client
    for name, body in hostile_bodies():
        response = post_fhir(client, body)
        assert response.status_code < 500 or response.status_code == 501, (name, response.status_code, response.data[:300])
        assert b"Traceback" not in response.data
        assert response.get_json(force=True)["resourceType"] in ("OperationOutcome", "Bundle"), name
    good = post_fhir(client, report_bytes)
    assert good.status_code == 200
    assert client.get("/healthz").status_code == 200


def test_hostile_text_on_the_extract_endpoint(small_limit_client):
    client = small_limit_client
    for text in ("\x00" * 10000, "-" * 100000, "L4-L5 " * 20000, "\u202e\U0001F600" * 5000, "(" * 50000):
        response = client.post("/api/v1/extract", json={"text": text})
        assert response.status_code == 200
    assert client.post("/api/v1/extract", json={"text": "Severe left L5 root compression at L4-L5."}).status_code == 200


@pytest.mark.parametrize("header", ["en;q=abc", "q=1;en", ",,,", "*", "x" * 1000, "es;q=0, en;q=0"])
def test_odd_accept_language_headers_fall_back(client, report_bytes, header):
    response = client.post(ENRICH, data=report_bytes, content_type="application/fhir+json",
                           headers={"Accept-Language": header})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"


JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
JSON_VALUES = st.recursive(JSON_LEAVES, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=12), children, max_size=4), max_leaves=20)
REPORT_ELEMENTS = ["id", "meta", "text", "contained", "extension", "identifier", "status", "_status", "category", "code",
                   "subject", "effectiveDateTime", "issued", "result", "conclusion", "_conclusion", "presentedForm",
                   "conclusionCode", "basedOn"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(elements=st.dictionaries(st.sampled_from(REPORT_ELEMENTS), JSON_VALUES, max_size=6),
       wrap=st.booleans())
def test_arbitrary_json_in_report_elements_never_gives_a_server_error(client, elements, wrap):
    report = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "MRI"}, **elements}
    body = {"resourceType": "Parameters", "parameter": [{"name": "report", "resource": report}]} if wrap else report
    response = post_fhir(client, json.dumps(body))
    assert response.status_code in (200, 400, 422), response.data[:500]


SPINE_WORDS = st.sampled_from(["L4-L5", "L5-S1", "C5/6", "left", "right", "bilateral", "no", "not", "may", "nerve root",
                               "compresses", "contacts", "foraminal", "stenosis", "protrusion", ":", ".", ",", "\n",
                               "IMPRESSION:", "FINDINGS:", "<", "&", "\u00e9", "\u0000", "\u202e", "\U0001F600"])
REPORT_TEXT = st.lists(SPINE_WORDS | st.text(max_size=8), max_size=60).map(" ".join)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conclusion=REPORT_TEXT, attachment=REPORT_TEXT, narrative=REPORT_TEXT,
       content_type=st.sampled_from(["text/plain", "text/plain; charset=utf-8", "text/html", "text/markdown",
                                     "application/pdf", "text/plain; charset=latin-1"]))
def test_arbitrary_report_text_in_every_source_is_enriched(client, conclusion, attachment, narrative, content_type):
    import base64
    from html import escape

    report = {
        "resourceType": "DiagnosticReport", "status": "final", "code": {"text": "MRI"},
        "text": {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(narrative)}</p></div>'},
        "presentedForm": [{"contentType": content_type, "data": base64.b64encode(attachment.encode()).decode()}],
    }
    if conclusion.strip():
        report["conclusion"] = conclusion
    response = post_fhir(client, json.dumps(report))
    assert response.status_code in (200, 422), response.data[:500]
