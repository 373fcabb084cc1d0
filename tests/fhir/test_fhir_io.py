"""Lossless JSON and R4B validation (service.fhir.io)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.fhir import io as fhir_io
from service.fhir.io import (
    MAX_DEPTH, InvalidResource, JsonNumber, UnparseableInput, dumps, ensure_valid, loads,
    validate_resource,
)

MINIMAL = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "MRI lumbar spine"}}


@pytest.mark.parametrize("text", [
    '{"a":1.50}', '{"a":0.10}', '{"a":1.0E+2}', '{"a":1e5}', '{"a":-0.0000001}', '{"a":-0}',
    '{"a":12345678901234567890123}', '{"a":[1,2.000,3e-7]}', '{"z":1,"a":2,"m":{"y":true,"b":null}}',
    '{"t":"Ünïcødé ✓ 神经"}', '{"e":"line\\nbreak \\"quoted\\" \\\\ tab\\t"}',
])
def test_round_trip_keeps_exact_text(text):
    assert dumps(loads(text)).decode("utf-8") == text


def test_numbers_keep_types():
    parsed = loads(b'{"i":7,"d":1.50}')
    assert type(parsed["i"]) is int
    assert isinstance(parsed["d"], JsonNumber) and parsed["d"].text == "1.50"


def test_bytes_with_bom_and_whitespace():
    assert loads("\ufeff { \"a\" : 1 } ".encode("utf-8")) == {"a": 1}


def test_lone_surrogate_is_written_escaped():
    parsed = loads('{"s":"\\ud800x"}')
    assert dumps(parsed) == b'{"s":"\\ud800x"}'


@pytest.mark.parametrize("body", [
    b"", b"{", b'{"a":NaN}', b'{"a":Infinity}', b'{"a":-Infinity}', b'{"a":1,"a":2}',
    b"\xff\xfe{}", b"{'a':1}", b'{"a":1} extra',
])
def test_rejects_unparseable(body):
    with pytest.raises(UnparseableInput) as caught:
        loads(body)
    assert caught.value.http_status == 400
    assert caught.value.issues[0].code == "structure"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 200000])
def test_rejects_deep_nesting(depth):
    with pytest.raises(UnparseableInput, match="deeper"):
        loads("[" * depth + "]" * depth)


def test_accepts_depth_at_limit():
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)


def test_error_messages_do_not_echo_input():
    with pytest.raises(UnparseableInput) as caught:
        loads(b'{"name": "SECRET PATIENT" oops}')
    assert "SECRET" not in str(caught.value)


def test_valid_report_has_no_issues():
    assert validate_resource(loads(dumps(MINIMAL)), "DiagnosticReport") == []


def test_validation_does_not_touch_the_input():
    report = loads(b'{"resourceType":"DiagnosticReport","status":"final","code":{"text":"x"},'
                   b'"_status":{"extension":[{"url":"http://x","valueDecimal":1.50}]}}')
    before = dumps(report)
    assert validate_resource(report, "DiagnosticReport") == []
    assert dumps(report) == before


@pytest.mark.parametrize("change, expression, code", [
    ({"status": 5}, "DiagnosticReport.status", "structure"),
    ({"status": "finished SECRET"}, "DiagnosticReport.status", "code-invalid"),
    ({"issued": "yesterday SECRET"}, "DiagnosticReport.issued", "value"),
    ({"id": "bad id SECRET"}, "DiagnosticReport.id", "value"),
    ({"presentedForm": [{"contentType": "text/plain", "data": "SECRET not base64"}]},
     "DiagnosticReport.presentedForm[0].data", "value"),
    # an unknown key is reported by position, never by its name (a key can carry PHI)
    ({"secretField": "SECRET"}, "DiagnosticReport", "structure"),
    ({"_status": {"extension": [{"url": "u", "valueString": 5}]}},
     "DiagnosticReport.status.extension[0].valueString", "structure"),
    ({"contained": [{"resourceType": "NoSuchType", "id": "SECRET"}]}, "DiagnosticReport.contained[0]", "structure"),
    ({"contained": [{"resourceType": "Observation", "status": "final"}]}, "DiagnosticReport.contained[0].code",
     "required"),
])
def test_invalid_reports_give_fhirpath_and_no_values(change, expression, code):
    report = {**MINIMAL, **change}
    issues = validate_resource(report, "DiagnosticReport")
    assert any(issue.expression == expression and issue.code == code for issue in issues), issues
    assert all("SECRET" not in issue.message and "secret" not in (issue.expression or "").lower() for issue in issues)


def test_missing_required_element():
    report = {key: value for key, value in MINIMAL.items() if key != "code"}
    issues = validate_resource(report, "DiagnosticReport")
    assert [(issue.code, issue.expression) for issue in issues] == [("required", "DiagnosticReport.code")]


@pytest.mark.parametrize("obj", [[], "x", {"resourceType": "Observation"}, {"status": "final"}])
def test_wrong_resource_type(obj):
    with pytest.raises(InvalidResource) as caught:
        ensure_valid(obj, "DiagnosticReport")
    assert caught.value.http_status == 422


def test_issue_to_fhir():
    issue = validate_resource({**MINIMAL, "status": 5}, "DiagnosticReport")[0]
    assert issue.to_fhir() == {"severity": "error", "code": "structure", "diagnostics": issue.message,
                               "expression": ["DiagnosticReport.status"]}


def test_integer_too_long_to_read_is_unparseable():
    with pytest.raises(UnparseableInput, match="number"):
        loads('{"a":' + "9" * 5000 + "}")


def test_huge_exponent_keeps_its_text():
    assert dumps(loads('{"a":1E400,"b":-2.50e-400}')) == b'{"a":1E400,"b":-2.50e-400}'


@pytest.mark.parametrize("change, expression", [
    ({"conclusion": None}, "DiagnosticReport.conclusion"),
    ({"code": {"text": None}}, "DiagnosticReport.code.text"),
    ({"performer": [None]}, "DiagnosticReport.performer[0]"),
    ({"_status": None}, "DiagnosticReport.status"),
])
def test_json_null_is_invalid(change, expression):
    issues = validate_resource({**MINIMAL, **change}, "DiagnosticReport")
    assert [(issue.code, issue.expression) for issue in issues] == [("invalid", expression)]
    with pytest.raises(InvalidResource):
        ensure_valid({**MINIMAL, **change}, "DiagnosticReport")


def test_null_where_a_primitive_array_has_an_extension_twin_is_valid():
    report = {**MINIMAL, "code": {"coding": [{"system": "http://loinc.org", "code": "24968-0"}], "text": "x"},
              "performer": [{"display": "A"}]}
    name = {"given": ["Ann", None], "_given": [None, {"extension": [{"url": "http://x", "valueString": "y"}]}]}
    assert validate_resource({"resourceType": "Patient", "name": [name]}, "Patient") == []
    assert validate_resource(report, "DiagnosticReport") == []


# --- dumps: the C encoder with number markers gives exactly what the pure-Python encoder gives ----

NUMBER_TEXTS = st.sampled_from(["1.50", "0.10", "1.0E+2", "-0", "-0.0", "3e-7", "1E400", "12.000"]).map(JsonNumber)
# Strings that imitate the marker: the nonce itself, the quoted marker, pieces of both, around other text.
MARKER_LIKE = st.sampled_from([fhir_io._NONCE, fhir_io._MARKER, fhir_io._NONCE[:-1], fhir_io._NONCE[1:],
                               fhir_io._MARKER + fhir_io._MARKER, "\u2063", '"'])
TEXTS = st.one_of(
    st.text(),
    st.builds(lambda before, marker, after: before + marker + after, st.text(max_size=5), MARKER_LIKE,
              st.text(max_size=5)),
)
JSON_TREES = st.recursive(
    st.none() | st.booleans() | st.integers() | NUMBER_TEXTS | TEXTS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXTS, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400)
@given(JSON_TREES)
def test_dumps_equals_the_pure_python_encoder_even_when_text_imitates_the_marker(tree):
    assert fhir_io.dumps(tree) == fhir_io._slow_dumps(tree)


@given(NUMBER_TEXTS, MARKER_LIKE)
def test_a_marker_in_the_text_never_takes_a_numbers_place(number, marker):
    tree = {marker: [marker, number, {"m": marker}], "n": number}
    written = dumps(tree)
    again = loads(written)
    assert list(again) == [marker, "n"]
    assert again[marker][0] == marker and again[marker][2] == {"m": marker}
    assert again[marker][1].text == number.text and again["n"].text == number.text


def test_what_json_cannot_hold_is_refused_as_before():
    for bad in (float("nan"), Decimal("NaN"), {"a": Decimal("Infinity")}):
        with pytest.raises(ValueError):
            dumps(bad)
    with pytest.raises(TypeError):
        dumps({"a": object()})
    assert dumps({"d": Decimal("2.50"), "f": 0.1, "t": (1, 2)}) == b'{"d":2.50,"f":0.1,"t":[1,2]}'
