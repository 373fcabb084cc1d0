"""Every error becomes a deliberate answer: an OperationOutcome under ``/fhir``, an RFC 9457
``application/problem+json`` body elsewhere. Nothing carries a stack trace or request content.

An unexpected exception is logged with its type and the code locations it passed through (file,
line, function), never its message: messages can quote the report.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from service.api.negotiation import fhir_response
from service.fhir.io import FhirError, Issue
from service.fhir.outcome import error_issue, operation_outcome

log = logging.getLogger("service.errors")
PROBLEM_JSON = "application/problem+json"

# Our own words for Werkzeug's errors, so no default HTML text or request detail leaks through.
HTTP_ERROR_MESSAGES = {
    400: "The request could not be read.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    406: "This server only answers JSON.",
    408: "The request did not arrive in time.",
    413: "The request body is larger than this server accepts.",
    415: "This content type is not accepted here.",
    500: "The server could not process the request; the failure has been logged.",
}


def install(app: Flask) -> None:
    app.register_error_handler(FhirError, _fhir_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def is_fhir_request() -> bool:
    return request.path == "/fhir" or request.path.startswith("/fhir/")


def error_response(status: int, issues: list[Issue], headers: dict | None = None) -> Response:
    """The error in the dialect of the address: FHIR OperationOutcome or problem+json."""
    if is_fhir_request():
        return fhir_response(operation_outcome(issues), status, headers)
    problem = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": " ".join(issue.message for issue in issues),
    }
    located = [{"expression": issue.expression, "message": issue.message} for issue in issues if issue.expression]
    if located:
        problem["errors"] = located
    return Response(json.dumps(problem), status=status, headers=headers, content_type=PROBLEM_JSON)


def _fhir_error(error: FhirError) -> Response:
    return error_response(error.http_status, error.issues, getattr(error, "headers", None))  # e.g. Retry-After


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {}
    if status == 405:
        headers["Allow"] = error.get_response().headers.get("Allow", "")
    message = HTTP_ERROR_MESSAGES.get(status, HTTP_STATUS_CODES.get(status, "Error") + ".")
    if status == 413:
        limit = request.max_content_length
        message = f"The request body is larger than this server accepts ({limit} bytes)." if limit else message
    return error_response(status, [error_issue(status, message)], headers)


def _unexpected_error(error: Exception) -> Response:
    if isinstance(error, HTTPException):  # reached only when raised from inside another handler
        return _http_error(error)
    log_unexpected(error)
    return _http_error(InternalServerError())


def log_unexpected(error: Exception) -> None:
    """Log an unexpected exception by type and code locations, never its message (it may quote the report)."""
    frames = [f"{frame.filename}:{frame.lineno}:{frame.name}" for frame in traceback.extract_tb(error.__traceback__)]
    log.error(json.dumps({
        "event": "unhandled-exception",
        "request_id": g.get("request_id"),
        "exception": type(error).__name__,
        "frames": frames[-12:],
    }))
