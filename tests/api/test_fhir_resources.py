"""The resources that describe the service: CapabilityStatement, OperationDefinition, CodeSystems,
the addition extension's StructureDefinition and the ValueSets. Each validates against the R4B models;
all come from configuration, never from the request."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.operationdefinition import OperationDefinition
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.structuredefinition import StructureDefinition
from fhir.resources.R4B.valueset import ValueSet

from service import create_app
from service import terminology

from service.fhir.outcome import error_outcome
from service.terminology import code_systems


def test_metadata_is_an_r4_capability_statement_declaring_enrich(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    statement = response.get_json(force=True)
    CapabilityStatement.model_validate(statement)
    assert statement["fhirVersion"] == "4.0.1"
    assert "url" not in statement["implementation"]  # no ENRICHER_PUBLIC_BASE_URL configured
    report = next(r for r in statement["rest"][0]["resource"] if r["type"] == "DiagnosticReport")
    definition = report["operation"][0]["definition"]
    assert report["operation"][0]["name"] == "enrich"
    assert definition.endswith("/OperationDefinition/DiagnosticReport-enrich")


def test_operation_definition_is_served_and_matches_the_capability_statement(client):
    statement = client.get("/fhir/metadata").get_json(force=True)
    response = client.get("/fhir/OperationDefinition/DiagnosticReport-enrich")
    assert response.status_code == 200
    definition = response.get_json(force=True)
    OperationDefinition.model_validate(definition)
    declared = statement["rest"][0]["resource"][0]["operation"][0]["definition"]
    assert definition["url"] == declared
    assert definition["code"] == "enrich" and definition["resource"] == ["DiagnosticReport"]
    assert {p["name"] for p in definition["parameter"]} == {"report", "language", "mode", "write", "return"}
    assert definition["type"] and definition["instance"]  # DiagnosticReport/$enrich and DiagnosticReport/{id}/$enrich


@pytest.mark.parametrize("resource_id", sorted(code_systems()))
def test_every_code_system_is_served_and_valid(client, resource_id):
    response = client.get(f"/fhir/CodeSystem/{resource_id}")
    assert response.status_code == 200
    code_system = response.get_json(force=True)
    CodeSystem.model_validate(code_system)
    assert code_system["id"] == resource_id


def test_every_local_code_in_a_bundle_resolves_to_a_served_code_system(client, report_bytes):
    response = client.post("/fhir/DiagnosticReport/$enrich", data=report_bytes, content_type="application/fhir+json")
    objects: list[dict] = []
    json.loads(response.data, object_hook=lambda obj: objects.append(obj) or obj)
    served = {}
    for resource_id in code_systems():
        system = client.get(f"/fhir/CodeSystem/{resource_id}").get_json(force=True)
        served[system["url"]] = {concept["code"] for concept in system["concept"]}
    local = [obj for obj in objects if obj.get("system") in served and "code" in obj]
    assert local, "the bundle uses codes of the project's own CodeSystem"
    for coding in local:
        assert coding["code"] in served[coding["system"]]


@pytest.mark.parametrize("path", ["/fhir/OperationDefinition/other", "/fhir/CodeSystem/no-such-system",
                                  "/fhir/StructureDefinition/other", "/fhir/ValueSet/other"])
def test_unknown_ids_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    OperationOutcome.model_validate(response.get_json(force=True))


def test_capability_statement_ignores_the_host_header(client):
    forged = client.get("/fhir/metadata", headers={"Host": "attacker.example", "X-Forwarded-Host": "evil.example"})
    assert b"attacker" not in forged.data and b"evil" not in forged.data
    app = create_app({"TESTING": True, "PUBLIC_BASE_URL": "https://enricher.example.org/fhir"})
    statement = app.test_client().get("/fhir/metadata", headers={"Host": "attacker.example"}).get_json(force=True)
    assert statement["implementation"]["url"] == "https://enricher.example.org/fhir"


def test_the_addition_extension_and_value_sets_are_served_at_their_canonical_urls(client, report_bytes):
    bundle = client.post("/fhir/DiagnosticReport/$enrich", data=report_bytes,
                         content_type="application/fhir+json").get_json(force=True)
    marks = {ext["url"] for item in bundle["entry"][0]["resource"]["result"] for ext in item.get("extension", [])}
    base = terminology.canonical_base()
    definition = client.get("/fhir/StructureDefinition/enrichment-addition").get_json(force=True)
    StructureDefinition.model_validate(definition)
    assert definition["url"] in marks and definition["url"] == f"{base}/StructureDefinition/enrichment-addition"
    binding = next(e for e in definition["differential"]["element"] if e["path"] == "Extension.value[x]")["binding"]
    operation = client.get("/fhir/OperationDefinition/DiagnosticReport-enrich").get_json(force=True)
    mode = next(p for p in operation["parameter"] if p["name"] == "mode")["binding"]["valueSet"]
    for url in (binding["valueSet"], mode):
        assert url.startswith(f"{base}/ValueSet/")
        value_set = client.get("/fhir/ValueSet/" + url.rsplit("/", 1)[1]).get_json(force=True)
        ValueSet.model_validate(value_set)
        assert value_set["url"] == url
    kinds = {c["code"] for c in client.get(binding["valueSet"].replace(base, "/fhir")).get_json(force=True)
             ["compose"]["include"][0]["concept"]}
    used = {ext["valueCode"] for item in bundle["entry"][0]["resource"]["result"] + bundle["entry"][0]["resource"]
            ["presentedForm"] for ext in item.get("extension", []) if ext["url"] == definition["url"]}
    assert used and used <= kinds
    assert client.get("/fhir/StructureDefinition/other").status_code == 404
    assert client.get("/fhir/ValueSet/other").status_code == 404


def test_the_canonical_base_is_configured(monkeypatch, report_bytes):
    monkeypatch.setenv("ENRICHER_CANONICAL_BASE", "https://terminology.hospital.example/fhir/")
    terminology.reload()
    try:
        client = create_app({"TESTING": True}).test_client()
        base = "https://terminology.hospital.example/fhir"
        assert client.get("/fhir/StructureDefinition/enrichment-addition").get_json(force=True)["url"] == \
            f"{base}/StructureDefinition/enrichment-addition"
        assert client.get("/fhir/CodeSystem/nerve-root-enricher").get_json(force=True)["url"] == \
            f"{base}/CodeSystem/nerve-root-enricher"
        bundle = client.post("/fhir/DiagnosticReport/$enrich", data=report_bytes,
                             content_type="application/fhir+json").get_json(force=True)
        observation = bundle["entry"][1]["resource"]
        assert observation["identifier"][0]["system"] == f"{base}/sid/finding"
        assert bundle["entry"][0]["resource"]["result"][0]["extension"][0]["url"].startswith(base)
    finally:
        monkeypatch.delenv("ENRICHER_CANONICAL_BASE")
        terminology.reload()


def test_outcomes_validate():
    OperationOutcome.model_validate(error_outcome(422, "bad", "DiagnosticReport.status"))
