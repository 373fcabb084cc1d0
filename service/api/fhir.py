"""The FHIR endpoints: ``$enrich``, the CapabilityStatement, the OperationDefinition and the project's
CodeSystems. Thin: reading and answering HTTP; the journey itself is ``service.enrich``.
"""

from __future__ import annotations

from functools import cache

from flask import Blueprint, current_app, request

from service import __version__
from service.api.negotiation import fhir_response, read_json_body, require_json_response
from service.api.observe import record_findings
from service.enrich import enrich
from service.fhir.capability import OPERATION_ID, capability_statement, operation_definition
from service.fhir.io import NotSupported
from service.fhir.operation import ensure_valid_report, read_enrich_input
from service.fhir.outcome import RequestError
from service.languages import resolve_languages
from service.terminology import canonical_base, code_systems, finding_labels

bp = Blueprint("fhir", __name__, url_prefix="/fhir")


@bp.before_request
def _json_only():
    require_json_response()


@bp.post("/DiagnosticReport/$enrich")
def enrich_report():
    operation_input = read_enrich_input(read_json_body())
    report = ensure_valid_report(operation_input)
    languages = resolve_languages(
        operation_input.languages, request.headers.get("Accept-Language"), current_app.config["DEFAULT_LANGUAGE"]
    )
    mode = operation_input.mode or "collection"
    bundle = enrich(report, languages, mode, fhir_base=current_app.config["FHIR_BASE_URL"])
    record_findings(finding_labels(bundle))
    return fhir_response(bundle, headers={"Content-Language": ", ".join(languages)})


@bp.post("")
@bp.post("/")
def batch_or_transaction():
    """Batch and transaction Bundles are not carried out yet: 501, so clients know to post singly."""
    raise NotSupported(
        "Batch and transaction Bundles are not supported yet; "
        "post each report to /fhir/DiagnosticReport/$enrich."
    )


@bp.get("/metadata")
def metadata():
    implementation_url = request.host_url.rstrip("/") + bp.url_prefix
    return fhir_response(capability_statement(canonical_base(), __version__, implementation_url))


@bp.get("/OperationDefinition/<resource_id>")
def read_operation_definition(resource_id: str):
    if resource_id != OPERATION_ID:
        raise RequestError.single(404, "No OperationDefinition with this id.")
    return fhir_response(_operation_definition())


@bp.get("/CodeSystem/<resource_id>")
def read_code_system(resource_id: str):
    code_system = code_systems().get(resource_id)
    if code_system is None:
        raise RequestError.single(404, "No CodeSystem with this id.")
    return fhir_response(code_system)


@cache
def _operation_definition() -> dict:
    return operation_definition(canonical_base(), __version__)
