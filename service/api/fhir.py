"""The FHIR endpoints: ``$enrich``, batch and transaction Bundles of it, the CapabilityStatement, the OperationDefinition and the project's
CodeSystems. Thin: reading and answering HTTP; the journey itself is ``service.enrich``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import partial

from flask import Blueprint, current_app, request

from service import __version__
from service.api.negotiation import fhir_response, read_json_body, require_json_response
from service.api.errors import log_unexpected
from service.api.limits import request_limits
from service.api.observe import record_findings
from service.api.conventions import preferred_response, with_query_parameters
from service.api.ehr import ehr_client, enrichment_summary
from service.ehr.fetch import attachment_contents
from service.enrich import enrich, marks
from service.fhir import batch
from service.fhir.bundle import instant
from service.fhir.capability import (
    ADDITION_ID, OPERATION_ID, addition_extension_definition, capability_statement, operation_definition,
    rest_security, value_sets,
)
from service.fhir.operation import EnrichInput, ensure_valid_report, read_enrich_input
from service.fhir.outcome import RequestError
from service.languages import resolve_languages
from service.terminology import canonical_base, code_systems, finding_labels, terminology

bp = Blueprint("fhir", __name__, url_prefix="/fhir")


@bp.before_request
def _json_only():
    require_json_response()


@bp.post("/DiagnosticReport/$enrich")
def enrich_report():
    operation_input = with_query_parameters(read_enrich_input(read_json_body()))
    ensure_valid_report(operation_input)
    languages = _languages(operation_input)
    fetched = attachment_contents(ehr_client(), operation_input.report, marks().is_addition)
    bundle = _enrich(operation_input, fetched, languages)
    # The summary reads the report's text again: made only when Prefer asks for it.
    summary = partial(enrichment_summary, operation_input.report, fetched, bundle)
    return preferred_response(bundle, summary, headers={"Content-Language": ", ".join(languages)})


@bp.post("")
@bp.post("/")
def batch_or_transaction():
    """A batch or transaction Bundle of $enrich calls (service.fhir.batch)."""
    bundle_type, entries = batch.read_bundle(read_json_body(), current_app.config["MAX_BUNDLE_ENTRIES"])
    all_or_nothing = bundle_type == "transaction"
    results = batch.carry_out(entries, _enrich, all_or_nothing, log_unexpected)
    if all_or_nothing and (failure := batch.transaction_failure(results)):
        raise failure
    return fhir_response(batch.response_bundle(bundle_type, results, instant(datetime.now(timezone.utc))))


def _languages(operation_input: EnrichInput) -> list[str]:
    return resolve_languages(
        operation_input.languages, request.headers.get("Accept-Language"), current_app.config["DEFAULT_LANGUAGE"]
    )


def _enrich(operation_input: EnrichInput, fetched: dict | None = None, languages: list[str] | None = None) -> dict:
    """The operation on a checked input (``ensure_valid_report`` passed): the Bundle, its findings counted.
    Attachments that point at the configured FHIR server (``url``, ``Binary``) are fetched from it (unless
    the caller did); ``languages`` are the input's (``_languages``) unless the caller resolved them."""
    if fetched is None:
        fetched = attachment_contents(ehr_client(), operation_input.report, marks().is_addition)
    config = current_app.config
    bundle = enrich(operation_input.report, languages or _languages(operation_input),
                    operation_input.mode or "collection", fhir_base=config["FHIR_BASE_URL"], limits=request_limits(),
                    retraction=config["RETRACTION"], fetched=fetched)
    record_findings(finding_labels(bundle))
    return bundle


@bp.get("/metadata")
def metadata():
    # From configuration only: a Host header is the caller's to choose (and may be forged).
    implementation_url = current_app.config["PUBLIC_BASE_URL"]
    auth = current_app.config["AUTH"]
    security = rest_security(auth.jwt, bool(auth.api_key_hashes), auth.smart_token_url, auth.smart_authorize_url)
    return fhir_response(capability_statement(canonical_base(), __version__, implementation_url, security))


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


@bp.get("/StructureDefinition/<resource_id>")
def read_structure_definition(resource_id: str):
    if resource_id != ADDITION_ID:
        raise RequestError.single(404, "No StructureDefinition with this id.")
    return fhir_response(addition_extension_definition(canonical_base(), __version__))


@bp.get("/ValueSet/<resource_id>")
def read_value_set(resource_id: str):
    value_set = value_sets(canonical_base(), __version__, terminology().local_system).get(resource_id)
    if value_set is None:
        raise RequestError.single(404, "No ValueSet with this id.")
    return fhir_response(value_set)


def _operation_definition() -> dict:
    return operation_definition(canonical_base(), __version__)
