"""OperationOutcome builders: how the service tells a FHIR client what went wrong.

Diagnostics are written by the service, never copied from the request, so an error can not echo
report text or patient identifiers back (or into a log). Issues are ``service.fhir.io.Issue``;
errors carrying them are ``service.fhir.io.FhirError`` and ``RequestError`` below.
"""

from __future__ import annotations

from html import escape

from service.fhir.io import FhirError, Issue

# The IssueType (http://hl7.org/fhir/issue-type) that best describes each HTTP error status.
ISSUE_CODE_BY_STATUS = {
    400: "structure",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    408: "timeout",
    413: "too-long",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
    500: "exception",
    501: "not-supported",
    503: "transient",
}


def operation_outcome(issues: list[Issue]) -> dict:
    """An OperationOutcome resource with a generated narrative listing the diagnostics."""
    items = "".join(
        f"<li>{escape(issue.severity)} ({escape(issue.code)}): {escape(issue.message)}</li>" for issue in issues
    )
    return {
        "resourceType": "OperationOutcome",
        "text": {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{items}</ul></div>'},
        "issue": [issue.to_fhir() for issue in issues],
    }


def issue_code_for_status(status: int) -> str:
    """The IssueType for an HTTP error status (``processing`` for any other 4xx, ``exception`` 5xx)."""
    if status in ISSUE_CODE_BY_STATUS:
        return ISSUE_CODE_BY_STATUS[status]
    return "exception" if status >= 500 else "processing"


def error_issue(status: int, message: str, expression: str | None = None, code: str | None = None) -> Issue:
    return Issue("error", code or issue_code_for_status(status), message, expression)


def error_outcome(status: int, message: str, expression: str | None = None) -> dict:
    """A single-issue OperationOutcome for an HTTP error status."""
    return operation_outcome([error_issue(status, message, expression)])


class RequestError(FhirError):
    """A request the service refuses with the given HTTP status (415, 406, 422 ...)."""

    def __init__(self, status: int, issues: list[Issue]):
        super().__init__(issues)
        self.http_status = status

    @classmethod
    def single(cls, status: int, message: str, expression: str | None = None, code: str | None = None):
        return cls(status, [error_issue(status, message, expression, code)])
