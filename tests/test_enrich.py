"""The whole journey (service.enrich) with the real engine and explanation: fidelity, determinism,
idempotency, R4B validity, evidence offsets, and reports that are not about the spine."""

import base64
import html
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.enrich import enrich, report_identity
from service.extract import extract_findings
from service.fhir.io import JsonNumber, NotSupported, dumps, loads, validate_resource
from service.fhir.text import element_text, report_text
from service.terminology import code_systems, terminology

NOW = datetime(2026, 5, 4, 3, 2, 1, tzinfo=timezone.utc)
LATER = datetime(2027, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
CORPUS = Path(__file__).parent / "corpus" / "own.jsonl"
ADDITION_URL = terminology().url("addition_extension")
PRODUCTION_TIMES = re.compile(r'"(recorded|timestamp|creation)":"[^"]*"')

SPINE_TEXTS = [
    "At L4-L5, a right paracentral disc protrusion compresses the right L5 nerve root.",
    "L5-S1: Left subarticular disc extrusion displaces the descending left S1 nerve root. "
    "Moderate left foraminal narrowing.",
    "No nerve root impingement. No canal stenosis.",
    "C5-C6: Uncovertebral spurring causes severe right neural foraminal stenosis which may affect the "
    "exiting right C6 nerve root.",
    "IMPRESSION: Mild to moderate central canal stenosis at L3-L4. Broad-based bulge contacts the "
    "bilateral L4 nerve roots.",
]


def report_with(**elements) -> dict:
    base = {"resourceType": "DiagnosticReport", "id": "mri-1", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "24968-0"}], "text": "MR Lumbar spine"},
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-05-01T08:30:00+02:00",
            "issued": "2026-05-01T12:00:00.000+02:00"}
    return loads(dumps({**base, **elements}))


def corpus_texts(limit=None):
    if not CORPUS.exists():
        return []
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["id"], row["text"]) for row in rows[:limit]]


def resources(bundle, kind):
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def without_ours(report: dict) -> dict:
    """The report minus what the service added, written independently of service.fhir.bundle."""
    out = dict(report)
    for key in ("result", "presentedForm"):
        kept = [item for item in out.get(key, [])
                if not any(ext.get("url") == ADDITION_URL for ext in item.get("extension", []))]
        if kept:
            out[key] = kept
        else:
            out.pop(key, None)
    return out


def blank_times(bundle) -> str:
    return PRODUCTION_TIMES.sub('"\\1":""', dumps(bundle).decode("utf-8"))


# --- the shape of an enrichment -------------------------------------------------------------


def test_spine_report_becomes_a_collection_of_report_observations_provenance():
    report = report_with(conclusion=SPINE_TEXTS[0])
    bundle = enrich(report, ["en", "es"], now=NOW)
    findings = extract_findings(report_text(report).text)
    assert findings, "the engine should read this sentence"
    assert bundle["type"] == "collection" and bundle["timestamp"] == "2026-05-04T03:02:01.000Z"
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds == ["DiagnosticReport"] + ["Observation"] * len(findings) + ["Provenance"]
    enriched = bundle["entry"][0]["resource"]
    observation_urls = [entry["fullUrl"] for entry in bundle["entry"][1:-1]]
    assert all(url.startswith("urn:uuid:") for url in observation_urls)
    assert [ref["reference"] for ref in enriched["result"]] == observation_urls
    attachments = enriched["presentedForm"]
    assert [(a["language"], a["contentType"].split(";")[0]) for a in attachments] == [
        ("en", "text/html"), ("en", "text/plain"), ("es", "text/html"), ("es", "text/plain")]
    assert all(a["creation"] == "2026-05-04T03:02:01.000Z" and a["title"] for a in attachments)
    provenance = resources(bundle, "Provenance")[0]
    report_url = bundle["entry"][0]["fullUrl"]
    assert [t["reference"] for t in provenance["target"]] == [report_url, *observation_urls]
    assert provenance["entity"] == [{"role": "source", "what": {"reference": report_url}}]
    for observation in resources(bundle, "Observation"):
        assert observation["subject"] == report["subject"]
        assert observation["effectiveDateTime"] == report["effectiveDateTime"]
        assert observation["issued"] == report["issued"]
        assert observation["note"][0]["text"]
        assert observation["meta"]["security"][0]["code"] == "AIAST"


