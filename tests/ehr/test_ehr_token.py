"""SMART backend services: a client_credentials grant with a private_key_jwt assertion, the token cached until
it expires, dropped on a 401."""

from __future__ import annotations

from urllib.parse import parse_qs

import jwt
import pytest
import responses

from ehr_helpers import BASE, TOKEN_URL, private_key_pem
from service.config import ConfigError, EhrSettings
from service.ehr.client import EhrClient
from service.ehr.token import ASSERTION_TYPE, SmartToken, credentials
from service.fhir.outcome import RequestError

KEY, PEM = private_key_pem()
REPORT = {"resourceType": "DiagnosticReport", "id": "r1", "status": "final", "code": {"text": "MRI"}}


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


def settings(**extra) -> EhrSettings:
    return EhrSettings(base_url=BASE, token_url=TOKEN_URL, client_id="enricher", private_key=PEM, key_id="k1",
                       **extra)


def token_answer(token: str, expires_in: int = 300) -> dict:
    return {"access_token": token, "token_type": "bearer", "expires_in": expires_in, "scope": "system/*.rs"}


@responses.activate
def test_the_assertion_is_a_signed_private_key_jwt_and_the_token_is_cached_until_it_expires():
    responses.post(TOKEN_URL, json=token_answer("t-1"))
    responses.post(TOKEN_URL, json=token_answer("t-2"))
    responses.get(f"{BASE}/DiagnosticReport/r1", json=REPORT)
    clock = Clock()
    ehr = EhrClient(settings(), token=SmartToken(settings(), clock=clock), clock=clock)
    for _ in range(3):
        ehr.get("DiagnosticReport/r1")
    token_calls = [call for call in responses.calls if call.request.url == TOKEN_URL]
    assert len(token_calls) == 1
    form = {name: values[0] for name, values in parse_qs(token_calls[0].request.body).items()}
    assert form["grant_type"] == "client_credentials" and form["client_assertion_type"] == ASSERTION_TYPE
    assert "system/DiagnosticReport.rs" in form["scope"]
    header = jwt.get_unverified_header(form["client_assertion"])
    assert header["alg"] == "RS384" and header["kid"] == "k1"
    claims = jwt.decode(form["client_assertion"], KEY.public_key(), algorithms=["RS384"], audience=TOKEN_URL,
                        options={"verify_exp": False, "verify_iat": False})
    assert claims["iss"] == claims["sub"] == "enricher" and claims["jti"]
    assert claims["exp"] - claims["iat"] == 300
    fhir_calls = [call for call in responses.calls if call.request.url != TOKEN_URL]
    assert {call.request.headers["Authorization"] for call in fhir_calls} == {"Bearer t-1"}

    clock.now += 300 - 29  # within the margin before expiry: a new token
    ehr.get("DiagnosticReport/r1")
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer t-2"


@responses.activate
def test_a_401_drops_the_token_and_tries_once_more():
    responses.post(TOKEN_URL, json=token_answer("stale"))
    responses.post(TOKEN_URL, json=token_answer("fresh"))
    responses.get(f"{BASE}/DiagnosticReport/r1", status=401)
    responses.get(f"{BASE}/DiagnosticReport/r1", json=REPORT)
    ehr = EhrClient(settings(), token=SmartToken(settings()))
    assert ehr.get("DiagnosticReport/r1").status == 200
    auth = [call.request.headers.get("Authorization") for call in responses.calls if call.request.url != TOKEN_URL]
    assert auth == ["Bearer stale", "Bearer fresh"]


@responses.activate
@pytest.mark.parametrize("status, body", [(400, {"error": "invalid_client"}), (200, {"token_type": "bearer"}),
                                          (200, {"access_token": "x", "token_type": "mac"})])
def test_a_refused_or_unusable_token_answer_is_502(status, body):
    responses.post(TOKEN_URL, status=status, json=body)
    with pytest.raises(RequestError) as failure:
        SmartToken(settings()).header()
    assert failure.value.http_status == 502


@responses.activate
def test_the_token_endpoint_redirect_is_not_followed():
    responses.post(TOKEN_URL, status=302, headers={"Location": "https://evil.example.test/token"})
    with pytest.raises(RequestError):
        SmartToken(settings()).header()
    assert len(responses.calls) == 1


def test_settings_are_checked_at_start_up(tmp_path):
    base = {"ENRICHER_FHIR_BASE_URL": BASE}
    key_file = tmp_path / "key.pem"
    key_file.write_text(PEM)
    smart = EhrSettings.from_environ({**base, "ENRICHER_EHR_TOKEN_URL": TOKEN_URL, "ENRICHER_EHR_CLIENT_ID": "c",
                                      "ENRICHER_EHR_PRIVATE_KEY": str(key_file)})
    assert smart.smart and isinstance(credentials(smart), SmartToken)
    for bad in ({"ENRICHER_EHR_TOKEN_URL": TOKEN_URL},  # without client id and key
                {"ENRICHER_EHR_BEARER_TOKEN": "a b"},
                {"ENRICHER_EHR_TOKEN_URL": TOKEN_URL, "ENRICHER_EHR_CLIENT_ID": "c", "ENRICHER_EHR_PRIVATE_KEY": "nope"},
                {"ENRICHER_FHIR_BASE_URL": "ftp://x"}, {"ENRICHER_EHR_MAX_RETRIES": "50"},
                {"ENRICHER_CORS_ORIGINS": "https://portal.example.test/path"}):
        with pytest.raises(ConfigError):
            EhrSettings.from_environ({**base, **bad})
    with pytest.raises(ConfigError):
        EhrSettings.from_environ({"ENRICHER_EHR_BEARER_TOKEN": "abc"})  # credentials without a server
