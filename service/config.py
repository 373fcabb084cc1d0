"""Settings from the environment, with defaults.

Every setting has an environment variable (documented in README.md, "Configuration") and a
default that works on a laptop. ``Settings.from_environ`` reads and checks them once, at start-up,
so a typo in a deployment fails loudly instead of silently using a default.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from service.explain import SUPPORTED_LANGUAGES

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Signature algorithms a token may use: asymmetric only, so a public key can never be used as an HMAC secret.
JWT_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
DEFAULT_JWT_ALGORITHMS = ("RS256", "RS384", "ES256", "ES384")  # SMART backend services: RS384 and ES384
# Endpoints a deployment may open to callers without credentials (ENRICHER_PUBLIC_ENDPOINTS).
OPTIONAL_PUBLIC_ENDPOINTS = ("metrics", "preview")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# How superseded Observations are taken back in a write-back transaction (service.fhir.transaction).
RETRACTIONS = ("entered-in-error", "delete")
BASE_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True)
class AuthSettings:
    """Who may call the service (``service.api.auth``). Off when neither a token issuer nor an API key is set."""

    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwks_url: str | None = None
    jwt_public_key: str | None = None  # PEM text
    jwt_algorithms: tuple[str, ...] = DEFAULT_JWT_ALGORITHMS
    jwt_leeway_seconds: float = 30.0
    api_key_hashes: tuple[str, ...] = ()  # SHA-256 of each key, lowercase hex
    public_endpoints: frozenset[str] = frozenset()
    smart_token_url: str | None = None
    smart_authorize_url: str | None = None
    insecure: bool = False

    @property
    def jwt(self) -> bool:
        return self.jwt_issuer is not None

    @property
    def enabled(self) -> bool:
        return self.jwt or bool(self.api_key_hashes)

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> AuthSettings:
        text = {name: (env.get(name) or "").strip() or None for name in (
            "ENRICHER_JWT_ISSUER", "ENRICHER_JWT_AUDIENCE", "ENRICHER_JWT_JWKS_URL", "ENRICHER_JWT_PUBLIC_KEY",
            "ENRICHER_SMART_TOKEN_URL", "ENRICHER_SMART_AUTHORIZE_URL")}
        jwt_names = ("ENRICHER_JWT_ISSUER", "ENRICHER_JWT_AUDIENCE", "ENRICHER_JWT_JWKS_URL", "ENRICHER_JWT_PUBLIC_KEY")
        if any(text[name] for name in jwt_names):
            if not (text["ENRICHER_JWT_ISSUER"] and text["ENRICHER_JWT_AUDIENCE"]):
                raise ConfigError("bearer tokens need both ENRICHER_JWT_ISSUER and ENRICHER_JWT_AUDIENCE")
            if bool(text["ENRICHER_JWT_JWKS_URL"]) == bool(text["ENRICHER_JWT_PUBLIC_KEY"]):
                raise ConfigError("bearer tokens need one of ENRICHER_JWT_JWKS_URL and ENRICHER_JWT_PUBLIC_KEY")
        for name in ("ENRICHER_JWT_JWKS_URL", "ENRICHER_SMART_TOKEN_URL", "ENRICHER_SMART_AUTHORIZE_URL"):
            if text[name] and not re.match(r"https?://[^\s/]+", text[name]):
                raise ConfigError(f"{name} must be an http(s) URL")
        if (text["ENRICHER_SMART_TOKEN_URL"] or text["ENRICHER_SMART_AUTHORIZE_URL"]) and not text["ENRICHER_JWT_ISSUER"]:
            raise ConfigError("ENRICHER_SMART_TOKEN_URL and ENRICHER_SMART_AUTHORIZE_URL need bearer tokens "
                              "(ENRICHER_JWT_ISSUER)")
        algorithms = _words(env, "ENRICHER_JWT_ALGORITHMS") or DEFAULT_JWT_ALGORITHMS
        if unknown := [name for name in algorithms if name not in JWT_ALGORITHMS]:
            raise ConfigError(f"ENRICHER_JWT_ALGORITHMS: {', '.join(unknown)} not one of {', '.join(JWT_ALGORITHMS)}")
        hashes = tuple(word.lower() for word in _words(env, "ENRICHER_API_KEY_HASHES"))
        if not all(SHA256_HEX.fullmatch(digest) for digest in hashes):
            raise ConfigError("ENRICHER_API_KEY_HASHES must be SHA-256 digests (64 hexadecimal digits), comma-separated")
        public = frozenset(word.lower() for word in _words(env, "ENRICHER_PUBLIC_ENDPOINTS"))
        if unknown := sorted(public - set(OPTIONAL_PUBLIC_ENDPOINTS)):
            raise ConfigError(f"ENRICHER_PUBLIC_ENDPOINTS may name {', '.join(OPTIONAL_PUBLIC_ENDPOINTS)}; "
                              f"not {', '.join(unknown)}")
        leeway = env.get("ENRICHER_JWT_LEEWAY", "").strip()
        try:
            leeway_seconds = float(leeway) if leeway else cls.jwt_leeway_seconds
        except ValueError:
            raise ConfigError(f"ENRICHER_JWT_LEEWAY must be a number of seconds, got {leeway!r}") from None
        if not 0 <= leeway_seconds <= 300:
            raise ConfigError("ENRICHER_JWT_LEEWAY must be between 0 and 300 seconds")
        return cls(
            jwt_issuer=text["ENRICHER_JWT_ISSUER"], jwt_audience=text["ENRICHER_JWT_AUDIENCE"],
            jwks_url=text["ENRICHER_JWT_JWKS_URL"], jwt_public_key=_public_key(text["ENRICHER_JWT_PUBLIC_KEY"]),
            jwt_algorithms=algorithms, jwt_leeway_seconds=leeway_seconds, api_key_hashes=hashes,
            public_endpoints=public, smart_token_url=text["ENRICHER_SMART_TOKEN_URL"],
            smart_authorize_url=text["ENRICHER_SMART_AUTHORIZE_URL"], insecure=_flag(env, "ENRICHER_INSECURE"),
        )

    def accepts_api_key(self, key: str) -> bool:
        """Is ``key`` one of the configured keys? Its SHA-256 compared with every stored digest in constant time."""
        import hashlib

        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
        matched = False
        for stored in self.api_key_hashes:
            matched |= hmac.compare_digest(digest, stored)
        return matched


@dataclass(frozen=True)
class EhrSettings:
    """How the service reaches the EHR's FHIR server (``service.ehr``): off without ``ENRICHER_FHIR_BASE_URL``.

    Credentials: a static bearer token, or SMART backend services (client credentials with a
    ``private_key_jwt`` assertion signed by ``private_key``); neither is allowed for a server that needs none.
    """

    base_url: str | None = None
    bearer_token: str | None = None
    token_url: str | None = None
    client_id: str | None = None
    private_key: str | None = None  # PEM text
    key_id: str | None = None
    signing_algorithm: str = "RS384"
    scope: str = "system/DiagnosticReport.rs system/DiagnosticReport.u system/Observation.cu system/Provenance.c " \
                 "system/Binary.r"
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 20.0
    max_retries: int = 3
    max_retry_wait_seconds: float = 10.0
    call_budget_seconds: float = 20.0
    max_response_bytes: int = 20 * 1024 * 1024
    max_conflict_retries: int = 3
    cors_origins: tuple[str, ...] = ()

    @property
    def smart(self) -> bool:
        return self.token_url is not None

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> EhrSettings:
        defaults = cls()
        text = {name: (env.get(name) or "").strip() or None for name in (
            "ENRICHER_FHIR_BASE_URL", "ENRICHER_EHR_BEARER_TOKEN", "ENRICHER_EHR_TOKEN_URL", "ENRICHER_EHR_CLIENT_ID",
            "ENRICHER_EHR_PRIVATE_KEY", "ENRICHER_EHR_KEY_ID", "ENRICHER_EHR_SCOPE", "ENRICHER_EHR_SIGNING_ALGORITHM")}
        base = text["ENRICHER_FHIR_BASE_URL"]
        base = base.rstrip("/") if base else None
        if base and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", base):
            raise ConfigError("ENRICHER_FHIR_BASE_URL must be an http(s) URL without query or fragment")
        smart_names = ("ENRICHER_EHR_TOKEN_URL", "ENRICHER_EHR_CLIENT_ID", "ENRICHER_EHR_PRIVATE_KEY")
        if any(text[name] for name in smart_names) and not all(text[name] for name in smart_names):
            raise ConfigError("SMART backend services need ENRICHER_EHR_TOKEN_URL, ENRICHER_EHR_CLIENT_ID and "
                              "ENRICHER_EHR_PRIVATE_KEY together")
        if text["ENRICHER_EHR_TOKEN_URL"] and text["ENRICHER_EHR_BEARER_TOKEN"]:
            raise ConfigError("set either ENRICHER_EHR_BEARER_TOKEN or the SMART backend settings, not both")
        if (text["ENRICHER_EHR_TOKEN_URL"] or text["ENRICHER_EHR_BEARER_TOKEN"]) and not base:
            raise ConfigError("EHR credentials need ENRICHER_FHIR_BASE_URL")
        if text["ENRICHER_EHR_TOKEN_URL"] and not re.match(r"https?://[^\s/]+", text["ENRICHER_EHR_TOKEN_URL"]):
            raise ConfigError("ENRICHER_EHR_TOKEN_URL must be an http(s) URL")
        if text["ENRICHER_EHR_BEARER_TOKEN"] and not re.fullmatch(r"[A-Za-z0-9\-._~+/]+=*",
                                                                  text["ENRICHER_EHR_BEARER_TOKEN"]):
            raise ConfigError("ENRICHER_EHR_BEARER_TOKEN is not a bearer token (RFC 6750 characters)")
        algorithm = text["ENRICHER_EHR_SIGNING_ALGORITHM"] or defaults.signing_algorithm
        if algorithm not in ("RS384", "ES384", "RS256", "ES256"):
            raise ConfigError("ENRICHER_EHR_SIGNING_ALGORITHM must be RS384, ES384, RS256 or ES256")
        origins = tuple(origin.rstrip("/") for origin in _words(env, "ENRICHER_CORS_ORIGINS"))
        if bad := [origin for origin in origins if not re.fullmatch(r"https?://[^\s/?#]+", origin)]:
            raise ConfigError(f"ENRICHER_CORS_ORIGINS must list origins (scheme://host[:port]); not {len(bad)} of them")
        return cls(
            base_url=base, bearer_token=text["ENRICHER_EHR_BEARER_TOKEN"], token_url=text["ENRICHER_EHR_TOKEN_URL"],
            client_id=text["ENRICHER_EHR_CLIENT_ID"], private_key=_private_key(text["ENRICHER_EHR_PRIVATE_KEY"]),
            key_id=text["ENRICHER_EHR_KEY_ID"], signing_algorithm=algorithm,
            scope=text["ENRICHER_EHR_SCOPE"] or defaults.scope,
            connect_timeout_seconds=_positive_float(env, "ENRICHER_EHR_CONNECT_TIMEOUT",
                                                    defaults.connect_timeout_seconds),
            read_timeout_seconds=_positive_float(env, "ENRICHER_EHR_READ_TIMEOUT", defaults.read_timeout_seconds),
            max_retries=_count(env, "ENRICHER_EHR_MAX_RETRIES", defaults.max_retries),
            max_retry_wait_seconds=_positive_float(env, "ENRICHER_EHR_MAX_RETRY_WAIT",
                                                   defaults.max_retry_wait_seconds),
            call_budget_seconds=_positive_float(env, "ENRICHER_EHR_CALL_BUDGET", defaults.call_budget_seconds),
            max_response_bytes=_positive_int(env, "ENRICHER_EHR_MAX_RESPONSE_BYTES", defaults.max_response_bytes),
            max_conflict_retries=_count(env, "ENRICHER_EHR_MAX_CONFLICT_RETRIES", defaults.max_conflict_retries),
            cors_origins=origins,
        )


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = 5 * 1024 * 1024
    log_level: str = "INFO"
    default_language: str = "en"
    fhir_base_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    timeout_seconds: int = 30
    max_bundle_entries: int = 100
    max_text_bytes: int = 200 * 1024
    max_observations: int = 500
    max_evidence_spans: int = 10
    engine_budget_seconds: float = 5.0
    threads: int = 8
    read_timeout_seconds: float = 10.0
    canonical_base: str | None = None  # None: mappings/terminology.yaml's default
    public_base_url: str | None = None
    retraction: str = "entered-in-error"
    auth: AuthSettings = field(default_factory=AuthSettings)
    ehr: EhrSettings = field(default_factory=EhrSettings)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        settings = cls(
            max_body_bytes=_positive_int(env, "ENRICHER_MAX_BODY_BYTES", defaults.max_body_bytes),
            log_level=env.get("ENRICHER_LOG_LEVEL", defaults.log_level).strip().upper(),
            default_language=env.get("ENRICHER_DEFAULT_LANGUAGE", defaults.default_language).strip().lower(),
            fhir_base_url=(env.get("ENRICHER_FHIR_BASE_URL") or "").strip().rstrip("/") or None,
            host=env.get("ENRICHER_HOST", defaults.host).strip(),
            port=_positive_int(env, "ENRICHER_PORT", defaults.port),
            workers=_positive_int(env, "ENRICHER_WORKERS", defaults.workers),
            timeout_seconds=_positive_int(env, "ENRICHER_TIMEOUT", defaults.timeout_seconds),
            max_bundle_entries=_positive_int(env, "ENRICHER_MAX_BUNDLE_ENTRIES", defaults.max_bundle_entries),
            max_text_bytes=_positive_int(env, "ENRICHER_MAX_TEXT_BYTES", defaults.max_text_bytes),
            max_observations=_positive_int(env, "ENRICHER_MAX_OBSERVATIONS", defaults.max_observations),
            max_evidence_spans=_positive_int(env, "ENRICHER_MAX_EVIDENCE_SPANS", defaults.max_evidence_spans),
            engine_budget_seconds=_positive_float(env, "ENRICHER_ENGINE_BUDGET_SECONDS",
                                                  defaults.engine_budget_seconds),
            threads=_positive_int(env, "ENRICHER_THREADS", defaults.threads),
            read_timeout_seconds=_positive_float(env, "ENRICHER_READ_TIMEOUT", defaults.read_timeout_seconds),
            canonical_base=_base_url(env, "ENRICHER_CANONICAL_BASE"),
            public_base_url=_base_url(env, "ENRICHER_PUBLIC_BASE_URL"),
            retraction=(env.get("ENRICHER_RETRACTION") or defaults.retraction).strip().lower(),
            auth=AuthSettings.from_environ(env),
            ehr=EhrSettings.from_environ(env),
        )
        if settings.retraction not in RETRACTIONS:
            raise ConfigError(f"ENRICHER_RETRACTION must be one of {', '.join(RETRACTIONS)}")
        if settings.log_level not in LOG_LEVELS:
            raise ConfigError(f"ENRICHER_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        if settings.default_language not in SUPPORTED_LANGUAGES:
            raise ConfigError(
                f"ENRICHER_DEFAULT_LANGUAGE must be one of {', '.join(SUPPORTED_LANGUAGES)}"
            )
        if settings.port > 65535:
            raise ConfigError("ENRICHER_PORT must be at most 65535")
        if settings.ehr.base_url and settings.ehr.call_budget_seconds >= settings.timeout_seconds:
            raise ConfigError("ENRICHER_EHR_CALL_BUDGET must be shorter than ENRICHER_TIMEOUT")
        if settings.engine_budget_seconds >= settings.timeout_seconds:
            raise ConfigError("ENRICHER_ENGINE_BUDGET_SECONDS must be shorter than ENRICHER_TIMEOUT")
        return settings

    def flask_config(self) -> dict:
        """The settings the web application reads, under Flask config keys."""
        return {
            "MAX_CONTENT_LENGTH": self.max_body_bytes,
            "LOG_LEVEL": self.log_level,
            "DEFAULT_LANGUAGE": self.default_language,
            "FHIR_BASE_URL": self.fhir_base_url,
            "MAX_BUNDLE_ENTRIES": self.max_bundle_entries,
            "MAX_TEXT_BYTES": self.max_text_bytes,
            "MAX_OBSERVATIONS": self.max_observations,
            "MAX_EVIDENCE_SPANS": self.max_evidence_spans,
            "ENGINE_BUDGET_SECONDS": self.engine_budget_seconds,
            "PUBLIC_BASE_URL": self.public_base_url,
            "RETRACTION": self.retraction,
            "AUTH": self.auth,
            "EHR": self.ehr,
            "CORS_ORIGINS": self.ehr.cors_origins,
        }


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value < float("inf"):
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number from 0 to 10 (retries)."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > 10:
        raise ConfigError(f"{name} must be a whole number from 0 to 10, got {raw!r}")
    return int(raw)


def _base_url(env: Mapping[str, str], name: str) -> str | None:
    """An http(s) base URL without query, fragment or trailing slash; None when unset."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not BASE_URL.fullmatch(raw):
        raise ConfigError(f"{name} must be an http(s) URL without query or fragment, got {raw!r}")
    return raw.rstrip("/")


