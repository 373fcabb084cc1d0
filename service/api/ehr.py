"""The endpoints that reach the EHR's FHIR server: instance-level ``$enrich`` and Subscription notifications.

- ``POST /fhir/DiagnosticReport/{id}/$enrich`` reads the report from ``ENRICHER_FHIR_BASE_URL``, fetches what
  its attachments point at and enriches it (a Bundle, ``mode`` and ``language`` as for the type-level
  operation). With ``write=true`` it writes the enrichment back (service.ehr.write) and answers the server's
  ``transaction-response``; calling it again writes nothing new. The body is empty or a Parameters resource
  with ``language``, ``mode`` (no ``report``: the report is the server's).
- ``POST /fhir/$subscription-notification`` takes rest-hook notifications (service.ehr.notification),
  enriches each report they name (read from the server when the notification is id-only) and writes it
  back. A redelivered notification, and the one the write-back itself causes, write nothing new. The answer
  is an OperationOutcome: one issue per report (written, nothing new, or why not: a report the server no
  longer has, one that is not valid R4); a failure another delivery may cure (the server unavailable, a
  conflict) is answered with its status instead, so the server delivers again.

Without ``ENRICHER_FHIR_BASE_URL`` both answer 501. Writing needs the caller's
``system/DiagnosticReport.write`` (or broader) when authentication is on: the service writes with its own
credentials, so a caller allowed only to read may not make it write.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import partial

from flask import Blueprint, current_app, g, request

from service.api.conventions import preferred_response, query_flag, with_query_parameters
from service.api.limits import request_limits
from service.api.negotiation import read_json_body, require_json_response
from service.api.observe import record_findings
from service.ehr.client import EhrClient
from service.ehr.fetch import REPORT_ID, attachment_contents, read_report
from service.ehr.notification import EVENT, read_notification
from service.ehr.token import credentials
from service.ehr.write import WriteResult, enrich_and_write
from service.enrich import enrich, marks, unread_warnings
from service.fhir.io import FhirError, InvalidResource, Issue, validate_resource
from service.fhir.operation import EnrichInput, ensure_valid_report, read_enrich_input
from service.fhir.outcome import RequestError, operation_outcome
from service.fhir.text import report_text
from service.languages import resolve_languages
from service.terminology import finding_labels

log = logging.getLogger("service.ehr")
bp = Blueprint("ehr", __name__, url_prefix="/fhir")
WRITE_PERMISSION = "DiagnosticReport.write"
TRANSIENT_STATUSES = (408, 409, 429)  # and 5xx: a notification failing so is delivered again


@bp.before_request
def _json_only():
    require_json_response()


def ehr_client() -> EhrClient | None:
    """The application's client for the EHR's server (one per application: it keeps the SMART token)."""
    settings = current_app.config.get("EHR")
    if settings is None or not settings.base_url:
        return None
    client = current_app.extensions.get("enricher.ehr")
    if client is None or client.settings is not settings:
        client = EhrClient(settings, credentials(settings))
        current_app.extensions["enricher.ehr"] = client
    return client


@bp.post("/DiagnosticReport/<report_id>/$enrich")
def enrich_instance(report_id: str):
    if not REPORT_ID.fullmatch(report_id):
        raise RequestError.single(400, "The report id is not a FHIR id (1-64 letters, digits, '-' and '.').")
    operation_input = with_query_parameters(_instance_input())
    write = query_flag("write")  # what is written is always a transaction: ``mode`` does not apply to it
    client = _required_client()
    languages = _languages(operation_input)
    headers = {"Content-Language": ", ".join(languages)}
    if write:
        _require_write_permission()
        result = enrich_and_write(client, report_id, _builder(languages),
                                  current_app.config["EHR"].max_conflict_retries)
        return preferred_response(_with_warnings(result), _write_summary([result]), headers=headers)
    report = read_report(client, report_id)
    ensure_valid_report(EnrichInput(report=report, mode=operation_input.mode))
    fetched = attachment_contents(client, report, marks().is_addition)
    bundle = _enrich(report, languages, operation_input.mode or "collection", fetched)
    return preferred_response(bundle, partial(enrichment_summary, report, fetched, bundle), headers=headers)


@bp.post("/$subscription-notification")
def subscription_notification():
    client = _required_client()
    _require_write_permission()
    body = read_json_body()
    if isinstance(body, dict) and body.get("resourceType") == "Bundle" and (issues := validate_resource(body, "Bundle")):
        raise InvalidResource(issues)
    notification = read_notification(body, client.on_base)
    if notification.type != EVENT:
        return preferred_response(*_summary_outcome([Issue("information", "informational",
                                                           f"Notification of type {_safe(notification.type)}: "
                                                           "nothing to do.")]))
    languages = resolve_languages([], None, current_app.config["DEFAULT_LANGUAGE"])
    results: list[WriteResult] = []
    refused: list[Issue] = []
    for focus in notification.focuses:
        try:
            report = focus.report
            if report is not None:
                ensure_valid_report(EnrichInput(report=report))
            results.append(enrich_and_write(client, focus.report_id, _builder(languages),
                                            current_app.config["EHR"].max_conflict_retries, report))
        except FhirError as error:
            status = getattr(error, "http_status", 422)
            log.warning('{"event": "notification-report-failed", "status": %d}', status)
            if status >= 500 or status in TRANSIENT_STATUSES:
                raise  # the server delivers again, which is safe: the write-back is idempotent
            refused += [replace(issue, expression=None) for issue in error.issues]  # a redelivery cannot help
    issues = _write_summary(results) + refused
    if notification.off_base:
        issues.append(Issue("warning", "not-supported", f"{notification.off_base} report(s) on another server than "
                            "the configured one were not fetched."))
    if not notification.focuses and not notification.off_base:
        issues.append(Issue("information", "informational", "The notification names no DiagnosticReport."))
    return preferred_response(*_summary_outcome(issues))


def enrichment_summary(report: dict, fetched: dict, bundle: dict) -> list[Issue]:
    """What ``Prefer: return=OperationOutcome`` answers for an enrichment: the Observations it made and a
    warning per attachment whose text was not read (in either mode; a transaction Bundle cannot hold them)."""
    observations = sum(1 for entry in bundle.get("entry", ())
                       if (entry.get("resource") or {}).get("resourceType") == "Observation")
    unread = report_text(report, marks().is_addition, fetched).unread
    return [Issue("information", "informational", f"Enriched: {observations} Observation(s)."),
            *unread_warnings(unread)]


def _summary_outcome(issues: list[Issue]) -> tuple[dict, list[Issue]]:
    return operation_outcome(issues), issues


def _instance_input() -> EnrichInput:
    """An empty body, or Parameters with ``language`` and ``mode`` (a ``report`` is the server's to give)."""
    if not request.content_length and "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return EnrichInput(report={})
    body = read_json_body()
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        parameters = body.get("parameter")
        if isinstance(parameters, list) and not any(isinstance(item, dict) and item.get("name") == "report"
                                                    for item in parameters):
            body = dict(body, parameter=[*parameters, {"name": "report", "resource": _PLACEHOLDER}])
        else:
            raise RequestError.single(422, "The instance-level operation reads the report from the FHIR server: "
                                           "send no report parameter.", "Parameters.parameter")
        return read_enrich_input(body)
    raise RequestError.single(422, "Send no body, or a Parameters resource with language and mode.", "resourceType")


# Stands for the report while the Parameters of the instance-level operation are read (never enriched).
_PLACEHOLDER = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "placeholder"}}


