"""The resources that describe the service: CapabilityStatement, OperationDefinition, CodeSystems.
Each validates against the R4B models."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.operationdefinition import OperationDefinition
from fhir.resources.R4B.operationoutcome import OperationOutcome

from service.fhir.outcome import error_outcome
from service.terminology import code_systems


def test_metadata_is_an_r4_capability_statement_declaring_enrich(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    statement = response.get_json(force=True)
    CapabilityStatement.model_validate(statement)
    assert statement["fhirVersion"] == "4.0.1"
    assert statement["implementation"]["url"] == "http://localhost/fhir"
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
    assert {p["name"] for p in definition["parameter"]} == {"report", "language", "mode", "return"}


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


@pytest.mark.parametrize("path", ["/fhir/OperationDefinition/other", "/fhir/CodeSystem/no-such-system"])
def test_unknown_ids_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    OperationOutcome.model_validate(response.get_json(force=True))


def test_outcomes_validate():
    OperationOutcome.model_validate(error_outcome(422, "bad", "DiagnosticReport.status"))
