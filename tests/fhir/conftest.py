"""The ``medplum`` fixture: Medplum's in-memory FHIR server (tests/fhirserver/server.mjs), once per session.

It needs Node and ``npm ci --prefix tests/fhirserver`` (which .ci/run does). Without the packages the
tests that use it are skipped on a developer's machine and fail in CI (``CI=true``).
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from service.fhir.io import dumps, loads

SERVER_DIR = Path(__file__).resolve().parents[1] / "fhirserver"
STARTUP_SECONDS = 60


class FhirServer:
    """A thin client of the test server: FHIR calls plus its two helpers ($validate, $reset)."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()
        self.session.headers.update({"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"})

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.url(path), timeout=30)

    def put(self, path: str, body: bytes, **headers) -> requests.Response:
        return self.session.put(self.url(path), data=body, headers=headers, timeout=30)

    def post(self, path: str, body: bytes) -> requests.Response:
        return self.session.post(self.url(path), data=body, timeout=60)

    def read(self, path: str) -> dict:
        """GET ``path``, which must answer 200; its resource as parsed by the service's lossless reader."""
        answer = self.get(path)
        assert answer.status_code == 200, answer.text
        return loads(answer.content)

    def store(self, report: dict) -> dict:
        """PUT a DiagnosticReport as the EHR would; the stored version (with ``meta.versionId``)."""
        answer = self.put(f"DiagnosticReport/{report['id']}", dumps(report))
        assert answer.status_code in (200, 201), answer.text
        return loads(answer.content)

    def validation_issues(self, resource: dict) -> list[dict]:
        """Medplum's validateResource on ``resource``: its error issues ([] when valid)."""
        answer = self.session.post(self.url("$validate"), data=json.dumps(resource), timeout=30)
        return [] if answer.status_code == 200 else answer.json().get("issue", [])

    def reset(self) -> None:
        self.session.post(self.url("$reset"), timeout=30).raise_for_status()


@pytest.fixture(scope="session")
def medplum():
    node = shutil.which("node")
    if node is None or not (SERVER_DIR / "node_modules" / "@medplum" / "fhir-router").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("Medplum's packages are missing: .ci/run installs them with npm ci --prefix tests/fhirserver")
        pytest.skip("Medplum's packages are not installed (npm ci --prefix tests/fhirserver)")
    process = subprocess.Popen([node, str(SERVER_DIR / "server.mjs")], cwd=SERVER_DIR, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        port = _announced_port(process)
        yield FhirServer(f"http://127.0.0.1:{port}")
    finally:
        process.stdin.close()  # the server exits when its stdin closes
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        process.stdout.close()
        process.stderr.close()


def _announced_port(process: subprocess.Popen) -> int:
    """The port the server prints on its first line, within STARTUP_SECONDS (else the test fails)."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if selector.select(timeout=deadline - time.monotonic()):
            line = process.stdout.readline()
            if line:
                return int(json.loads(line)["port"])
            break
    process.kill()
    error = process.stderr.read().decode("utf-8", "replace")[-2000:]
    pytest.fail(f"the Medplum test server did not start within {STARTUP_SECONDS} s: {error}")