def _required_client() -> EhrClient:
    client = ehr_client()
    if client is None:
        raise RequestError.single(501, "This service is not connected to a FHIR server (ENRICHER_FHIR_BASE_URL).",
                                  code="not-supported")
    return client


def _require_write_permission() -> None:
    principal = g.get("principal")
    if principal is not None and not principal.may(WRITE_PERMISSION):
        raise RequestError.single(403, "Writing back needs system/DiagnosticReport.write (or broader).",
                                  code="forbidden")


def _languages(operation_input: EnrichInput) -> list[str]:
    return resolve_languages(operation_input.languages, request.headers.get("Accept-Language"),
                             current_app.config["DEFAULT_LANGUAGE"])


def _enrich(report: dict, languages: list[str], mode: str, fetched: dict) -> dict:
    bundle = enrich(report, languages, mode, fhir_base=current_app.config["FHIR_BASE_URL"],
                    limits=request_limits(), fetched=fetched)
    record_findings(finding_labels(bundle))
    return bundle


def _builder(languages: list[str]):
    def build(report: dict, fetched: dict) -> dict:
        ensure_valid_report(EnrichInput(report=report, mode="transaction"))
        return _enrich(report, languages, "transaction", fetched)
    return build


def _with_warnings(result: WriteResult) -> dict:
    """The transaction-response, its first entry's ``response.outcome`` carrying the unread-text warnings."""
    response = result.response
    if result.unread and response.get("entry") and not response["entry"][0].get("response", {}).get("outcome"):
        first = response["entry"][0]
        first.setdefault("response", {"status": "200"})["outcome"] = operation_outcome(unread_warnings(result.unread))
    return response


def _write_summary(results: list[WriteResult]) -> list[Issue]:
    issues = []
    for result in results:
        message = (f"Written: {result.entries} entries in one transaction." if result.written
                   else "Nothing new: the server's report already carries this enrichment; nothing was written.")
        issues.append(Issue("information", "informational", message))
        issues += unread_warnings(result.unread)
    return issues


def _safe(word: str) -> str:
    return word if word.replace("-", "").isalpha() and len(word) <= 32 else "unknown"


__all__ = ["bp", "ehr_client", "enrichment_summary"]
