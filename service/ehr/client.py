"""The outbound HTTP client for the EHR's FHIR server: one configured base, nothing else.

- ``url(reference)`` resolves a relative reference (``DiagnosticReport/1``, ``Binary/2``) against the base
  and accepts an absolute URL only when it lies under the base (same scheme, host, port and path prefix);
  anything else is ``OffBase`` and is never requested.
- Redirects are not followed by ``requests``; a redirect to a URL under the base is followed (a GET, at
  most ``MAX_REDIRECTS``), any other is refused.
- Timeouts (connect, read) on every call; a response larger than ``max_response_bytes`` (by
  ``Content-Length`` or while reading, after gzip is undone) is refused.
- 429 and 5xx (and a connection that fails) are retried with exponential backoff, at most
  ``max_retries`` times; a ``Retry-After`` (seconds or an HTTP date) is honoured when it is no longer than
  ``max_retry_wait_seconds``, else the answer stands. No retry starts after ``call_budget_seconds`` from the
  first attempt (a call with its retries stays within the worker's timeout). The writes this service sends are idempotent by
  construction (service.fhir.transaction), so a retried write does not write twice.
- Credentials come from ``service.ehr.token``; a 401 drops a cached SMART token and tries once more.

Failures are ``RequestError``s the API answers as they are: 502 (the server answered what cannot be used,
or redirected off the base), 503 (it stayed unavailable; with ``Retry-After`` when it gave one), 504 (it
did not answer in time). Their messages never quote the server's answer.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin, urlsplit

import requests

from service.config import EhrSettings
from service.fhir.io import loads
from service.fhir.outcome import RequestError

log = logging.getLogger("service.ehr")

FHIR_JSON = "application/fhir+json"
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 3
BACKOFF_SECONDS = 0.5


class OffBase(ValueError):
    """A URL that is not under the configured FHIR base: never requested."""


@dataclass(frozen=True)
class Reply:
    """A response read in full (within the size limit)."""

    status: int
    headers: dict
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").partition(";")[0].strip().lower()

    def json(self) -> object:
        """The body parsed losslessly (decimals keep their text), 502 when it is not JSON."""
        try:
            return loads(self.body)
        except Exception:  # noqa: BLE001 - the parser's own error types; the body is never quoted
            raise upstream_error(502, "The FHIR server answered with a body that is not JSON.") from None


def upstream_error(status: int, message: str, headers: dict | None = None) -> RequestError:
    code = {502: "exception", 503: "transient", 504: "timeout"}.get(status)
    error = RequestError.single(status, message, code=code)
    error.headers = headers or {}
    return error


class EhrClient:
    """Requests to one FHIR server; ``session``, ``sleep`` and ``clock`` are there for tests and reuse."""

    def __init__(self, settings: EhrSettings, token=None, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time):
        if not settings.base_url:
            raise ValueError("EhrClient needs a base URL")
        self.settings = settings
        self.base = settings.base_url.rstrip("/")
        self._base_parts = urlsplit(self.base + "/")
        self.token = token
        self.session = session or requests.Session()
        self.sleep = sleep
        self.clock = clock

    # --- where a call may go -------------------------------------------------------------------

    def url(self, reference: str) -> str:
        """The absolute URL of ``reference`` when it lies under the base (``""``: the base itself, where
        transactions go), else ``OffBase``."""
        if reference == "":
            return self.base
        if not isinstance(reference, str) or not reference or any(ch.isspace() for ch in reference):
            raise OffBase("not a URL")
        absolute = urljoin(self.base + "/", reference)
        if not self.on_base(absolute):
            raise OffBase("not under the configured FHIR base")
        return absolute

    def on_base(self, url: str) -> bool:
        parts, base = urlsplit(url), self._base_parts
        if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()):
            return False
        if parts.username or parts.password or parts.fragment:
            return False
        segments = parts.path.split("/")
        if ".." in segments or "." in segments or re.search(r"%2[eEfF]|%5[cC]|\\", parts.path):
            return False  # a dot segment or separator the server might decode after this check
        return (parts.path + "/").startswith(base.path) and parts.path != base.path.rstrip("/")

    # --- calls -------------------------------------------------------------------------------

    def get(self, reference: str, accept: str = FHIR_JSON) -> Reply:
        return self.request("GET", reference, headers={"Accept": accept})

    def post_json(self, reference: str, body: bytes, headers: dict | None = None) -> Reply:
        return self.request("POST", reference, data=body,
                            headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON, **(headers or {})})

    def request(self, method: str, reference: str, data: bytes | None = None, headers: dict | None = None) -> Reply:
        url = self.url(reference)
        retried_auth = False
        attempt = 0
        redirects = 0
        give_up_at = time.monotonic() + self.settings.call_budget_seconds
        while True:
            started = time.monotonic()
            try:
                reply = self._send(method, url, data, headers or {})
            except ResponseTooLarge:
                raise too_large_error() from None
            except requests.Timeout:
                reply = None
                failure = upstream_error(504, "The FHIR server did not answer in time.")
            except requests.RequestException as error:
                reply = None
                failure = upstream_error(503, "The FHIR server cannot be reached now; try again later.")
                log.warning('{"event": "ehr-connection-failed", "method": "%s", "exception": "%s"}',
                            method, type(error).__name__)
            self._log(method, reply, started, attempt)
            if reply is None:
                wait = self._backoff(attempt)
                if attempt < self.settings.max_retries and time.monotonic() + wait < give_up_at:
                    self.sleep(wait)
                    attempt += 1
                    continue
                raise failure
            if reply.status == 401 and self.token is not None and not retried_auth:
                retried_auth = True
                self.token.invalidate()
                continue
            if 300 <= reply.status < 400 and reply.status != 304:
                url = self._redirect(method, url, reply)
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise upstream_error(502, "The FHIR server redirected too often.")
                continue
            if reply.status in RETRIED_STATUSES:
                wait = self._retry_after(reply)
                wait = self._backoff(attempt) if wait is not None and wait < 0 else wait
                if attempt < self.settings.max_retries and wait is not None and time.monotonic() + wait < give_up_at:
                    attempt += 1
                    self.sleep(wait)
                    continue
            return reply

    def _send(self, method: str, url: str, data: bytes | None, headers: dict) -> Reply:
        headers = {"Accept-Encoding": "gzip", **headers}
        if self.token is not None:
            headers["Authorization"] = self.token.header()
        limit = self.settings.max_response_bytes
        with self.session.request(method, url, data=data, headers=headers, allow_redirects=False, stream=True,
                                  timeout=(self.settings.connect_timeout_seconds,
                                           self.settings.read_timeout_seconds)) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise ResponseTooLarge()
            chunks, total = [], 0
            for chunk in response.iter_content(64 * 1024):
                total += len(chunk)
                if total > limit:
                    raise ResponseTooLarge()
                chunks.append(chunk)
            return Reply(response.status_code, {name.lower(): value for name, value in response.headers.items()},
                         b"".join(chunks))

    def _redirect(self, method: str, url: str, reply: Reply) -> str:
        location = reply.headers.get("location")
        target = urljoin(url, location) if location else None
        if method != "GET" or target is None or not self.on_base(target):
            raise upstream_error(502, "The FHIR server redirected the request away from the configured base; "
                                      "it was not followed.")
        return target

    def _retry_after(self, reply: Reply) -> float | None:
        """Seconds to wait before the retry: -1 for "use the backoff", None for "do not retry"."""
        header = reply.headers.get("retry-after", "").strip()
        if not header:
            return -1
        if header.isdigit():
            seconds = float(header)
        else:
            try:
                when = email.utils.parsedate_to_datetime(header)
            except (TypeError, ValueError):
                return -1
            seconds = max(when.timestamp() - self.clock(), 0.0)
        return seconds if seconds <= self.settings.max_retry_wait_seconds else None

    def _backoff(self, attempt: int) -> float:
        return min(BACKOFF_SECONDS * (2 ** attempt), self.settings.max_retry_wait_seconds)

    def _log(self, method: str, reply: Reply | None, started: float, attempt: int) -> None:
        log.info('{"event": "ehr-call", "method": "%s", "status": %s, "bytes": %d, "attempt": %d, '
                 '"duration_ms": %.1f}', method, reply.status if reply else "null", len(reply.body) if reply else 0,
                 attempt, (time.monotonic() - started) * 1000)


class ResponseTooLarge(requests.RequestException):
    """The server's answer is larger than ``max_response_bytes``."""


def too_large_error() -> RequestError:
    error = upstream_error(502, "The FHIR server's answer is larger than this service reads.")
    error.too_large = True
    return error


def unavailable(reply: Reply) -> RequestError:
    """A retried status that stayed: 503 with the server's Retry-After (when it gave one)."""
    retry_after = reply.headers.get("retry-after", "").strip()
    headers = {"Retry-After": retry_after} if retry_after.isdigit() else {"Retry-After": "30"}
    return upstream_error(503, f"The FHIR server is unavailable now (it answered {reply.status}); try again later.",
                          headers)


__all__ = ["EhrClient", "Reply", "OffBase", "upstream_error", "unavailable", "FHIR_JSON"]