def _words(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma- (or space-) separated list."""
    return tuple(word for word in re.split(r"[,\s]+", env.get(name) or "") if word)


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be 1 or 0 (true or false), got {raw!r}")


def _private_key(value: str | None) -> str | None:
    """ENRICHER_EHR_PRIVATE_KEY: the PEM private key that signs client assertions, or the path of its file."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return _pem(value, "ENRICHER_EHR_PRIVATE_KEY", "an unencrypted PEM private key",
                lambda data: load_pem_private_key(data, password=None))


def _public_key(value: str | None) -> str | None:
    """ENRICHER_JWT_PUBLIC_KEY: the PEM text itself, or the path of a file that holds it; checked here."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return _pem(value, "ENRICHER_JWT_PUBLIC_KEY", "a PEM public key", load_pem_public_key)


def _pem(value: str | None, name: str, what: str, load) -> str | None:
    """A PEM key given as its text or as the path of a file holding it, read and checked by ``load``."""
    if value is None:
        return None
    pem = value
    if not value.startswith("-----BEGIN"):
        try:
            with open(value, encoding="ascii") as handle:
                pem = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{name}: cannot read the key file ({type(error).__name__})") from None
    try:
        load(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError):
        raise ConfigError(f"{name} is not {what} (nor the path of a file holding one)") from None
    return pem
