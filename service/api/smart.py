"""``GET /.well-known/smart-configuration``: where a SMART backend-services client gets its token, served
when bearer tokens are verified and a token endpoint is configured (``ENRICHER_SMART_TOKEN_URL``); 404
otherwise. Open, like the CapabilityStatement, so clients can discover how to authenticate."""

from __future__ import annotations

from flask import Blueprint, current_app, json, Response

from service.api.auth import READ_SCOPES
from service.config import AuthSettings
from service.fhir.outcome import RequestError

bp = Blueprint("smart", __name__)


@bp.get("/.well-known/smart-configuration")
def configuration():
    settings: AuthSettings = current_app.config["AUTH"]
    document = smart_configuration(settings)
    if document is None:
        raise RequestError.single(404, "SMART is not configured on this server.")
    return Response(json.dumps(document), content_type="application/json")


def smart_configuration(settings: AuthSettings) -> dict | None:
    if not (settings.jwt and settings.smart_token_url):
        return None
    document: dict = {"issuer": settings.jwt_issuer}
    if settings.jwks_url:
        document["jwks_uri"] = settings.jwks_url
    if settings.smart_authorize_url:
        document["authorization_endpoint"] = settings.smart_authorize_url
    grants = ["client_credentials"] + (["authorization_code"] if settings.smart_authorize_url else [])
    document.update({
        "token_endpoint": settings.smart_token_url,
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "scopes_supported": list(READ_SCOPES),
        "capabilities": ["client-confidential-asymmetric", "permission-v1", "permission-v2"],
        "code_challenge_methods_supported": ["S256"],
    })
    return document
