"""Authentication (service.api.auth): bearer JWTs against a public key or a JWKS (mocked with `responses`,
no network), SMART scopes per endpoint, static API keys, the refusals, the start-up check, and how the
service describes its security (CapabilityStatement, /.well-known/smart-configuration). Keys are made here."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time

import pytest

jwt = pytest.importorskip("jwt")  # PyJWT[crypto], a dependency of the project

import responses  # noqa: E402
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from api_helpers import outcome_issues, post_fhir  # noqa: E402
from service import create_app
from service.api.auth import scope_grants
from service.config import ConfigError, Settings
from service.fhir.io import validate_resource
from service.server import exposure_refusal, is_loopback

ISSUER = "https://idp.example.org/realms/ehr"
AUDIENCE = "https://enricher.example.org/fhir"
JWKS_URL = "https://idp.example.org/realms/ehr/jwks"
TOKEN_URL = "https://idp.example.org/realms/ehr/token"
API_KEY = "k3y-" + "x" * 40
READ = "system/DiagnosticReport.read"


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key():
    return ec.generate_private_key(ec.SECP384R1())


def public_pem(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def make_app(**env):
    settings = Settings.from_environ({name: value for name, value in env.items() if value is not None})
    return create_app({"TESTING": True, "AUTH": settings.auth})


def token(key, algorithm="RS384", kid=None, **overrides) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "client-1", "iat": now, "exp": now + 300, "scope": READ}
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid} if kid else None)


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture(scope="module")
def key_app(rsa_key):
    return make_app(ENRICHER_JWT_ISSUER=ISSUER, ENRICHER_JWT_AUDIENCE=AUDIENCE, ENRICHER_JWT_PUBLIC_KEY=public_pem(rsa_key),
                    ENRICHER_API_KEY_HASHES=hashlib.sha256(API_KEY.encode()).hexdigest())


@pytest.fixture()
def key_client(key_app):
    return key_app.test_client()


# --- off by default ----------------------------------------------------------------------------------------


def test_without_configuration_nothing_is_asked(client, report_bytes):
    assert post_fhir(client, report_bytes).status_code == 200
    assert client.get("/metrics").status_code == 200
    assert "security" not in client.get("/fhir/metadata").get_json()["rest"][0]
    assert client.get("/.well-known/smart-configuration").status_code == 404


# --- bearer JWTs -------------------------------------------------------------------------------------------


def test_a_valid_token_with_the_scope_is_served(key_client, rsa_key, report_bytes):
    response = post_fhir(key_client, report_bytes, headers=bearer(token(rsa_key)))
    assert response.status_code == 200 and response.get_json()["resourceType"] == "Bundle"


def test_no_credentials_is_401_with_a_bearer_challenge(key_client, report_bytes):
    response = post_fhir(key_client, report_bytes)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="nerve-root-enricher"'
    assert [issue["code"] for issue in outcome_issues(response)] == ["login"]
    elsewhere = key_client.post("/api/v1/extract", json={"text": "x"})
    assert elsewhere.status_code == 401 and elsewhere.headers["Content-Type"] == "application/problem+json"
    assert elsewhere.headers["WWW-Authenticate"].startswith("Bearer ")


def _other_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _unsigned(claims: dict) -> str:
    encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{encode({'alg': 'none', 'typ': 'JWT'})}.{encode(claims)}."


def _hmac_with_public_key(rsa_key) -> str:
    """Algorithm confusion: an HS256 token whose secret is the server's public key."""
    import hmac as hmac_module

    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
    now = int(time.time())
    payload = base64.urlsafe_b64encode(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "exp": now + 300,
                                                   "scope": READ}).encode()).rstrip(b"=")
    signature = hmac_module.new(public_pem(rsa_key).encode(), header + b"." + payload, hashlib.sha256).digest()
    return (header + b"." + payload + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()


@pytest.mark.parametrize("case", ["expired", "issuer", "audience", "no-exp", "no-aud", "signature", "alg-none",
                                  "hmac-confusion", "not-yet-valid", "garbage", "truncated"])
def test_bad_tokens_are_401_and_never_echoed(key_client, rsa_key, report_bytes, case, caplog):
    now = int(time.time())
    bad = {
        "expired": lambda: token(rsa_key, exp=now - 3600, iat=now - 7200),
        "issuer": lambda: token(rsa_key, iss="https://evil.example.org"),
        "audience": lambda: token(rsa_key, aud="https://other-service.example.org"),
        "no-exp": lambda: token(rsa_key, exp=None),
        "no-aud": lambda: token(rsa_key, aud=None),
        "signature": lambda: token(_other_key()),
        "alg-none": lambda: _unsigned({"iss": ISSUER, "aud": AUDIENCE, "exp": now + 300, "scope": READ}),
        "hmac-confusion": lambda: _hmac_with_public_key(rsa_key),
        "not-yet-valid": lambda: token(rsa_key, nbf=now + 3600),
        "garbage": lambda: "abc.def.ghi",
        "truncated": lambda: token(rsa_key)[:-20],
    }[case]()
    with caplog.at_level(logging.INFO, logger="service"):
        response = post_fhir(key_client, report_bytes, headers=bearer(bad))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="nerve-root-enricher", error="invalid_token"'
    assert outcome_issues(response)[0]["code"] == "login"
    for part in bad.split("."):
        if len(part) > 8:
            assert part not in response.get_data(as_text=True) and part not in caplog.text
    assert '"event": "auth-refused"' in caplog.text


def test_a_malformed_authorization_header_is_401_invalid_request(key_client, report_bytes):
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer two words", "Bearer <script>"):
        response = post_fhir(key_client, report_bytes, headers={"Authorization": header})
        assert response.status_code == 401, header
        assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]
        assert "script" not in response.get_data(as_text=True)


