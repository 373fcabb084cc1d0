"""Content negotiation for the JSON endpoints: what a request may send and what it may ask for back.

Bodies must be ``application/fhir+json`` or ``application/json`` (a ``charset`` parameter is fine,
UTF-8 is what is read; a ``fhirVersion`` parameter must say 4.0), as they are or gzip-compressed
(``Content-Encoding: gzip``, within the body limit compressed and decompressed); anything else is 415. The response is JSON only: a ``_format`` of ``json``,
``application/json`` or ``application/fhir+json`` (FHIR's override of ``Accept``) or an ``Accept``
that admits one of those (with ``fhirVersion=4.0`` or none) is served; XML, Turtle or anything else is 406. Both checks happen before
the body is read.
"""

from __future__ import annotations

import re
import zlib

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from service.fhir.io import dumps, loads
from service.fhir.outcome import RequestError

FHIR_JSON = "application/fhir+json"
FHIR_JSON_UTF8 = "application/fhir+json; charset=utf-8"
JSON_MEDIA_TYPES = ("application/fhir+json", "application/json")
FHIR_MIME_VERSIONS = ("4.0", "4.0.1")  # the fhirVersion MIME parameter of R4 (http.html#version-parameter)
JSON_FORMATS = ("json", "application/json", "application/fhir+json", "text/json")


def _any_case(text: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else ("[+ ]" if c == "+" else c) for c in text)


# The ``_format`` values served, in any case, with MIME parameters, and with "+" also as a space (an
# unencoded "+" in a query string arrives as one). openapi.yaml declares this very pattern (a test checks).
JSON_FORMAT_PATTERN = ("^[ \\t]*(" + "|".join(_any_case(value) for value in JSON_FORMATS) + ")(;[^\\r\\n]*)?[ \\t]*$")
JSON_FORMAT = re.compile(JSON_FORMAT_PATTERN)


def require_json_response() -> None:
    """406 unless the caller accepts JSON (``_format`` wins over ``Accept``, as in FHIR)."""
    req = request._get_current_object()  # one context lookup, not one per use
    requested_format = req.args.get("_format") if req.query_string else None
    if requested_format is not None:
        if not JSON_FORMAT.fullmatch(requested_format):
            raise RequestError.single(406, "This server only speaks JSON: use _format=json.", "_format")
        return
    if req.headers.get("Accept") and not any(
        quality > 0 and _acceptable(value) for value, quality in req.accept_mimetypes
    ):
        raise RequestError.single(
            406, "This server only answers application/fhir+json or application/json, FHIR version 4.0."
        )


def _acceptable(media_range: str) -> bool:
    """Does an Accept media range admit our JSON? A ``fhirVersion`` parameter must name R4."""
    media_type, *parameters = (part.strip().lower() for part in media_range.split(";"))
    if media_type not in JSON_MEDIA_TYPES + ("*/*", "application/*"):
        return False
    return _fhir_version_is_r4(parameters)


def _fhir_version_is_r4(parameters) -> bool:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "fhirversion" and value.strip().strip('"') not in FHIR_MIME_VERSIONS:
            return False
    return True


def read_json_body() -> object:
    """The request body parsed losslessly: 415 wrong content type, 413 too large, 400 not JSON."""
    req = request._get_current_object()  # one context lookup, not one per use
    if req.mimetype not in JSON_MEDIA_TYPES:
        raise RequestError.single(415, "Send the body as application/fhir+json or application/json.")
    parameters = {name.lower(): value for name, value in req.mimetype_params.items()}
    if not _fhir_version_is_r4([f"fhirversion={parameters['fhirversion']}"] if "fhirversion" in parameters else []):
        raise RequestError.single(415, "This server reads FHIR version 4.0 (R4) only.")
    charset = parameters.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8"):
        raise RequestError.single(415, "The body must be UTF-8 encoded JSON.")
    encoding = req.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip"):
        raise RequestError.single(415, "Send the body as it is or gzip-compressed (Content-Encoding: gzip).")
    data = _body_within_limit()
    if encoding == "gzip":
        data = _gunzip(data, req.max_content_length)
    if not data.strip():
        raise RequestError.single(400, "The request body is empty.")
    return loads(data)


def _gunzip(data: bytes, limit: int | None) -> bytes:
    """A gzip body decompressed, 413 when it grows past ``limit`` (a small bomb stays small), 400 when it is
    not gzip."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, (limit + 1) if limit else 0)
        if limit is not None and (len(out) > limit or inflater.unconsumed_tail):
            raise RequestEntityTooLarge()
        out += inflater.flush()
    except zlib.error:
        raise RequestError.single(400, "The body is not valid gzip.") from None
    if not inflater.eof:
        raise RequestError.single(400, "The gzip body is cut short.")
    if limit is not None and len(out) > limit:
        raise RequestEntityTooLarge()
    return out


def _body_within_limit() -> bytes:
    """The body, 413 past ``MAX_CONTENT_LENGTH``: by Content-Length (checked by Werkzeug before reading)
    or, for a chunked body without one, while reading it. Werkzeug's own stream limit would silently
    truncate a chunked body at the limit, so that case reads the server's terminated stream here."""
    req = request._get_current_object()  # one context lookup, not one per use
    limit = req.max_content_length
    if req.content_length is not None or limit is None or "wsgi.input_terminated" not in req.environ:
        return req.get_data(cache=False)
    stream = req.environ["wsgi.input"]
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(min(64 * 1024, limit + 1 - total)):
        total += len(chunk)
        if total > limit:
            raise RequestEntityTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(dumps(resource), status=status, headers=headers, content_type=FHIR_JSON_UTF8)
