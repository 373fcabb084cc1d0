"""The baseline for bench/serve_bench.py: a validate-and-echo Flask app.

One route, ``POST /fhir/DiagnosticReport/$enrich``, that does what every FHIR endpoint must do and no
more: the lossless parse, R4 validation and the JSON writer of the service itself (service.fhir.io),
answering the report as it came. The ratio of `$enrich` to this app's requests per second, on the same
workers in the same run, is the throughput the issue's target is set in.

Served by gunicorn like the service (threaded workers, the app loaded in the master):
``gunicorn --pythonpath bench -k gthread --threads 8 --preload -w 2 echo_app:app``.
"""

from __future__ import annotations

from flask import Flask, Response, request

from service.fhir.io import dumps, loads, validate_resource

FHIR_JSON_UTF8 = "application/fhir+json; charset=utf-8"


def create_echo_app() -> Flask:
    app = Flask("echo")

    @app.post("/fhir/DiagnosticReport/$enrich")
    def echo():
        report = loads(request.get_data(cache=False))
        issues = validate_resource(report, "DiagnosticReport")
        if issues:
            outcome = {"resourceType": "OperationOutcome", "issue": [issue.to_fhir() for issue in issues]}
            return Response(dumps(outcome), status=422, content_type=FHIR_JSON_UTF8)
        return Response(dumps(report), content_type=FHIR_JSON_UTF8)

    return app


app = create_echo_app()