@pytest.mark.parametrize("text", SPINE_TEXTS + [text for _, text in corpus_texts(limit=20)])
def test_every_emitted_resource_validates(text):
    bundle = enrich(report_with(conclusion=text), ["en", "es"], now=NOW)
    assert validate_resource(loads(dumps(bundle)), "Bundle") == []
    for entry in bundle["entry"]:
        resource = loads(dumps(entry["resource"]))
        assert validate_resource(resource, resource["resourceType"]) == []
    local_system = terminology().local_system
    own_codes = {concept["code"] for concept in code_systems()["nerve-root-enricher"]["concept"]}
    emitted = set(re.findall(r'"system":"' + re.escape(local_system) + r'","code":"([^"]+)"', dumps(bundle).decode()))
    assert emitted <= own_codes
    assert bool(emitted) == bool(resources(bundle, "Observation"))


def test_note_holds_the_first_languages_sentence():
    from service.explain import explain

    report = report_with(conclusion=SPINE_TEXTS[1])
    text = report_text(report).text
    findings = extract_findings(text)
    sentences = explain(findings, "es", text=text).finding_sentences
    observations = resources(enrich(report, ["es", "en"], now=NOW), "Observation")
    assert [o["note"][0]["text"] for o in observations] == sentences


def test_the_explanation_quotes_the_radiologists_words():
    report = report_with(conclusion=SPINE_TEXTS[0])
    report_out = enrich(report, ["en"], now=NOW)["entry"][0]["resource"]
    html_forms = [form for form in report_out["presentedForm"] if form["contentType"].startswith("text/html")]
    fragment = base64.b64decode(html_forms[0]["data"]).decode("utf-8")
    assert "compresses the right L5 nerve root" in html.unescape(fragment)


def test_report_full_url_uses_the_fhir_base_when_known():
    report = report_with(conclusion=SPINE_TEXTS[0])
    bundle = enrich(report, now=NOW, fhir_base="https://ehr.example.org/fhir/")
    assert bundle["entry"][0]["fullUrl"] == "https://ehr.example.org/fhir/DiagnosticReport/mri-1"
    derivation = resources(bundle, "Observation")[0]["extension"][0]["extension"][0]
    assert derivation == {"url": "reference", "valueReference": {"reference": bundle["entry"][0]["fullUrl"]}}


@pytest.mark.parametrize("mode", ["batch", "document", ""])
def test_other_modes_are_not_supported(mode):
    with pytest.raises(NotSupported) as caught:
        enrich(report_with(conclusion=SPINE_TEXTS[0]), mode=mode)
    assert caught.value.issues[0].code == "not-supported"


def test_report_identity():
    with_identifiers = report_identity({"identifier": [{"system": "s", "value": "2"}, {"value": "1"}], "id": "x"})
    assert with_identifiers == "identifier:s|2\n|1"
    assert with_identifiers == report_identity({"identifier": [{"value": "1"}, {"system": "s", "value": "2"}]})
    assert report_identity({"id": "x"}) == "id:x"
    assert report_identity({"conclusion": "a"}) != report_identity({"conclusion": "b"})
    assert report_identity({"conclusion": "a"}).startswith("sha256:")


@pytest.mark.parametrize("identifier", [None, "ACC-1", 7, {"value": "v"}, [None], ["v"], [{"system": "s"}],
                                        [{"value": None}], [{"value": 3}], [[]]])
def test_report_identity_of_odd_identifiers_falls_back_to_the_id(identifier):
    assert report_identity({"id": "x", "identifier": identifier}) == "id:x"
    assert report_identity({"identifier": identifier}).startswith("sha256:")