@pytest.mark.parametrize("scopes, status", [
    ("system/DiagnosticReport.read", 200),
    ("openid system/DiagnosticReport.rs", 200),
    ("system/DiagnosticReport.cruds", 200),
    ("system/*.read", 200),
    ("system/*.*", 200),
    ("user/DiagnosticReport.read", 200),
    (["system/Observation.read", "system/DiagnosticReport.read"], 200),  # scp as a list
    ("system/DiagnosticReport.write", 403),
    ("system/DiagnosticReport.cud", 403),
    ("system/Observation.read", 403),
    ("patient/DiagnosticReport.read", 403),
    ("system/DiagnosticReport.rs?category=LAB", 403),
    ("", 403),
])
def test_scopes_grant_the_enrich_operation(key_client, rsa_key, report_bytes, scopes, status):
    claims = {"scope": None, "scp": scopes} if isinstance(scopes, list) else {"scope": scopes}
    response = post_fhir(key_client, report_bytes, headers=bearer(token(rsa_key, **claims)))
    assert response.status_code == status
    if status == 403:
        assert response.headers["WWW-Authenticate"] == (
            'Bearer realm="nerve-root-enricher", error="insufficient_scope", scope="system/DiagnosticReport.read"')
        assert outcome_issues(response)[0]["code"] == "forbidden"


def test_scope_grants():
    assert scope_grants("system/*.rs", "DiagnosticReport", "read")
    assert not scope_grants("system/DiagnosticReport.sr", "DiagnosticReport", "read")  # v2 letters in order
    assert not scope_grants("system/DiagnosticReport.", "DiagnosticReport", "read")
    assert not scope_grants("launch/patient", "DiagnosticReport", "read")


def test_ec_keys_and_the_configured_algorithms(ec_key, rsa_key, report_bytes):
    app = make_app(ENRICHER_JWT_ISSUER=ISSUER, ENRICHER_JWT_AUDIENCE=AUDIENCE, ENRICHER_JWT_PUBLIC_KEY=public_pem(ec_key),
                   ENRICHER_JWT_ALGORITHMS="ES384")
    client = app.test_client()
    assert post_fhir(client, report_bytes, headers=bearer(token(ec_key, algorithm="ES384"))).status_code == 200
    assert post_fhir(client, report_bytes, headers=bearer(token(rsa_key, algorithm="RS384"))).status_code == 401


