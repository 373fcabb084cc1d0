"""Who may call what: bearer tokens verified as JWTs (SMART backend services) or static API keys.

Checked before any view, after the request id is set (``service.api.observe``). Off when no issuer and
no API key is configured (``service.config.AuthSettings``): every request passes, as before.

- A JWT is verified with PyJWT: signature (asymmetric algorithms only, the key from the JWKS URL through
  ``PyJWKClient`` or the configured public key), ``iss``, ``aud``, ``exp`` (required), ``nbf`` and ``iat``
  when present, with a small leeway. Its SMART scopes (``scope``, or ``scp``) must grant what the endpoint
  needs (``ACCESS``). The JWKS is fetched with ``requests`` (no redirects, a short timeout, a size cap),
  cached, and refreshed for an unknown ``kid`` at most once per cool-down.
- An API key (``X-API-Key``, or ``Authorization: Bearer <key>`` when it is not a JWT) is hashed with SHA-256
  and compared with every stored digest in constant time; a key grants every scope.
- Refusals: 401 with ``WWW-Authenticate: Bearer`` (RFC 6750) for a missing, malformed, unknown, expired or
  badly signed credential; 403 ``insufficient_scope`` for a missing scope; 503 when the JWKS cannot be
  fetched. OperationOutcome (``login``, ``forbidden``) under ``/fhir``, problem+json elsewhere. The
  credential is never echoed or logged; the log line names the reason only.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

from flask import Flask, current_app, g, request

from service.api.errors import error_response
from service.config import AuthSettings
from service.fhir.outcome import error_issue

log = logging.getLogger("service.auth")

REALM = "nerve-root-enricher"
OPEN, AUTHENTICATED, READ_REPORTS = "open", "authenticated", "DiagnosticReport.read"
# What each endpoint needs. An endpoint not listed (a route added later, an unknown address) needs a
# credential: deny by default. "metrics" and "preview" are open when ENRICHER_PUBLIC_ENDPOINTS names them.
ACCESS = {
    "health.healthz": OPEN,
    "health.readyz": OPEN,
    "fhir.metadata": OPEN,  # clients discover the security from the CapabilityStatement
    "smart.configuration": OPEN,
    "docs.openapi_document": OPEN,
    "fhir.enrich_report": READ_REPORTS,
    "fhir.batch_or_transaction": READ_REPORTS,
    "ehr.enrich_instance": READ_REPORTS,  # and DiagnosticReport.write to write back (service.api.ehr)
    "ehr.subscription_notification": READ_REPORTS,  # and DiagnosticReport.write
    "extract.extract": READ_REPORTS,
    "fhir.read_operation_definition": AUTHENTICATED,
    "fhir.read_code_system": AUTHENTICATED,
    "fhir.read_structure_definition": AUTHENTICATED,
    "fhir.read_value_set": AUTHENTICATED,
    "health.prometheus_metrics": AUTHENTICATED,
    "preview.preview_form": READ_REPORTS,
    "preview.preview_render": READ_REPORTS,
}
OPTIONAL_OPEN = {"health.prometheus_metrics": "metrics", "preview.preview_form": "preview",
                 "preview.preview_render": "preview"}
# The scopes that grant reading reports, for the SMART configuration and the documentation.
READ_SCOPES = ("system/DiagnosticReport.read", "system/DiagnosticReport.rs", "system/*.read", "system/*.*")

JWKS_TIMEOUT_SECONDS = 5.0
JWKS_MAX_BYTES = 1024 * 1024
JWKS_LIFESPAN_SECONDS = 300.0
JWKS_COOLDOWN_SECONDS = 30.0
TOKEN_SYNTAX = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 b64token
JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
SCOPE_SYNTAX = re.compile(r"(system|user)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)")


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: how it proved itself and what it may do."""

    method: str  # "jwt" or "api-key"
    scopes: tuple[str, ...]

    def may(self, permission: str) -> bool:
        if self.method == "api-key":
            return True
        resource, action = permission.split(".")
        return any(scope_grants(scope, resource, action) for scope in self.scopes)


