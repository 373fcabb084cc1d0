"""The ``medplum`` fixture of tests/fhir (Medplum's in-memory FHIR server), for the instance-level flows here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("fhir_server_fixture", Path(__file__).resolve().parents[1] / "fhir"
                                               / "conftest.py")
_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixture)

medplum = _fixture.medplum
