"""Fixtures of the EHR tests: the ``medplum`` fixture of tests/fhir (Medplum's in-memory FHIR server) for the
instance-level flows, a stateful FHIR server behind ``responses`` and the app configured to reach it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import responses

from ehr_helpers import FhirServer, ehr_app

_spec = importlib.util.spec_from_file_location("fhir_server_fixture", Path(__file__).resolve().parents[1] / "fhir"
                                               / "conftest.py")
_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixture)

medplum = _fixture.medplum


@pytest.fixture()
def server():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FhirServer(mock)


@pytest.fixture(scope="module")
def app():
    return ehr_app()
