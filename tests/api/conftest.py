"""Fixtures for the HTTP tests: a real application (no mocks) and a typical spine MRI report."""

from __future__ import annotations

import json

import pytest

from api_helpers import REPORT_PATH
from service import create_app


@pytest.fixture(scope="session")
def app():
    return create_app({"TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def report_bytes() -> bytes:
    return REPORT_PATH.read_bytes()


@pytest.fixture()
def report() -> dict:
    return json.loads(REPORT_PATH.read_text(encoding="utf-8"))
