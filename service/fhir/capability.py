"""What the service says about itself in FHIR terms: the CapabilityStatement (``GET /fhir/metadata``),
the OperationDefinition of ``$enrich`` (``GET /fhir/OperationDefinition/{id}``), the StructureDefinition
of the extension that marks its additions and the ValueSets its codes are bound to
(``GET /fhir/StructureDefinition/{id}``, ``GET /fhir/ValueSet/{id}``), each at its canonical URL.

All are built from configuration alone (the package version, the canonical base, the public base URL),
never from the request: the same on every request, whatever ``Host`` a caller sends.
"""

from __future__ import annotations

FHIR_VERSION = "4.0.1"
SOFTWARE_NAME = "nerve-root-enricher"
# When this description of the service last changed (CapabilityStatement.date is "date last changed").
DESCRIPTION_DATE = "2026-11-25"
OPERATION_ID = "DiagnosticReport-enrich"
ENRICH_MODES = ("collection", "transaction")
SECURITY_SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
BUNDLE_TYPE_SYSTEM = "http://hl7.org/fhir/bundle-type"
ADDITION_ID = "enrichment-addition"
MODE_VALUE_SET_ID = "enrich-mode"


def operation_url(canonical_base: str) -> str:
    return f"{canonical_base}/OperationDefinition/{OPERATION_ID}"


def operation_definition(canonical_base: str, version: str) -> dict:
    """The OperationDefinition of the type-level operation ``DiagnosticReport/$enrich``."""
    return {
        "resourceType": "OperationDefinition",
        "id": OPERATION_ID,
        "url": operation_url(canonical_base),
        "version": version,
        "name": "Enrich",
        "title": "Enrich a spine imaging DiagnosticReport",
        "status": "active",
        "kind": "operation",
        "date": DESCRIPTION_DATE,
        "publisher": SOFTWARE_NAME,
        "description": (
            "Reads a spine MRI or CT DiagnosticReport, finds statements about nerve root impingement "
            "and foraminal, lateral recess and canal stenosis, and returns a Bundle: the report with "
            "results and a patient explanation added, one coded Observation per finding and one "
            "Provenance. The report itself may be posted as the body instead of a Parameters resource. "
            "At the instance level (DiagnosticReport/{id}/$enrich, when the service is connected to the EHR's "
            "FHIR server) the report is read from that server, and with write=true the enrichment is written "
            "back to it; the service itself stores nothing."
        ),
        "affectsState": False,
        "code": "enrich",
        "resource": ["DiagnosticReport"],
        "system": False,
        "type": True,
        "instance": True,
        "parameter": [
            {
                "name": "report",
                "use": "in",
                "min": 1,
                "max": "1",
                "documentation": "The DiagnosticReport to enrich.",
                "type": "DiagnosticReport",
            },
            {
                "name": "language",
                "use": "in",
                "min": 0,
                "max": "*",
                "documentation": (
                    "BCP-47 language of the patient explanation; repeat for several. Supported: en, es; "
                    "others fall back to en. When absent, the best supported language of the "
                    "Accept-Language header is used, else en."
                ),
                "type": "code",
                "binding": {"strength": "extensible", "valueSet": "http://hl7.org/fhir/ValueSet/languages"},
            },
            {
                "name": "mode",
                "use": "in",
                "min": 0,
                "max": "1",
                "documentation": (
                    "collection (default): a collection Bundle. transaction: the same content as a "
                    "transaction Bundle ready to post to the EHR's FHIR server: the report updated in place "
                    "(PUT, with If-Match on its version), Observations and the Provenance written under "
                    "client-assigned ids derived from content (PUT), earlier additions that no longer hold "
                    "retracted, so that posting it again creates nothing new; needs the report's id or an "
                    "identifier with a system."
                ),
                "type": "code",
                "binding": {"strength": "required", "valueSet": value_set_url(canonical_base, MODE_VALUE_SET_ID)},
            },
            {
                "name": "write",
                "use": "in",
                "min": 0,
                "max": "1",
                "documentation": (
                    "Instance level only: true writes the enrichment back to the EHR's FHIR server (a transaction, "
                    "the report conditional on the version read) and returns the server's transaction-response; "
                    "calling again writes nothing new."
                ),
                "type": "boolean",
            },
            {
                "name": "return",
                "use": "out",
                "min": 1,
                "max": "1",
                "documentation": "The enriched report, its Observations and a Provenance.",
                "type": "Bundle",
            },
        ],
    }


def rest_security(smart: bool, api_keys: bool, token_url: str | None = None,
                  authorize_url: str | None = None) -> dict | None:
    """``rest.security``: SMART-on-FHIR when bearer JWTs are verified (with the OAuth URIs extension when a
    token endpoint is configured), a description only for API keys; ``None`` when the service is open."""
    if not (smart or api_keys):
        return None
    security: dict = {}
    if smart and (token_url or authorize_url):
        uris = [{"url": name, "valueUri": uri} for name, uri in (("token", token_url), ("authorize", authorize_url)) if uri]
        security["extension"] = [{"url": OAUTH_URIS, "extension": uris}]
    security["cors"] = False
    if smart:
        security["service"] = [{
            "coding": [{"system": SECURITY_SERVICE_SYSTEM, "code": "SMART-on-FHIR", "display": "SMART-on-FHIR"}],
            "text": "OAuth2 bearer tokens (JWT) with SMART scopes",
        }]
    ways = []
    if smart:
        ways.append("an OAuth2 bearer token (a JWT from the configured issuer, for this service's audience) with "
                    "system/DiagnosticReport.read (or .rs, system/*.read, system/*.*) for $enrich and batches")
    if api_keys:
        ways.append("an API key (Authorization: Bearer <key> or X-API-Key)")
    security["description"] = ("Requests need " + " or ".join(ways) + ". Without valid credentials: 401 with "
                               "WWW-Authenticate; without the scope: 403. This CapabilityStatement is open.")
    return security


