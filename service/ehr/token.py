"""Credentials for the EHR's FHIR server: a static bearer token, or a SMART backend services access token.

SMART backend services (hl7.org/fhir/smart-app-launch/backend-services.html): the service posts
``grant_type=client_credentials`` with a ``client_assertion`` (``private_key_jwt``: a JWT signed with the
configured private key, ``iss`` = ``sub`` = the client id, ``aud`` = the token URL, a fresh ``jti``, five
minutes of life) to the configured token endpoint, and keeps the access token until shortly before it
expires (``expires_in``; ``EXPIRY_MARGIN_SECONDS`` early). A 401 from the FHIR server drops it
(``invalidate``). The token endpoint is called without redirects, with the client's timeouts and a 64 kB
answer limit; neither the assertion nor the token is ever logged.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import Callable

import requests

from service.config import EhrSettings
from service.ehr.client import upstream_error

log = logging.getLogger("service.ehr")

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS = 300
EXPIRY_MARGIN_SECONDS = 30
DEFAULT_EXPIRES_IN = 300
MAX_TOKEN_RESPONSE_BYTES = 64 * 1024


class StaticToken:
    """A bearer token from the configuration."""

    def __init__(self, token: str):
        self._header = f"Bearer {token}"

    def header(self) -> str:
        return self._header

    def invalidate(self) -> None:
        """Nothing to refresh: the next call sends the same token (and its 401 stands)."""


class SmartToken:
    """A SMART backend services access token, fetched when first needed and cached until it expires."""

    def __init__(self, settings: EhrSettings, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time):
        import jwt

        self.settings = settings
        self.session = session or requests.Session()
        self.clock = clock
        self._key = jwt.api_jws.get_algorithm_by_name(settings.signing_algorithm).prepare_key(settings.private_key)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def header(self) -> str:
        with self._lock:
            if self._token is None or self.clock() >= self._expires_at - EXPIRY_MARGIN_SECONDS:
                self._token, lifetime = self._fetch()
                self._expires_at = self.clock() + lifetime
            return f"Bearer {self._token}"

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def assertion(self) -> str:
        """The signed client assertion (``private_key_jwt``)."""
        import jwt

        settings, now = self.settings, int(self.clock())
        claims = {"iss": settings.client_id, "sub": settings.client_id, "aud": settings.token_url,
                  "exp": now + ASSERTION_LIFETIME_SECONDS, "iat": now, "jti": str(uuid.uuid4())}
        headers = {"typ": "JWT", **({"kid": settings.key_id} if settings.key_id else {})}
        return jwt.encode(claims, self._key, algorithm=settings.signing_algorithm, headers=headers)

    def _fetch(self) -> tuple[str, float]:
        settings = self.settings
        form = {"grant_type": "client_credentials", "scope": settings.scope,
                "client_assertion_type": ASSERTION_TYPE, "client_assertion": self.assertion()}
        try:
            with self.session.post(settings.token_url, data=form, headers={"Accept": "application/json"},
                                   allow_redirects=False, stream=True,
                                   timeout=(settings.connect_timeout_seconds, settings.read_timeout_seconds)) as response:
                body = response.raw.read(MAX_TOKEN_RESPONSE_BYTES + 1, decode_content=True)
                status = response.status_code
        except requests.Timeout:
            raise upstream_error(504, "The EHR's token endpoint did not answer in time.") from None
        except requests.RequestException as error:
            log.warning('{"event": "ehr-token-failed", "exception": "%s"}', type(error).__name__)
            raise upstream_error(503, "The EHR's token endpoint cannot be reached now; try again later.") from None
        log.info('{"event": "ehr-token", "status": %d}', status)
        if status != 200 or len(body) > MAX_TOKEN_RESPONSE_BYTES:
            raise upstream_error(502, f"The EHR's token endpoint refused this service's credentials (status {status}).")
        try:
            answer = json.loads(body)
            token = answer["access_token"]
            lifetime = float(answer.get("expires_in", DEFAULT_EXPIRES_IN))
        except (ValueError, KeyError, TypeError):
            raise upstream_error(502, "The EHR's token endpoint answered without a usable access token.") from None
        if not isinstance(token, str) or not token or str(answer.get("token_type", "bearer")).lower() != "bearer":
            raise upstream_error(502, "The EHR's token endpoint answered without a usable access token.")
        return token, max(lifetime, 0.0)


def credentials(settings: EhrSettings):
    """The token provider the settings describe, or None for a server that needs no credentials."""
    if settings.smart:
        return SmartToken(settings)
    if settings.bearer_token:
        return StaticToken(settings.bearer_token)
    return None


__all__ = ["StaticToken", "SmartToken", "credentials", "ASSERTION_TYPE"]