def test_report_identity_ignores_a_system_that_is_not_a_string():
    assert report_identity({"identifier": [{"system": None, "value": "v"}, {"system": 5, "value": "w"}]}) == "identifier:|v\n|w"


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(
                        st.sampled_from(["system", "value", "id", "x"]), children, max_size=3), max_leaves=8))
def test_report_identity_never_fails_on_any_json(value):
    for report in ({"identifier": value}, {"id": value}, {"identifier": [value], "id": value}):
        assert report_identity(report).split(":", 1)[0] in ("identifier", "id", "sha256")


# --- determinism and idempotency -------------------------------------------------------------


@pytest.mark.parametrize("text", SPINE_TEXTS)
def test_identical_input_gives_identical_output_but_for_production_times(text):
    first = enrich(report_with(conclusion=text), ["en", "es"], now=NOW)
    second = enrich(report_with(conclusion=text), ["en", "es"], now=LATER)
    assert blank_times(first) == blank_times(second)
    assert dumps(first) != dumps(second)


@pytest.mark.parametrize("drop_id", [False, True])
@pytest.mark.parametrize("text", SPINE_TEXTS)
def test_enriching_an_enriched_report_replaces_the_earlier_additions(text, drop_id):
    report = report_with(conclusion=text, result=[{"reference": "Observation/ehr-own"}])
    if drop_id:
        del report["id"]
    once = enrich(report, ["en", "es"], now=NOW)
    twice = enrich(once["entry"][0]["resource"], ["en", "es"], now=NOW)
    assert dumps(twice) == dumps(once)


def test_reenrichment_in_other_languages_replaces_the_explanation():
    report = report_with(conclusion=SPINE_TEXTS[0])
    english = enrich(report, ["en"], now=NOW)["entry"][0]["resource"]
    spanish = enrich(english, ["es"], now=NOW)
    assert [a["language"] for a in spanish["entry"][0]["resource"]["presentedForm"]] == ["es", "es"]
    assert dumps(spanish) == dumps(enrich(report, ["es"], now=NOW))


# --- evidence points back into the report ------------------------------------------------------


def evidence_of(observation):
    for extension in observation.get("extension", []):
        parts = {e["url"]: e for e in extension["extension"]}
        yield parts["path"]["valueString"], parts["offset"]["valueInteger"], parts["length"]["valueInteger"]


