"""Settings from the environment, with defaults.

Every setting has an environment variable (documented in README.md, "Configuration") and a
default that works on a laptop. ``Settings.from_environ`` reads and checks them once, at start-up,
so a typo in a deployment fails loudly instead of silently using a default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from service.explain import SUPPORTED_LANGUAGES

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use."""


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
    engine_budget_seconds: float = 5.0
    threads: int = 8
    read_timeout_seconds: float = 10.0

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
            engine_budget_seconds=_positive_float(env, "ENRICHER_ENGINE_BUDGET_SECONDS",
                                                  defaults.engine_budget_seconds),
            threads=_positive_int(env, "ENRICHER_THREADS", defaults.threads),
            read_timeout_seconds=_positive_float(env, "ENRICHER_READ_TIMEOUT", defaults.read_timeout_seconds),
        )
        if settings.log_level not in LOG_LEVELS:
            raise ConfigError(f"ENRICHER_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        if settings.default_language not in SUPPORTED_LANGUAGES:
            raise ConfigError(
                f"ENRICHER_DEFAULT_LANGUAGE must be one of {', '.join(SUPPORTED_LANGUAGES)}"
            )
        if settings.port > 65535:
            raise ConfigError("ENRICHER_PORT must be at most 65535")
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
            "ENGINE_BUDGET_SECONDS": self.engine_budget_seconds,
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