def test_the_public_key_can_be_a_file(tmp_path, rsa_key, report_bytes):
    path = tmp_path / "idp.pem"
    path.write_text(public_pem(rsa_key))
    app = make_app(ENRICHER_JWT_ISSUER=ISSUER, ENRICHER_JWT_AUDIENCE=AUDIENCE, ENRICHER_JWT_PUBLIC_KEY=str(path))
    assert post_fhir(app.test_client(), report_bytes, headers=bearer(token(rsa_key))).status_code == 200


# --- which endpoint needs what -----------------------------------------------------------------------------


def test_open_and_protected_endpoints(key_client, rsa_key):
    for path in ("/healthz", "/readyz", "/fhir/metadata", "/openapi.yaml", "/.well-known/smart-configuration"):
        assert key_client.get(path).status_code in (200, 404), path  # 404: SMART has no token endpoint here
        assert key_client.get(path).status_code != 401, path
    for path in ("/metrics", "/preview", "/fhir/CodeSystem/nerve-root-finding", "/fhir/OperationDefinition/DiagnosticReport-enrich",
                 "/no/such/address"):
        assert key_client.get(path).status_code == 401, path
    # Conformance resources and metrics need a valid credential, not a scope.
    no_scope = bearer(token(rsa_key, scope="openid"))
    assert key_client.get("/fhir/OperationDefinition/DiagnosticReport-enrich", headers=no_scope).status_code == 200
    assert key_client.get("/metrics", headers=no_scope).status_code == 200
    assert key_client.get("/preview", headers=no_scope).status_code == 403
    assert key_client.get("/preview", headers=bearer(token(rsa_key))).status_code == 200
    assert key_client.post("/preview", data={"report": "L5 nerve root compression."},
                           headers=bearer(token(rsa_key))).status_code == 200


def test_metrics_and_preview_can_be_opened(rsa_key):
    app = make_app(ENRICHER_JWT_ISSUER=ISSUER, ENRICHER_JWT_AUDIENCE=AUDIENCE, ENRICHER_JWT_PUBLIC_KEY=public_pem(rsa_key),
                   ENRICHER_PUBLIC_ENDPOINTS="metrics, preview")
    client = app.test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/preview").status_code == 200
    assert client.post("/preview", data={"report": "x"}).status_code == 200
    assert client.post("/api/v1/extract", json={"text": "x"}).status_code == 401


# --- API keys ------------------------------------------------------------------------------------------------


def test_api_keys(key_client, report_bytes):
    assert post_fhir(key_client, report_bytes, headers={"X-API-Key": API_KEY}).status_code == 200
    assert post_fhir(key_client, report_bytes, headers=bearer(API_KEY)).status_code == 200
    for wrong in (API_KEY[:-1], API_KEY + "x", "wrong-key-0123456789"):
        response = post_fhir(key_client, report_bytes, headers={"X-API-Key": wrong})
        assert response.status_code == 401 and wrong not in response.get_data(as_text=True)


def test_api_keys_are_configured_as_digests():
    with pytest.raises(ConfigError, match="ENRICHER_API_KEY_HASHES"):
        Settings.from_environ({"ENRICHER_API_KEY_HASHES": API_KEY})
    digests = [hashlib.sha256(b"one").hexdigest(), hashlib.sha256(b"two").hexdigest().upper()]
    auth = Settings.from_environ({"ENRICHER_API_KEY_HASHES": ",".join(digests)}).auth
    assert auth.enabled and not auth.jwt
    assert auth.accepts_api_key("one") and auth.accepts_api_key("two") and not auth.accepts_api_key("three")


