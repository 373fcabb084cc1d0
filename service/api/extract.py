"""``POST /api/v1/extract``: plain JSON for callers without FHIR, ``{"text"}`` in, ``{"findings"}`` out."""

from __future__ import annotations

from flask import Blueprint, Response, json
from marshmallow import ValidationError

from service.api.limits import request_limits
from service.api.negotiation import read_json_body, require_json_response
from service.api.observe import record_findings
from service.enrich import read_findings
from service.fhir.io import Issue
from service.fhir.outcome import RequestError
from service.schemas import ExtractRequestSchema, ExtractResponseSchema

bp = Blueprint("extract", __name__, url_prefix="/api/v1")
request_schema = ExtractRequestSchema()
response_schema = ExtractResponseSchema()


@bp.post("/extract")
def extract():
    require_json_response()
    body = read_json_body()
    if not isinstance(body, dict):
        raise RequestError.single(422, 'The body must be a JSON object: {"text": "..."}.')
    try:
        payload = request_schema.load(body)
    except ValidationError as error:
        raise RequestError(422, [_issue(field, problems, body) for field, problems in error.normalized_messages().items()
                                 ]) from None
    findings = [finding.to_dict() for finding in read_findings(payload["text"], request_limits())]
    record_findings([(finding["type"], finding["assertion"]) for finding in findings])
    return Response(json.dumps(response_schema.dump({"findings": findings})), content_type="application/json")


def _issue(field: str, problems, body: dict) -> Issue:
    """A declared field by name; a key the schema does not know by its position only (a key can carry PHI)."""
    if field in request_schema.fields:
        return Issue("error", "invalid", f"{field}: {' '.join(_messages(problems))}", field)
    position = list(body).index(field) + 1 if field in body else 0
    return Issue("error", "invalid", f"key {position} of the body (counting from 1) is not a field of this request.")


def _messages(problems) -> list[str]:
    if isinstance(problems, dict):
        return [message for nested in problems.values() for message in _messages(nested)]
    return [str(message) for message in problems]
