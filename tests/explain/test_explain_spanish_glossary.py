"""The Spanish wording follows mappings/explain/glossary.es.yaml: no avoided term outside quotes, and the
page explains the foramen and the lateral recess where the English says "nerve opening"."""

from __future__ import annotations

import re

import yaml

from service.explain import explain
from service.explain.phrasebook import MAPPINGS_DIR, phrasebook
from service.extract.finding import Finding

QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"")


def glossary() -> dict:
    with open(MAPPINGS_DIR / "glossary.es.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_no_avoided_term_in_the_spanish_wording():
    avoid = glossary()["avoid"]
    found = [(term, text) for text in strings(phrasebook("es")) for term in avoid
             if term in QUOTED.sub(" ", text).lower()]
    assert found == []


def test_the_foramen_and_the_lateral_recess_are_explained():
    findings = [Finding("foraminal-stenosis", level="L4-L5", side="left", severity="mild"),
                Finding("lateral-recess-stenosis", level="L4-L5", side="right", severity="mild"),
                Finding("nerve-root", level="L5-S1", root="S1", degree="impingement")]
    text = explain(findings, "es").text
    assert "orificio por donde sale el nervio" in text and "Se llama foramen." in text
    assert "canal derecho por donde pasa el nervio" in text and "Se llama receso lateral." in text
    # No English term in guillemets either: it read as the report's word where the report had none (review 9, C7).
    assert "pinzamiento" not in text.lower() and "«" not in text and "impingement" not in text