@pytest.mark.parametrize("source", ["conclusion", "presentedForm", "html", "contained", "div"])
@pytest.mark.parametrize("text", SPINE_TEXTS + [text for _, text in corpus_texts(limit=8)])
def test_evidence_offsets_point_at_the_findings_words(text, source):
    if source == "conclusion":
        report = report_with(conclusion=text)
    elif source == "presentedForm":
        report = report_with(presentedForm=[{"contentType": "text/plain; charset=utf-8",
                                             "data": base64.b64encode(text.encode()).decode()}])
    elif source == "html":
        markup = "<html><body><p>" + html.escape(text).replace("\n", "</p>\n<p>") + "</p></body></html>"
        report = report_with(presentedForm=[{"contentType": "text/html",
                                             "data": base64.b64encode(markup.encode()).decode()}])
    elif source == "contained":
        report = report_with(contained=[{"resourceType": "Observation", "id": "o", "status": "final",
                                         "code": {"text": "Findings"}, "valueString": text}],
                             result=[{"reference": "#o"}])
    else:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br/>\n")
        report = report_with(text={"status": "generated",
                                   "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escaped}</p></div>'})
    document = report_text(report)
    findings = extract_findings(document.text)
    bundle = enrich(report, now=NOW)
    observations = resources(bundle, "Observation")
    assert len(observations) == len(findings)
    for finding, observation in zip(findings, observations):
        expected_words = [" ".join(document.text[e.start:e.end].split()) for e in finding.evidence]
        found_words = []
        for path, offset, length in evidence_of(observation):
            raw = element_text(report, path)[offset:offset + length]
            if path.endswith(".div") or source == "html":
                raw = html.unescape(re.sub(r"<[^>]*>", " ", raw))
            found_words.append(" ".join(raw.split()))
        assert found_words == [w for w in expected_words if w], (finding, found_words)


# --- reports that are not about the spine come back as sent ---------------------------------------

CHEST_XRAY = b"""{"resourceType":"DiagnosticReport","id":"cxr-1","status":"final",
"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"RAD"}]}],
"code":{"coding":[{"system":"http://loinc.org","code":"36643-5","display":"XR Chest 2V"}]},
"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-05-01","issued":"2026-05-01T10:00:00Z",
"conclusion":"Heart size normal. Lungs are clear. No pleural effusion or pneumothorax. Degenerative change of the thoracic spine."}"""

LAB_PANEL = b"""{"resourceType":"DiagnosticReport","id":"cbc","status":"final",
"code":{"coding":[{"system":"http://loinc.org","code":"58410-2"}],"text":"CBC panel"},
"subject":{"reference":"Patient/p1"},"effectivePeriod":{"start":"2026-05-01T08:00:00Z"},"issued":"2026-05-01T09:00:00.000Z",
"contained":[{"resourceType":"Observation","id":"hb","status":"final","code":{"text":"Hemoglobin"},
"valueQuantity":{"value":14.50,"unit":"g/dL","system":"http://unitsofmeasure.org","code":"g/dL"},
"referenceRange":[{"low":{"value":13.0},"high":{"value":17.0}}]}],
"result":[{"reference":"#hb"}]}"""

HL7_EXAMPLE_LIKE = """{"resourceType":"DiagnosticReport","id":"ultrasound","text":{"status":"generated",
"div":"<div xmlns=\\"http://www.w3.org/1999/xhtml\\"><p><b>Abdomen ultrasound</b></p><p>Unremarkable liver, gallbladder and kidneys &amp; spleen.</p></div>"},
"status":"final","category":[{"coding":[{"system":"http://snomed.info/sct","code":"394914008","display":"Radiology"}]}],
"code":{"coding":[{"system":"http://snomed.info/sct","code":"45036003","display":"Ultrasonography of abdomen"}],"text":"Abdominal Ultrasound"},
"subject":{"reference":"Patient/example"},"effectiveDateTime":"2012-12-01T12:00:00+01:00","issued":"2012-12-01T12:00:00+01:00",
"performer":[{"display":"Acme Radiology"}],"conclusion":"Unremarkable study",
"presentedForm":[{"contentType":"application/pdf","data":"JVBERi0xLjQK","title":"Report"}]}""".encode("utf-8")


@pytest.mark.parametrize("raw", [CHEST_XRAY, LAB_PANEL, HL7_EXAMPLE_LIKE], ids=["chest-xray", "lab", "hl7-example"])
def test_non_spine_reports_come_back_unchanged(raw):
    report = loads(raw)
    bundle = enrich(report, ["en", "es"], now=NOW)
    types = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    # The HL7 example's PDF is a stub without text: its unread text is a warning, never a silent "no findings".
    assert types == (["DiagnosticReport", "OperationOutcome"] if raw is HL7_EXAMPLE_LIKE else ["DiagnosticReport"])
    assert dumps(bundle["entry"][0]["resource"]) == dumps(loads(raw))
    assert validate_resource(loads(dumps(bundle)), "Bundle") == []


# --- fidelity: everything the EHR sent stays exactly as sent ------------------------------------

FHIR_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc", "Z"), include_characters=" \u00e9\u795e\U0001f600"),
                    min_size=1, max_size=24).filter(str.strip)
DECIMAL_TEXT = st.one_of(
    st.sampled_from(["1.50", "0.10", "1.0E+2", "-0.0", "100.000", "3.141592653589793238462643383279", "1e-7", "2.5e3"]),
    st.from_regex(r"-?(0|[1-9][0-9]{0,6})\.[0-9]{0,4}0", fullmatch=True),
).map(JsonNumber)
IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,20}", fullmatch=True)


