"""HTTP around every answer: gzip and CORS.

- **gzip.** An answer of at least ``GZIP_MIN_BYTES`` is gzip-compressed when the request's
  ``Accept-Encoding`` admits gzip (``Vary: Accept-Encoding``). Request bodies may be gzip-compressed too
  (``Content-Encoding: gzip``, service.api.negotiation): the limit on the body applies to the compressed
  and to the decompressed size.
- **CORS** for the portal origins of ``ENRICHER_CORS_ORIGINS`` (none by default): a preflight ``OPTIONS``
  from such an origin is answered 204 before authentication (a browser sends no credentials with it), and
  every answer to such an origin names it in ``Access-Control-Allow-Origin``, with ``Vary: Origin``. Other
  origins get no CORS header. Credentials travel in ``Authorization``, never cookies, so
  ``Access-Control-Allow-Credentials`` is never sent.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, current_app, request

GZIP_MIN_BYTES = 1024
CORS_METHODS = "GET, POST, OPTIONS"
CORS_REQUEST_HEADERS = ("accept", "accept-language", "authorization", "content-type", "content-encoding", "prefer",
                        "x-api-key", "x-request-id", "if-match")
CORS_EXPOSED_HEADERS = ("Content-Language, Content-Location, Location, Preference-Applied, Retry-After, "
                        "WWW-Authenticate, X-Request-ID")
CORS_MAX_AGE_SECONDS = "600"


def install(app: Flask) -> None:
    app.before_request(_preflight)
    app.after_request(_cors)
    app.after_request(_compress)  # after_request functions run last-registered first: compress, then CORS


def _allowed_origin() -> str | None:
    origin = request.headers.get("Origin")
    return origin if origin and origin in current_app.config.get("CORS_ORIGINS", ()) else None


def _preflight():
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    origin = _allowed_origin()
    if origin is None:
        return None
    asked = [name.strip().lower() for name in request.headers.get("Access-Control-Request-Headers", "").split(",")]
    allowed = [name for name in asked if name in CORS_REQUEST_HEADERS]
    headers = {"Access-Control-Allow-Methods": CORS_METHODS, "Access-Control-Max-Age": CORS_MAX_AGE_SECONDS}
    if allowed:
        headers["Access-Control-Allow-Headers"] = ", ".join(allowed)
    return Response(b"", status=204, headers=headers)


def _cors(response: Response) -> Response:
    if not current_app.config.get("CORS_ORIGINS"):
        return response  # no portal origins configured: nothing to add (most deployments)
    origin = _allowed_origin()
    response.vary.add("Origin")  # the answer differs by origin: caches must keep them apart
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        if request.method != "OPTIONS":
            response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    return response


def _compress(response: Response) -> Response:
    req = request._get_current_object()  # one context lookup, not one per use
    if response.direct_passthrough or response.is_streamed or response.status_code in (204, 304) \
            or "Content-Encoding" in response.headers or req.method == "HEAD":
        return response
    if "HTTP_ACCEPT_ENCODING" not in req.environ or req.accept_encodings.quality("gzip") <= 0:
        return response
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    if len(body) < GZIP_MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response
