"""``POST /fhir`` with a ``batch`` or ``transaction`` Bundle of ``$enrich`` calls (FHIR http.html#transaction).

Each request entry is one invocation of the operation, as FHIR writes operations in a batch:
``request.method`` ``POST``, ``request.url`` ``DiagnosticReport/$enrich`` and the operation's body in
``resource`` (the DiagnosticReport itself, or Parameters with ``report``, ``language``, ``mode``).
``request`` is required (bdl-3); a plain DiagnosticReport with ``POST DiagnosticReport`` would ask
this stateless server to store it, and is refused like any other interaction (405/404 for that entry).

The answer is a ``batch-response`` (``transaction-response``) Bundle with one entry per request entry,
in the same order: ``response.status`` and, on success, the operation's Bundle in ``resource``.

- ``batch``: every entry is carried out on its own; a bad entry fails alone, its OperationOutcome in
  ``response.outcome`` and its HTTP status in ``response.status``.
- ``transaction``: all or nothing (http.html#trules): if any entry fails, the whole request fails
  with one OperationOutcome holding the issues of every failed entry, under the status of the first.

Every ``expression`` points into the posted Bundle (``Bundle.entry[2].resource.status``).
The number of entries is limited (``max_entries``); over it the request is 413.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from urllib.parse import unquote

from service.fhir.io import FhirError
from service.fhir.operation import EnrichInput, ensure_valid_report, read_enrich_input
from service.fhir.outcome import RequestError, operation_outcome

BUNDLE_TYPES = ("batch", "transaction")
OPERATION_PATH = "DiagnosticReport/$enrich"
_LEADING_TYPE = re.compile(r"^[A-Z][A-Za-z]*(?=\.|\[|$)")


@dataclass
class EntryResult:
    """What one request entry gave: the operation's Bundle, or the error that stopped it."""

    resource: dict | None = None
    error: FhirError | None = None


def read_bundle(body: object, max_entries: int) -> tuple[str, list]:
    """The Bundle's type and request entries; ``RequestError`` when the request as a whole is wrong."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise RequestError.single(422, "POST /fhir takes a batch or transaction Bundle.", "resourceType")
    bundle_type = body.get("type")
    if bundle_type not in BUNDLE_TYPES:
        raise RequestError.single(422, "Bundle.type must be batch or transaction.", "Bundle.type")
    entries = body.get("entry", [])
    if not isinstance(entries, list):
        raise RequestError.single(422, "Bundle.entry must be a list.", "Bundle.entry")
    if len(entries) > max_entries:
        raise RequestError.single(
            413, f"A Bundle may hold at most {max_entries} entries; split it into several requests.", "Bundle.entry"
        )
    return bundle_type, entries


def operation_input(entry: object, index: int) -> EnrichInput:
    """The ``$enrich`` input of one request entry, checked; ``FhirError`` with Bundle paths otherwise."""
    where = f"Bundle.entry[{index}]"
    if not isinstance(entry, dict):
        raise RequestError.single(400, "Each entry must be an object with request and resource.", where)
    request = entry.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("method"), str) or not isinstance(
            request.get("url"), str):
        raise RequestError.single(400, "Each entry needs request.method and request.url (bdl-3).", f"{where}.request")
    if request["method"] != "POST":
        raise RequestError.single(405, f"Only POST {OPERATION_PATH} is carried out here.", f"{where}.request.method")
    if _operation_path(request["url"]) != OPERATION_PATH:
        raise RequestError.single(404, f"Only POST {OPERATION_PATH} is carried out here.", f"{where}.request.url")
    if "resource" not in entry:
        raise RequestError.single(400, "The entry has no resource: the operation's body goes there.", where)
    resource_path = f"{where}.resource"
    try:
        read = read_enrich_input(entry["resource"])
    except FhirError as error:
        raise rebased(error, resource_path) from None
    read = replace(read, expression_prefix=rebase(read.expression_prefix, resource_path))
    ensure_valid_report(read)
    return read


def carry_out(entries: list, enrich_one: Callable[[EnrichInput], dict], all_or_nothing: bool,
              on_unexpected: Callable[[Exception], None]) -> list[EntryResult]:
    """Each entry through ``enrich_one``. Every entry is read and checked first; in a transaction any
    failure there means nothing is enriched, and an unexpected exception propagates. In a batch an
    unexpected exception is reported (``on_unexpected``) and fails that entry alone."""
    results = []
    inputs: list[EnrichInput | None] = []
    for index, entry in enumerate(entries):
        try:
            inputs.append(operation_input(entry, index))
            results.append(EntryResult())
        except FhirError as error:
            inputs.append(None)
            results.append(EntryResult(error=error))
    if all_or_nothing and transaction_failure(results):
        return results
    for index, (read, result) in enumerate(zip(inputs, results)):
        if read is None:
            continue
        try:
            result.resource = enrich_one(read)
        except FhirError as error:
            result.error = error
        except Exception as error:
            if all_or_nothing:
                raise
            on_unexpected(error)
            result.error = RequestError.single(
                500, "The server could not process this entry; the failure has been logged.", f"Bundle.entry[{index}]")
    return results


def transaction_failure(results: list[EntryResult]) -> RequestError | None:
    """The one error a transaction answers with when any entry failed (None when all succeeded)."""
    failed = [result.error for result in results if result.error is not None]
    if not failed:
        return None
    return RequestError(failed[0].http_status, [issue for error in failed for issue in error.issues])


def response_bundle(bundle_type: str, results: list[EntryResult], timestamp: str) -> dict:
    """The ``batch-response`` or ``transaction-response`` Bundle, one entry per request entry."""
    entries = []
    for result in results:
        if result.error is None:
            entries.append({"resource": result.resource, "response": {"status": _status_line(200)}})
        else:
            entries.append({"response": {"status": _status_line(result.error.http_status),
                                         "outcome": operation_outcome(result.error.issues)}})
    bundle = {"resourceType": "Bundle", "type": f"{bundle_type}-response", "timestamp": timestamp}
    if entries:
        bundle["entry"] = entries
    return bundle


def rebase(expression: str, prefix: str) -> str:
    """Re-root a FHIRPath that starts at the entry's resource (``Parameters.parameter[0]``) under ``prefix``."""
    if _LEADING_TYPE.match(expression):
        return _LEADING_TYPE.sub(lambda _: prefix, expression, count=1)
    return f"{prefix}.{expression}"


def rebased(error: FhirError, prefix: str) -> RequestError:
    issues = [replace(issue, expression=rebase(issue.expression, prefix) if issue.expression else prefix)
              for issue in error.issues]
    return RequestError(error.http_status, issues)


def _operation_path(url: str) -> str:
    return unquote(url.strip()).lstrip("/")


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


__all__ = [
    "BUNDLE_TYPES", "OPERATION_PATH", "EntryResult", "read_bundle", "operation_input", "carry_out",
    "transaction_failure", "response_bundle", "rebase", "rebased",
]