@st.composite
def extensions(draw, depth=0):
    url = "http://example.org/fhir/StructureDefinition/" + draw(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True))
    if depth < 2 and draw(st.booleans()):
        return {"url": url, "extension": draw(st.lists(extensions(depth + 1), min_size=1, max_size=2))}
    value = draw(st.one_of(
        DECIMAL_TEXT.map(lambda d: ("valueDecimal", d)), FHIR_TEXT.map(lambda t: ("valueString", t)),
        st.integers(-10**6, 10**6).map(lambda i: ("valueInteger", i)), st.booleans().map(lambda b: ("valueBoolean", b)),
        st.builds(lambda v, u: ("valueQuantity", {"value": v, "unit": u}), DECIMAL_TEXT, FHIR_TEXT),
    ))
    return {"url": url, value[0]: value[1]}


@st.composite
def ehr_reports(draw):
    elements = {
        "id": draw(IDS),
        "meta": {"versionId": "3", "tag": [{"system": "http://example.org/tags", "code": draw(IDS)}]},
        "extension": draw(st.lists(extensions(), min_size=1, max_size=3)),
        "identifier": [{"system": "urn:oid:1.2.3", "value": draw(FHIR_TEXT)}],
        "status": "final",
        "_status": {"extension": draw(st.lists(extensions(), min_size=1, max_size=2))},
        "code": {"coding": [{"system": "http://loinc.org", "code": "24968-0"}], "text": draw(FHIR_TEXT)},
        "subject": {"reference": "Patient/p1", "display": draw(FHIR_TEXT)},
        "effectiveDateTime": "2026-05-01T08:30:00+02:00",
        "issued": "2026-05-01T12:00:00.000+02:00",
        "contained": [{
            "resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": draw(FHIR_TEXT)},
            "valueQuantity": {"value": draw(DECIMAL_TEXT), "unit": draw(FHIR_TEXT)},
            "component": [{"code": {"text": "x"}, "valueQuantity": {"value": draw(DECIMAL_TEXT)}}],
        }],
        "result": [{"reference": "#o1"}],
        "conclusion": draw(st.sampled_from(SPINE_TEXTS)) + draw(st.sampled_from(["", " ", " Ünïcødé ✓ 神经 "]))
                      + draw(st.one_of(st.just(""), FHIR_TEXT)),
        "_conclusion": {"extension": draw(st.lists(extensions(), min_size=1, max_size=2))},
        "presentedForm": [{"contentType": "application/pdf", "data": "JVBERi0xLjQK", "title": draw(FHIR_TEXT)}],
        "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>'
                 + html.escape(draw(FHIR_TEXT)) + "</p>&#160;<br/></div>"},
    }
    optional = draw(st.sets(st.sampled_from(["meta", "extension", "identifier", "_status", "contained", "result",
                                             "_conclusion", "presentedForm", "id", "text"])))
    keys = [key for key in elements if key not in optional or key in ("contained",) and "result" not in optional]
    order = draw(st.permutations(keys))
    return {"resourceType": "DiagnosticReport", **{key: elements[key] for key in order}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ehr_reports())
def test_output_minus_additions_is_exactly_the_input(report):
    sent = dumps(report)
    parsed = loads(sent)
    assert validate_resource(parsed, "DiagnosticReport") == []
    bundle = enrich(parsed, ["en", "es"], now=NOW)
    assert dumps(parsed) == sent, "the input dict must not be modified"
    returned = bundle["entry"][0]["resource"]
    assert dumps(without_ours(returned)) == sent
    for entry in bundle["entry"]:
        resource = loads(dumps(entry["resource"]))
        assert validate_resource(resource, resource["resourceType"]) == []
    again = enrich(returned, ["en", "es"], now=NOW)
    assert dumps(again) == dumps(bundle)