def value_set_url(canonical_base: str, value_set_id: str) -> str:
    return f"{canonical_base}/ValueSet/{value_set_id}"


def addition_url(canonical_base: str) -> str:
    return f"{canonical_base}/StructureDefinition/{ADDITION_ID}"


def addition_extension_definition(canonical_base: str, version: str) -> dict:
    """The StructureDefinition of the extension that marks what the service added to a report."""
    url = addition_url(canonical_base)
    return {
        "resourceType": "StructureDefinition",
        "id": ADDITION_ID,
        "url": url,
        "version": version,
        "name": "EnrichmentAddition",
        "title": "Added by the nerve root enricher",
        "status": "active",
        "date": DESCRIPTION_DATE,
        "publisher": SOFTWARE_NAME,
        "description": (
            "Marks a DiagnosticReport.result reference or presentedForm attachment as added by the nerve root "
            "enricher, so that a later enrichment replaces it and a write-back retracts the Observations an "
            "earlier enrichment added that no longer hold."
        ),
        "fhirVersion": FHIR_VERSION,
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": "DiagnosticReport.result"},
                    {"type": "element", "expression": "DiagnosticReport.presentedForm"}],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {"element": [
            {"id": "Extension", "path": "Extension", "short": "Added by the nerve root enricher",
             "definition": "What the enricher added: a finding (result) or the patient explanation (presentedForm).",
             "max": "1"},
            {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
            {"id": "Extension.url", "path": "Extension.url", "fixedUri": url},
            {"id": "Extension.value[x]", "path": "Extension.value[x]", "min": 1, "type": [{"code": "code"}],
             "binding": {"strength": "required", "valueSet": value_set_url(canonical_base, ADDITION_ID)}},
        ]},
    }


def value_sets(canonical_base: str, version: str, local_system: str) -> dict[str, dict]:
    """The ValueSets the service binds its own codes to, keyed by id: ``enrich-mode`` (the ``mode`` parameter,
    Bundle types) and ``enrichment-addition`` (the extension's value, the project's CodeSystem)."""
    def value_set(value_set_id: str, name: str, title: str, description: str, system: str, concepts) -> dict:
        return {
            "resourceType": "ValueSet", "id": value_set_id, "url": value_set_url(canonical_base, value_set_id),
            "version": version, "name": name, "title": title, "status": "active", "date": DESCRIPTION_DATE,
            "publisher": SOFTWARE_NAME, "description": description, "immutable": False,
            "compose": {"include": [{"system": system,
                                     "concept": [{"code": code, "display": display} for code, display in concepts]}]},
        }

    return {
        MODE_VALUE_SET_ID: value_set(
            MODE_VALUE_SET_ID, "EnrichMode", "$enrich mode", "The Bundle types $enrich answers with.",
            BUNDLE_TYPE_SYSTEM, (("collection", "Collection"), ("transaction", "Transaction"))),
        ADDITION_ID: value_set(
            ADDITION_ID, "EnrichmentAdditionKind", "What the enricher added",
            "The values of the enrichment-addition extension.", local_system,
            (("finding", "Finding added by the enricher"),
             ("patient-explanation", "Patient explanation added by the enricher"))),
    }


def capability_statement(canonical_base: str, version: str, implementation_url: str | None,
                         security: dict | None = None) -> dict:
    """The CapabilityStatement served at ``/fhir/metadata``; ``security`` from ``rest_security``;
    ``implementation_url`` the configured public base (``implementation.url`` is left out without one)."""
    statement = {
        "resourceType": "CapabilityStatement",
        "id": SOFTWARE_NAME,
        "url": f"{canonical_base}/CapabilityStatement/{SOFTWARE_NAME}",
        "version": version,
        "name": "NerveRootEnricher",
        "title": "Nerve root impingement enrichment service",
        "status": "active",
        "date": DESCRIPTION_DATE,
        "publisher": SOFTWARE_NAME,
        "kind": "instance",
        "software": {"name": SOFTWARE_NAME, "version": version},
        "implementation": {
            "description": "Enriches spine imaging DiagnosticReports with coded findings and a patient explanation",
            **({"url": implementation_url} if implementation_url else {}),
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Stateless: nothing is stored. Requests and responses are application/fhir+json "
                    "(application/json is accepted too); errors are OperationOutcome resources."
                ),
                "interaction": [
                    {"code": "batch", "documentation": "A Bundle of POST DiagnosticReport/$enrich entries."},
                    {"code": "transaction", "documentation": "The same, all or nothing."},
                ],
                "resource": [
                    {
                        "type": "DiagnosticReport",
                        "operation": [{"name": "enrich", "definition": operation_url(canonical_base)}],
                    },
                    {"type": "OperationDefinition", "interaction": [{"code": "read"}]},
                    {"type": "CodeSystem", "interaction": [{"code": "read"}]},
                    {"type": "StructureDefinition", "interaction": [{"code": "read"}]},
                    {"type": "ValueSet", "interaction": [{"code": "read"}]},
                ],
            }
        ],
    }
    if security is not None:
        # rest.security comes after mode and documentation in the element order of R4.
        rest = statement["rest"][0]
        statement["rest"][0] = {"mode": rest.pop("mode"), "documentation": rest.pop("documentation"),
                                "security": security, **rest}
    return statement
