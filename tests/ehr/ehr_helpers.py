"""Helpers for the EHR tests: a small FHIR server behind ``responses`` (real HTTP requests from the service's
client, answered in-process), PDFs with and without a text layer, an RSA key for SMART backend services."""

from __future__ import annotations

import base64
import copy
import json
import re
from urllib.parse import unquote

import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from service import create_app
from service.config import EhrSettings

BASE = "https://ehr.example.test/fhir/R4"
TOKEN_URL = "https://auth.example.test/oauth2/token"
SPINE_TEXT = ("L4-L5: left paracentral protrusion compresses the traversing left L5 nerve root. "
              "L5-S1: mild right foraminal stenosis.")
CORRECTED_TEXT = "L4-L5: left paracentral protrusion compresses the traversing left L5 nerve root."


def report(report_id: str = "mri-1", conclusion: str | None = SPINE_TEXT, **extra) -> dict:
    resource = {"resourceType": "DiagnosticReport", "id": report_id, "status": "final",
                "code": {"text": "MRI lumbar spine"}, "subject": {"reference": "Patient/p1"}}
    if conclusion is not None:
        resource["conclusion"] = conclusion
    resource.update(extra)
    return resource


def pdf(text: str | None) -> bytes:
    """A one-page PDF; with ``text`` its page draws it line by line in Helvetica (a text layer), without it the
    page is empty (a scan has no text layer either). Characters outside Latin-1 become "?"."""
    content = b""
    if text is not None:
        lines = [line.encode("latin-1", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
                 for line in text.split("\n")]
        content = b"BT /F1 9 Tf 11 TL 20 780 Td " + b" ".join(b"(" + line + b") Tj T*" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode("utf-8") if isinstance(data, str) else data).decode("ascii")


def private_key_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode("ascii")
    return key, pem


def ehr_app(**settings):
    """An application connected to ``BASE`` (no retry waits unless asked)."""
    ehr = EhrSettings(base_url=BASE, **{"max_retry_wait_seconds": 5.0, **settings})
    app = create_app({"TESTING": True, "EHR": ehr, "FHIR_BASE_URL": BASE, "CORS_ORIGINS": ehr.cors_origins})
    return app


class FhirServer:
    """A small FHIR server answering the service's requests through ``responses``: reads, and transactions
    with PUT (plain and ``If-Match``), conditional update, and POST with ``ifNoneExist``. Just enough to see
    counts and contents on the server after each flow; the Medplum tests hold the service to a real one."""

    def __init__(self, mock: responses.RequestsMock, base: str = BASE):
        self.base = base
        self.store: dict[tuple[str, str], dict] = {}
        self.transactions: list[dict] = []
        self.reads = 0
        self.before_transaction = None  # called with the server before a transaction is applied
        self._next_id = 0
        mock.add_callback(responses.GET, re.compile(re.escape(base) + r"/(\w+)/([A-Za-z0-9\-.]+)$"), self._read)
        mock.add_callback(responses.POST, base, self._transaction)

    # --- state ----------------------------------------------------------------------------

    def put(self, resource: dict) -> dict:
        """Store ``resource`` as a new version (what another writer's edit does)."""
        key = (resource["resourceType"], resource["id"])
        previous = self.store.get(key)
        version = int(previous["meta"]["versionId"]) + 1 if previous else 1
        stored = copy.deepcopy(resource)
        stored["meta"] = {**stored.get("meta", {}), "versionId": str(version),
                          "lastUpdated": f"2026-12-07T09:{version:02d}:00.000Z"}
        self.store[key] = stored
        return stored

    def of_type(self, resource_type: str) -> list[dict]:
        return [resource for (kind, _), resource in self.store.items() if kind == resource_type]

    def live_observations(self) -> list[dict]:
        return [resource for resource in self.of_type("Observation") if resource.get("status") != "entered-in-error"]

    # --- HTTP -----------------------------------------------------------------------------

    def _read(self, request):
        self.reads += 1
        kind, resource_id = request.url[len(self.base) + 1:].split("/")
        resource = self.store.get((kind, resource_id))
        if resource is None:
            return 404, {"Content-Type": "application/fhir+json"}, json.dumps(
                {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]})
        return 200, {"Content-Type": "application/fhir+json", "ETag": f'W/"{resource["meta"]["versionId"]}"'}, \
            json.dumps(resource)

    def _transaction(self, request):
        bundle = json.loads(request.body)
        self.transactions.append(bundle)
        if self.before_transaction is not None:
            self.before_transaction(self)
        assert bundle["type"] == "transaction"
        ids: dict[str, str] = {}
        # First pass: where each entry lands (FHIR transaction rules: references resolve after all are known).
        plans = []
        for entry in bundle["entry"]:
            method, url = entry["request"]["method"], entry["request"]["url"]
            if method in ("PATCH", "DELETE"):  # retractions: the Observation's status, or the Observation itself
                plans.append((entry, url.split("/")[1], "200 OK"))
                continue
            resource = entry["resource"]
            kind = resource["resourceType"]
            if method == "PUT" and "?" not in url:
                target = url.split("/")[1]
                current = self.store.get((kind, target))
                if_match = entry["request"].get("ifMatch")
                if if_match and (current is None or if_match != f'W/"{current["meta"]["versionId"]}"'):
                    return 412, {"Content-Type": "application/fhir+json"}, json.dumps(
                        {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "conflict",
                                                                        "diagnostics": "Precondition failed"}]})
                plans.append((entry, target, "200 OK"))
            elif method == "POST" and entry["request"].get("ifNoneExist"):
                found = self._search(kind, entry["request"]["ifNoneExist"])
                plans.append((entry, found or self._new_id(), "200 OK" if found else "201 Created"))
            else:
                plans.append((entry, self._new_id(), "201 Created"))
            if "fullUrl" in entry:
                ids[entry["fullUrl"]] = f"{kind}/{plans[-1][1]}"
        response_entries = []
        for entry, target, status in plans:
            if entry["request"]["method"] == "DELETE":
                self.store.pop(("Observation", target), None)
                response_entries.append({"response": {"status": "204 No Content"}})
                continue
            if entry["request"]["method"] == "PATCH":
                stored = self.put(dict(self.store[("Observation", target)], status="entered-in-error"))
                response_entries.append({"response": {"status": "200 OK", "etag": f'W/"{stored["meta"]["versionId"]}"'}})
                continue
            resource = json.loads(_replace_references(json.dumps(entry["resource"]), ids))
            resource["id"] = target
            key = (resource["resourceType"], target)
            if status == "200 OK" and entry["request"]["method"] == "POST":
                stored = self.store[key]  # conditional create that matched: nothing written
            else:
                stored = self.put(resource)
            response_entries.append({"response": {"status": status,
                                                  "location": f"{key[0]}/{target}/_history/{stored['meta']['versionId']}",
                                                  "etag": f'W/"{stored["meta"]["versionId"]}"'}})
        return 200, {"Content-Type": "application/fhir+json"}, json.dumps(
            {"resourceType": "Bundle", "type": "transaction-response", "entry": response_entries})

    def _search(self, kind: str, query: str) -> str | None:
        name, _, value = query.partition("=")
        value = unquote(value)
        for (stored_kind, stored_id), resource in self.store.items():
            if stored_kind != kind:
                continue
            if name == "identifier" and any(f"{item.get('system')}|{item.get('value')}" == value.replace("\\", "")
                                            for item in resource.get("identifier", ())):
                return stored_id
            if name == "_tag" and any(f"{tag.get('system')}|{tag.get('code')}" == value
                                      for tag in resource.get("meta", {}).get("tag", ())):
                return stored_id
        return None

    def _new_id(self) -> str:
        self._next_id += 1
        return f"srv-{self._next_id}"


def _replace_references(text: str, ids: dict[str, str]) -> str:
    for full_url, reference in ids.items():
        text = text.replace(f'"{full_url}"', f'"{reference}"')
    return text
