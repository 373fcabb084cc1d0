"""Settings from the environment, and the choice of explanation languages."""

from __future__ import annotations

import pytest

from service.config import ConfigError, Settings
from service.languages import preferred_languages, resolve_languages


def test_defaults():
    settings = Settings.from_environ({})
    assert settings.max_body_bytes == 5 * 1024 * 1024
    assert (settings.host, settings.port, settings.default_language, settings.log_level) == ("127.0.0.1", 8080, "en", "INFO")
    assert settings.flask_config()["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024


def test_environment_overrides():
    settings = Settings.from_environ({
        "ENRICHER_MAX_BODY_BYTES": "1024", "ENRICHER_LOG_LEVEL": "debug", "ENRICHER_DEFAULT_LANGUAGE": "ES",
        "ENRICHER_FHIR_BASE_URL": "https://ehr.example.org/fhir/", "ENRICHER_WORKERS": "4", "ENRICHER_PORT": "9000",
    })
    assert settings.max_body_bytes == 1024 and settings.log_level == "DEBUG" and settings.default_language == "es"
    assert settings.fhir_base_url == "https://ehr.example.org/fhir"
    assert (settings.workers, settings.port) == (4, 9000)


def test_write_back_and_canonical_settings():
    assert Settings.from_environ({}).retraction == "entered-in-error"
    settings = Settings.from_environ({"ENRICHER_RETRACTION": "delete", "ENRICHER_CANONICAL_BASE": "https://x.example/fhir/",
                                      "ENRICHER_PUBLIC_BASE_URL": "https://enricher.example/fhir"})
    assert (settings.retraction, settings.canonical_base, settings.public_base_url) == \
        ("delete", "https://x.example/fhir", "https://enricher.example/fhir")
    assert settings.flask_config()["RETRACTION"] == "delete"
    for name, value in (("ENRICHER_RETRACTION", "forget"), ("ENRICHER_CANONICAL_BASE", "x.example/fhir"),
                        ("ENRICHER_PUBLIC_BASE_URL", "https://e.example/fhir?x=1")):
        with pytest.raises(ConfigError):
            Settings.from_environ({name: value})


@pytest.mark.parametrize("name, value", [
    ("ENRICHER_MAX_BODY_BYTES", "5MB"), ("ENRICHER_MAX_BODY_BYTES", "0"), ("ENRICHER_LOG_LEVEL", "LOUD"),
    ("ENRICHER_DEFAULT_LANGUAGE", "fr"), ("ENRICHER_PORT", "70000"), ("ENRICHER_WORKERS", "-1"),
])
def test_bad_values_fail_loudly(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_environ({name: value})


def test_environment_limit_reaches_the_app(monkeypatch):
    from service import create_app

    monkeypatch.setenv("ENRICHER_MAX_BODY_BYTES", "2048")
    assert create_app().config["MAX_CONTENT_LENGTH"] == 2048


@pytest.mark.parametrize("requested, header, expected", [
    ([], None, ["en"]),
    ([], "es", ["es"]),
    ([], "es-MX,es;q=0.9,en;q=0.8", ["es"]),
    ([], "fr, en;q=0.2, es;q=0.5", ["es"]),
    ([], "fr, de", ["en"]),
    ([], "*", ["en"]),
    ([], "es;q=0, en", ["en"]),
    (["es", "en"], "fr", ["es", "en"]),
    (["EN-gb", "en", "es-419"], None, ["en", "es"]),
    (["de"], None, ["en"]),
    (["de", "es"], None, ["en", "es"]),
])
def test_resolve_languages(requested, header, expected):
    assert resolve_languages(requested, header) == expected


def test_default_language_is_the_fallback():
    assert resolve_languages([], "fr", default="es") == ["es"]
    assert resolve_languages(["de"], None, default="es") == ["es"]


def test_accept_language_ranking_keeps_header_order_for_ties():
    assert preferred_languages("da, en-gb;q=0.8, en;q=0.8, es;q=bad") == ["da", "en-gb", "en"]