@pytest.mark.parametrize("env, message", [
    ({"ENRICHER_JWT_ISSUER": ISSUER}, "ENRICHER_JWT_AUDIENCE"),
    ({"ENRICHER_JWT_ISSUER": ISSUER, "ENRICHER_JWT_AUDIENCE": AUDIENCE}, "ENRICHER_JWT_JWKS_URL"),
    ({"ENRICHER_JWT_ISSUER": ISSUER, "ENRICHER_JWT_AUDIENCE": AUDIENCE, "ENRICHER_JWT_JWKS_URL": "file:///etc/keys"},
     "ENRICHER_JWT_JWKS_URL"),
    ({"ENRICHER_JWT_ISSUER": ISSUER, "ENRICHER_JWT_AUDIENCE": AUDIENCE, "ENRICHER_JWT_PUBLIC_KEY": "-----BEGIN nonsense"},
     "ENRICHER_JWT_PUBLIC_KEY"),
    ({"ENRICHER_JWT_ISSUER": ISSUER, "ENRICHER_JWT_AUDIENCE": AUDIENCE, "ENRICHER_JWT_JWKS_URL": JWKS_URL,
      "ENRICHER_JWT_ALGORITHMS": "HS256"}, "ENRICHER_JWT_ALGORITHMS"),
    ({"ENRICHER_PUBLIC_ENDPOINTS": "fhir"}, "ENRICHER_PUBLIC_ENDPOINTS"),
    ({"ENRICHER_SMART_TOKEN_URL": TOKEN_URL}, "ENRICHER_SMART_TOKEN_URL"),
    ({"ENRICHER_INSECURE": "maybe"}, "ENRICHER_INSECURE"),
    ({"ENRICHER_JWT_LEEWAY": "3600"}, "ENRICHER_JWT_LEEWAY"),
])
def test_bad_auth_configuration_fails_loudly(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_environ(env)


# --- a JWKS endpoint (responses: no network) -----------------------------------------------------------------


def jwk(key, kid: str) -> dict:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**public, "kid": kid, "use": "sig", "alg": "RS384"}


@responses.activate
def test_jwks_keys_are_fetched_cached_and_rotated(rsa_key, report_bytes):
    new_key = _other_key()
    jwks = responses.get(JWKS_URL, json={"keys": [jwk(rsa_key, "k1")]})
    app = make_app(ENRICHER_JWT_ISSUER=ISSUER, ENRICHER_JWT_AUDIENCE=AUDIENCE, ENRICHER_JWT_JWKS_URL=JWKS_URL)
    client = app.test_client()
    for _ in range(3):
        assert post_fhir(client, report_bytes, headers=bearer(token(rsa_key, kid="k1"))).status_code == 200
    assert jwks.call_count == 1  # cached
    # The issuer rotates its key: an unknown kid fetches the set again (once per cool-down).
    responses.replace(responses.GET, JWKS_URL, json={"keys": [jwk(rsa_key, "k1"), jwk(new_key, "k2")]})
    assert post_fhir(client, report_bytes, headers=bearer(token(new_key, kid="k2"))).status_code == 200
    calls = len(responses.calls)
    assert calls == 2
    # A stream of unknown kids does not make a fetch each (the cool-down).
    for kid in ("k3", "k4", "k5"):
        assert post_fhir(client, report_bytes, headers=bearer(token(new_key, kid=kid))).status_code == 401
    assert len(responses.calls) <= calls + 1
    # A token signed by another key under a known kid is still refused.
    assert post_fhir(client, report_bytes, headers=bearer(token(new_key, kid="k1"))).status_code == 401


@responses.activate
@pytest.mark.parametrize("answer", [{"status": 500, "json": {}}, {"status": 302, "headers": {"Location": "https://elsewhere.example.org/"}},
                                    {"status": 200, "body": "not json"}])
