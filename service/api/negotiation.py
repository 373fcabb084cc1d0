"""Content negotiation for the JSON endpoints: what a request may send and what it may ask for back.

Bodies must be ``application/fhir+json`` or ``application/json`` (a ``charset`` parameter is fine,
UTF-8 is what is read) without a ``Content-Encoding``; anything else is 415. The response is JSON only: a ``_format`` of ``json``,
``application/json`` or ``application/fhir+json`` (FHIR's override of ``Accept``) or an ``Accept``
that admits one of those is served; XML, Turtle or anything else is 406. Both checks happen before
the body is read.
"""

from __future__ import annotations

from flask import Response, request

from service.fhir.io import dumps, loads
from service.fhir.outcome import RequestError

FHIR_JSON = "application/fhir+json"
FHIR_JSON_UTF8 = "application/fhir+json; charset=utf-8"
JSON_MEDIA_TYPES = ("application/fhir+json", "application/json")
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json", "text/json"})


def require_json_response() -> None:
    """406 unless the caller accepts JSON (``_format`` wins over ``Accept``, as in FHIR)."""
    requested_format = request.args.get("_format")
    if requested_format is not None:
        # An unencoded "+" in a query string arrives as a space: "application/fhir json".
        normalised = requested_format.strip().lower().replace(" ", "+").split(";", 1)[0]
        if normalised not in JSON_FORMATS:
            raise RequestError.single(406, "This server only speaks JSON: use _format=json.", "_format")
        return
    if request.headers.get("Accept") and request.accept_mimetypes.best_match(JSON_MEDIA_TYPES) is None:
        raise RequestError.single(406, "This server only answers application/fhir+json or application/json.")


def read_json_body() -> object:
    """The request body parsed losslessly: 415 wrong content type, 413 too large, 400 not JSON."""
    if request.mimetype not in JSON_MEDIA_TYPES:
        raise RequestError.single(415, "Send the body as application/fhir+json or application/json.")
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8"):
        raise RequestError.single(415, "The body must be UTF-8 encoded JSON.")
    if request.headers.get("Content-Encoding", "identity").strip().lower() not in ("identity", ""):
        raise RequestError.single(415, "Compressed bodies are not accepted; send the JSON as it is.")
    data = request.get_data(cache=False)  # enforces MAX_CONTENT_LENGTH on the stream too (413)
    if not data.strip():
        raise RequestError.single(400, "The request body is empty.")
    return loads(data)


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(dumps(resource), status=status, headers=headers, content_type=FHIR_JSON_UTF8)