class Refusal(Exception):
    """A request without the credentials it needs: the status, the RFC 6750 error and our message."""

    def __init__(self, status: int, reason: str, message: str, error: str | None = None, scope: str | None = None):
        super().__init__(reason)
        self.status, self.reason, self.message, self.error, self.scope = status, reason, message, error, scope


def scope_grants(scope: str, resource: str, action: str) -> bool:
    """Does one SMART scope (v1 ``read``/``write``/``*`` or v2 ``cruds``) grant ``action`` on ``resource``?
    Only system and user scopes; a v2 scope narrowed by a query (``?category=...``) grants nothing here."""
    match = SCOPE_SYNTAX.fullmatch(scope)
    if match is None or not match.group(3):
        return False
    _, scoped_resource, permission = match.groups()
    if scoped_resource not in ("*", resource):
        return False
    if permission in ("*", action):
        return True
    return action == "read" and permission not in ("read", "write") and "r" in permission


def install(app: Flask) -> None:
    settings: AuthSettings = app.config.get("AUTH") or AuthSettings()
    app.config["AUTH"] = settings
    if settings.enabled:
        app.extensions["enricher.auth"] = TokenVerifier(settings) if settings.jwt else None
        app.before_request(_authorize)


def required_access(endpoint: str | None, settings: AuthSettings) -> str:
    access = ACCESS.get(endpoint or "", AUTHENTICATED)
    if endpoint in OPTIONAL_OPEN and OPTIONAL_OPEN[endpoint] in settings.public_endpoints:
        return OPEN
    return access


def _authorize():
    settings: AuthSettings = current_app.config["AUTH"]
    access = required_access(request.endpoint, settings)
    if access == OPEN:
        return None
    try:
        principal = authenticate(settings, current_app.extensions.get("enricher.auth"))
        if access != AUTHENTICATED and not principal.may(access):
            raise Refusal(403, "insufficient-scope", "The access token does not grant the scope this endpoint "
                          f"needs ({READ_SCOPES[0]} or broader).", "insufficient_scope", READ_SCOPES[0])
    except Refusal as refusal:
        return _refuse(refusal)
    g.principal = principal
    return None


def authenticate(settings: AuthSettings, verifier: TokenVerifier | None) -> Principal:
    credential = _credential()
    if verifier is not None and JWT_SHAPE.fullmatch(credential):
        return verifier.verify(credential)
    if settings.api_key_hashes and settings.accepts_api_key(credential):
        return Principal("api-key", ())
    raise Refusal(401, "unknown-credential", "The credentials are not valid.", "invalid_token")


def _credential() -> str:
    header = request.headers.get("Authorization")
    if header is None:
        key = request.headers.get("X-API-Key")
        if key:
            return key
        raise Refusal(401, "no-credential", "This endpoint needs credentials: send Authorization: Bearer <token>.")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not TOKEN_SYNTAX.fullmatch(token):
        raise Refusal(401, "malformed-credential", "Send the credentials as Authorization: Bearer <token>.",
                      "invalid_request")
    return token


def _refuse(refusal: Refusal):
    log.warning(json.dumps({"event": "auth-refused", "request_id": g.get("request_id"), "status": refusal.status,
                            "reason": refusal.reason,
                            "route": request.url_rule.rule if request.url_rule is not None else "<unmatched>"}))
    code = {401: "login", 403: "forbidden"}.get(refusal.status)
    headers = {}
    if refusal.status in (401, 403):
        challenge = f'Bearer realm="{REALM}"'
        if refusal.error:
            challenge += f', error="{refusal.error}"'
        if refusal.scope:
            challenge += f', scope="{refusal.scope}"'
        headers["WWW-Authenticate"] = challenge
    else:
        headers["Retry-After"] = "30"
    return error_response(refusal.status, [error_issue(refusal.status, refusal.message, code=code)], headers)


