"""What FHIR integrators expect of an operation beyond its body: parameters in the query, and ``Prefer``.

- ``mode`` and ``language`` may be given as query parameters (``$enrich?mode=transaction&language=es``),
  with a raw DiagnosticReport body or with Parameters. ``language`` repeats or lists several
  (``language=es,en``); the body's languages come first. A ``mode`` in both places must agree (422).
  ``write`` (``true``/``false``) is read the same way by the instance-level operation.
- ``Prefer: return=minimal`` answers the status and headers with no body; ``return=OperationOutcome``
  answers an OperationOutcome (what was done, and any warning such as text that was not read);
  ``return=representation`` or none answers the resource. ``Preference-Applied`` says which was honoured.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Response, request

from service.api.negotiation import fhir_response
from service.fhir.capability import ENRICH_MODES
from service.fhir.io import Issue
from service.fhir.operation import LANGUAGE_TAG, EnrichInput
from service.fhir.outcome import RequestError, operation_outcome

RETURN_PREFERENCES = ("minimal", "representation", "OperationOutcome")
_PREFER_RETURN = re.compile(r"(?:^|[,;]\s*)return\s*=\s*\"?([A-Za-z]+)\"?", re.IGNORECASE)


def with_query_parameters(operation_input: EnrichInput) -> EnrichInput:
    """``operation_input`` with the ``mode`` and ``language`` of the query string added (see the module doc)."""
    operation_input.languages = list(operation_input.languages) + query_languages()
    mode = query_mode()
    if mode is not None:
        if operation_input.mode is not None and operation_input.mode != mode:
            raise RequestError.single(422, "The mode in the query and the mode in the Parameters differ.", "mode")
        operation_input.mode = mode
    return operation_input


def query_languages() -> list[str]:
    languages = [tag for value in request.args.getlist("language") for tag in value.split(",")]
    if any(not LANGUAGE_TAG.fullmatch(tag) for tag in languages):
        raise RequestError.single(422, "language must be a language tag such as en or es-MX.", "language")
    return languages


def query_mode() -> str | None:
    values = request.args.getlist("mode")
    if not values:
        return None
    if len(values) > 1 or values[0] not in ENRICH_MODES:
        raise RequestError.single(422, f"mode must be given once, one of {', '.join(ENRICH_MODES)}.", "mode")
    return values[0]


def query_flag(name: str) -> bool:
    values = request.args.getlist(name)
    if not values:
        return False
    if len(values) > 1 or values[0].lower() not in ("true", "false"):
        raise RequestError.single(422, f"{name} must be given once, true or false.", name)
    return values[0].lower() == "true"


def return_preference() -> str:
    """The ``return`` of the ``Prefer`` header (RFC 7240, FHIR http.html#ops), ``representation`` by default."""
    match = _PREFER_RETURN.search(request.headers.get("Prefer", ""))
    wanted = match.group(1) if match else ""
    for preference in RETURN_PREFERENCES:
        if wanted.lower() == preference.lower():
            return preference
    return "representation"


def preferred_response(resource: dict, summary: list[Issue] | Callable[[], list[Issue]], status: int = 200,
                       headers: dict | None = None) -> Response:
    """``resource``, nothing, or an OperationOutcome of ``summary``, as ``Prefer`` asks. ``summary`` may be a
    function that makes it, called only when the OperationOutcome is asked for."""
    preference = return_preference()
    headers = dict(headers or {})
    if request.headers.get("Prefer"):
        headers["Preference-Applied"] = f"return={preference}"
    if preference == "minimal":
        response = Response(b"", status=status, headers=headers)
        del response.headers["Content-Type"]
        return response
    if preference == "OperationOutcome":
        return fhir_response(operation_outcome(summary() if callable(summary) else summary), status, headers)
    return fhir_response(resource, status, headers)


__all__ = ["with_query_parameters", "query_languages", "query_mode", "query_flag", "return_preference",
           "preferred_response", "RETURN_PREFERENCES"]
