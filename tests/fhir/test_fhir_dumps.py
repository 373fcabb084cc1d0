"""dumps through orjson writes exactly what the json encoders write (service.fhir.io)."""

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.enrich import enrich
from service.fhir import io as fhir_io
from service.fhir.io import JsonNumber, dumps, loads

orjson = pytest.importorskip("orjson")

REPORT = Path(__file__).resolve().parents[1] / "api" / "data" / "lumbar-mri-report.json"
NUMBERS = st.sampled_from(["1.50", "0.10", "1.0E+2", "-0", "-0.0", "3e-7", "1E400", "12.000"]).map(JsonNumber)
TREES = st.recursive(
    st.none() | st.booleans() | st.integers() | NUMBERS | st.text() | st.decimals(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400)
@given(TREES)
def test_orjson_writes_what_json_writes(tree):
    assert dumps(tree) == fhir_io._json_dumps(tree) == fhir_io._slow_dumps(tree)


def test_an_enriched_bundle_is_written_byte_for_byte_as_json_writes_it():
    report = loads(REPORT.read_bytes())  # holds "valueDecimal": 1.50
    bundle = enrich(report, ("en", "es"))
    written = dumps(bundle)
    assert written == fhir_io._json_dumps(bundle)
    assert b'"valueDecimal":1.50' in written


def test_orjson_writes_the_tree_and_numbers_keep_their_text(monkeypatch):
    calls = []
    real = fhir_io._orjson.dumps
    monkeypatch.setattr(fhir_io._orjson, "dumps", lambda obj, **kw: calls.append(obj) or real(obj, **kw), raising=False)
    tree = {"a": JsonNumber("1.0E+2"), "b": [JsonNumber("-0"), Decimal("2.50"), 3]}
    assert dumps(tree) == b'{"a":1.0E+2,"b":[-0,2.50,3]}'
    assert calls == [tree]


@pytest.mark.parametrize("tree", [
    {"big": 2 ** 80}, {"s": "\ud800x"}, {1: "non-string key"}, {"nested": [[[]]] * 2, "null": None},
])
def test_what_orjson_passes_on_is_written_by_json(tree):
    assert dumps(tree) == fhir_io._json_dumps(tree)


def test_nan_anywhere_is_refused_not_written_as_null():
    for bad in ({"a": [float("nan")]}, {"a": {"b": float("inf")}}, [Decimal("NaN")]):
        with pytest.raises(ValueError):
            dumps(bad)
