"""Enrich a report held by the EHR's FHIR server and write the enrichment back to it.

``enrich_and_write`` reads the report (or starts from one a notification carried), fetches what its
attachments point at, builds the ``transaction`` Bundle (service.enrich, mode ``transaction``; the entries
and their requests are service.fhir.transaction's) and posts it to the base, answering the server's
``transaction-response``. The report entry is conditional on the version read (``If-Match``), so another
writer's edit between the read and the write fails with 412 instead of being overwritten: then the report is
read again and enriched again, at most ``max_conflicts`` times (409 after that).

Nothing new, nothing written: when the server's report already carries exactly these additions (same
findings, same explanation; only the explanation's ``creation`` time and the references to the
Observations, which the server assigns, are not compared) the Bundle is not posted and the answer is a
``transaction-response`` without entries. So calling again, or a redelivered notification, or the
notification the write itself causes, changes nothing on the server. A transaction without entries (a report
with no findings and nothing to take back) is not posted either.

Text the service could not read (service.fhir.text ``Unread``) is reported as an OperationOutcome of
``incomplete`` warnings in the answer (``WriteResult.warnings``), besides the explanation's review flag.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from service.ehr.client import EhrClient, unavailable, upstream_error
from service.ehr.fetch import attachment_contents, read_report
from service.enrich import marks
from service.fhir.bundle import instant
from service.fhir.io import dumps
from service.fhir.outcome import RequestError
from service.fhir.text import Fetched, report_text

log = logging.getLogger("service.ehr")


@dataclass
class WriteResult:
    """What happened: the server's transaction-response (or an empty one when nothing was written)."""

    response: dict
    written: bool
    attempts: int
    entries: int = 0
    unread: list = field(default_factory=list)  # service.fhir.text.Unread


def enrich_and_write(client: EhrClient, report_id: str, build: Callable[[dict, dict[int, Fetched]], dict],
                     max_conflicts: int, report: dict | None = None) -> WriteResult:
    """Read (unless given), enrich with ``build(report, fetched) -> transaction Bundle``, write; see the module doc."""
    own = marks().is_addition
    report = report if report is not None else read_report(client, report_id)
    for attempt in range(1, max_conflicts + 2):
        fetched = attachment_contents(client, report, own)
        unread = report_text(report, own, fetched).unread
        bundle = build(report, fetched)
        entries = bundle.get("entry") or []
        if not entries or is_current(report, bundle):
            log.info('{"event": "ehr-write", "written": false, "entries": %d, "attempt": %d}', len(entries), attempt)
            return WriteResult(empty_response(bundle), written=False, attempts=attempt, unread=unread)
        reply = client.post_json("", dumps(bundle))
        if reply.status == 412 or _entry_failed_with(reply, "412"):
            log.info('{"event": "ehr-write-conflict", "attempt": %d}', attempt)
            report = read_report(client, report_id)
            continue
        if reply.status in (429, 500, 502, 503, 504):
            raise unavailable(reply)
        if not 200 <= reply.status < 300:
            raise upstream_error(502, f"The FHIR server refused the enrichment's transaction (status {reply.status}).")
        response = reply.json()
        if not isinstance(response, dict) or response.get("resourceType") != "Bundle":
            raise upstream_error(502, "The FHIR server answered the transaction without a Bundle.")
        log.info('{"event": "ehr-write", "written": true, "entries": %d, "attempt": %d}', len(entries), attempt)
        return WriteResult(response, written=True, attempts=attempt, entries=len(entries), unread=unread)
    raise RequestError.single(
        409, f"The report changed on the FHIR server while it was being enriched, {max_conflicts + 1} times; "
             "nothing was overwritten. Try again later.", code="conflict")


def is_current(report: dict, bundle: dict) -> bool:
    """Does the server's ``report`` already carry the additions the Bundle's report entry has?"""
    enriched = next((entry["resource"] for entry in bundle.get("entry", ())
                     if entry.get("resource", {}).get("resourceType") == "DiagnosticReport"), None)
    return enriched is not None and _comparable(enriched) == _comparable(report)


def _comparable(report: dict) -> dict:
    own = marks().is_addition
    copy = dict(report)
    if isinstance(copy.get("result"), list):
        copy["result"] = [{key: value for key, value in item.items() if key != "reference"} if own(item) else item
                          for item in copy["result"]]
    if isinstance(copy.get("presentedForm"), list):
        copy["presentedForm"] = [{key: value for key, value in item.items() if key != "creation"} if own(item)
                                 else item for item in copy["presentedForm"]]
    return copy


def empty_response(bundle: dict) -> dict:
    """The transaction-response of a transaction that was not posted: no entries, nothing written."""
    return {"resourceType": "Bundle", "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"not-posted:{bundle.get('id')}")),
            "type": "transaction-response", "timestamp": instant(datetime.now(timezone.utc))}


def _entry_failed_with(reply, status: str) -> bool:
    """A transaction-response (or batch-response) one of whose entries reports ``status``; servers differ in
    the HTTP status they give such an answer."""
    if reply.content_type not in ("application/fhir+json", "application/json"):
        return False
    try:
        body = reply.json()
    except RequestError:
        return False
    entries = body.get("entry") if isinstance(body, dict) and body.get("resourceType") == "Bundle" else None
    return any(isinstance(entry, dict) and str((entry.get("response") or {}).get("status", "")).startswith(status)
               for entry in entries or ())


__all__ = ["enrich_and_write", "is_current", "empty_response", "WriteResult"]
