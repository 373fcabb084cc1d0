"""The Flask application factory: settings, blueprints, error handlers, request observation.

``create_app(config)`` reads the environment (``service.config``), lets ``config`` override any key
(tests pass e.g. ``{"MAX_CONTENT_LENGTH": 1024}``) and warms the caches that requests rely on, so
no request pays for loading code maps, templates or the OpenAPI file.
"""

from __future__ import annotations

from flask import Flask

from service.api import auth, docs, ehr, errors, extract, fhir, health, observe, preview, smart, transport
from service.config import Settings
from service.fhir.io import element_names, validate_resource

MINIMAL_REPORT = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "warm-up"}}


def create_app(config: dict | None = None) -> Flask:
    app = Flask("service", static_folder=None)
    app.config.update(Settings.from_environ().flask_config())
    app.config.update(config or {})
    app.json.sort_keys = False
    app.url_map.strict_slashes = False

    observe.install(app)
    transport.install(app)  # before auth: a CORS preflight carries no credentials
    auth.install(app)  # after observe: a refused request is logged and counted with its request id
    errors.install(app)
    for blueprint in (fhir.bp, ehr.bp, extract.bp, health.bp, docs.bp, preview.bp, smart.bp):
        app.register_blueprint(blueprint)
    _warm_up()
    return app


def _warm_up() -> None:
    """Load what every request needs now, at start-up (and before gunicorn forks its workers)."""
    docs.openapi_text()
    health.readiness()  # enriches a canned report: loads the lexicon, code maps, templates, mappings digest
    validate_resource(MINIMAL_REPORT, "DiagnosticReport")  # imports the R4B models
    element_names()  # the keys an error may name (service.fhir.io)