class TokenVerifier:
    """Verifies bearer JWTs against the configured issuer, audience and key (or JWKS)."""

    def __init__(self, settings: AuthSettings):
        self.settings = settings
        self.jwks = _jwks_client(settings.jwks_url) if settings.jwks_url else None
        self.key = None
        if settings.jwt_public_key is not None:
            from cryptography.hazmat.primitives.serialization import load_pem_public_key

            self.key = load_pem_public_key(settings.jwt_public_key.encode("ascii"))

    def verify(self, token: str) -> Principal:
        import jwt

        settings = self.settings
        try:
            key = self.jwks.get_signing_key_from_jwt(token) if self.jwks is not None else self.key
            claims = jwt.decode(token, key, algorithms=list(settings.jwt_algorithms), audience=settings.jwt_audience,
                                issuer=settings.jwt_issuer, leeway=settings.jwt_leeway_seconds,
                                options={"require": ["exp", "iss", "aud"], "verify_signature": True})
        except jwt.ExpiredSignatureError:
            raise Refusal(401, "expired", "The access token has expired.", "invalid_token") from None
        except jwt.PyJWKClientConnectionError:
            raise Refusal(503, "jwks-unavailable", "The keys that verify access tokens cannot be fetched now; "
                          "try again later.") from None
        except (jwt.PyJWKClientError, jwt.PyJWKSetError):
            raise Refusal(401, "unknown-key", "The access token is signed with an unknown key.", "invalid_token") from None
        except jwt.InvalidTokenError as error:
            reason = {jwt.InvalidAudienceError: "audience", jwt.InvalidIssuerError: "issuer",
                      jwt.ImmatureSignatureError: "not-yet-valid", jwt.MissingRequiredClaimError: "missing-claim",
                      jwt.InvalidSignatureError: "signature", jwt.InvalidAlgorithmError: "algorithm",
                      }.get(type(error), "invalid-token")
            raise Refusal(401, reason, "The access token is not valid.", "invalid_token") from None
        return Principal("jwt", _scopes(claims))


def _scopes(claims: dict) -> tuple[str, ...]:
    """SMART's space-separated ``scope`` claim, or ``scp`` (a list or a string) as some servers write it."""
    raw = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw, str):
        return tuple(raw.split())
    if isinstance(raw, list):
        return tuple(scope for scope in raw if isinstance(scope, str))
    return ()


def _jwks_client(url: str):
    """PyJWKClient whose fetch goes through ``requests``: no redirects, a short timeout, at most 1 MB."""
    import requests
    from jwt import PyJWKClient
    from jwt.exceptions import PyJWKClientConnectionError

    class RequestsJWKClient(PyJWKClient):
        def fetch_data(self):
            try:
                with requests.get(self.uri, timeout=JWKS_TIMEOUT_SECONDS, allow_redirects=False, stream=True,
                                  headers={"Accept": "application/json"}) as response:
                    if response.status_code != 200:
                        raise PyJWKClientConnectionError(f"the JWKS endpoint answered {response.status_code}")
                    body = response.raw.read(JWKS_MAX_BYTES + 1, decode_content=True)
            except requests.RequestException as error:
                raise PyJWKClientConnectionError(f"the JWKS endpoint failed: {type(error).__name__}") from None
            if len(body) > JWKS_MAX_BYTES:
                raise PyJWKClientConnectionError("the JWKS is larger than 1 MB")
            try:
                return json.loads(body)
            except ValueError:
                raise PyJWKClientConnectionError("the JWKS is not JSON") from None

    return RequestsJWKClient(url, cache_keys=False, lifespan=JWKS_LIFESPAN_SECONDS, timeout=JWKS_TIMEOUT_SECONDS,
                             cooldown_duration=JWKS_COOLDOWN_SECONDS)