def test_an_unreachable_jwks_is_503_not_a_crash(rsa_key, report_bytes, answer):
    responses.get(JWKS_URL, **answer)
    app = make_app(ENRICHER_JWT_ISSUER=ISSUER, ENRICHER_JWT_AUDIENCE=AUDIENCE, ENRICHER_JWT_JWKS_URL=JWKS_URL)
    response = post_fhir(app.test_client(), report_bytes, headers=bearer(token(rsa_key, kid="k1")))
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert outcome_issues(response)
    assert len(responses.calls) == 1  # a redirect is not followed


# --- how the service describes its security ------------------------------------------------------------------


def test_capability_statement_security(rsa_key):
    app = make_app(ENRICHER_JWT_ISSUER=ISSUER, ENRICHER_JWT_AUDIENCE=AUDIENCE, ENRICHER_JWT_JWKS_URL=JWKS_URL,
                   ENRICHER_SMART_TOKEN_URL=TOKEN_URL)
    statement = app.test_client().get("/fhir/metadata").get_json()
    assert validate_resource(statement, "CapabilityStatement") == []
    security = statement["rest"][0]["security"]
    assert security["service"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR",
        "display": "SMART-on-FHIR"}
    assert security["extension"] == [{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                                      "extension": [{"url": "token", "valueUri": TOKEN_URL}]}]
    # Without a token endpoint: the service code, no OAuth URIs; API keys alone: a description only.
    no_token_url = make_app(ENRICHER_JWT_ISSUER=ISSUER, ENRICHER_JWT_AUDIENCE=AUDIENCE, ENRICHER_JWT_JWKS_URL=JWKS_URL)
    security = no_token_url.test_client().get("/fhir/metadata").get_json()["rest"][0]["security"]
    assert "extension" not in security and security["service"]
    keys_only = make_app(ENRICHER_API_KEY_HASHES=hashlib.sha256(b"k").hexdigest())
    statement = keys_only.test_client().get("/fhir/metadata").get_json()
    assert validate_resource(statement, "CapabilityStatement") == []
    assert "service" not in statement["rest"][0]["security"] and "API key" in statement["rest"][0]["security"]["description"]


def test_smart_configuration():
    app = make_app(ENRICHER_JWT_ISSUER=ISSUER, ENRICHER_JWT_AUDIENCE=AUDIENCE, ENRICHER_JWT_JWKS_URL=JWKS_URL,
                   ENRICHER_SMART_TOKEN_URL=TOKEN_URL)
    response = app.test_client().get("/.well-known/smart-configuration")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    document = response.get_json()
    assert document["token_endpoint"] == TOKEN_URL and document["jwks_uri"] == JWKS_URL
    assert document["issuer"] == ISSUER
    assert "client_credentials" in document["grant_types_supported"]
    assert "system/DiagnosticReport.read" in document["scopes_supported"]
    assert "client-confidential-asymmetric" in document["capabilities"]
    assert document["code_challenge_methods_supported"] == ["S256"]


# --- start-up: no unauthenticated service beyond loopback -----------------------------------------------------


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
                                            ("localhost", True), ("0.0.0.0", False), ("::", False),
                                            ("10.0.0.5", False), ("enricher.internal", False)])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_exposure_refusal():
    assert exposure_refusal("127.0.0.1", auth_enabled=False, insecure=False) is None
    assert "--insecure" in exposure_refusal("0.0.0.0", auth_enabled=False, insecure=False)
    assert exposure_refusal("0.0.0.0", auth_enabled=True, insecure=False) is None
    assert exposure_refusal("0.0.0.0", auth_enabled=False, insecure=True) is None


def test_serve_refuses_a_public_address_without_auth(monkeypatch, capsys):
    from service.cli import main

    for name in ("ENRICHER_INSECURE", "ENRICHER_JWT_ISSUER", "ENRICHER_API_KEY_HASHES"):
        monkeypatch.delenv(name, raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    assert "refusing to listen on 0.0.0.0 without authentication" in capsys.readouterr().err
    monkeypatch.setenv("ENRICHER_HOST", "0.0.0.0")
    assert main(["serve", "--port", "1"]) == 2
    assert Settings.from_environ({"ENRICHER_INSECURE": "1"}).auth.insecure
