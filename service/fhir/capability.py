"""What the service says about itself in FHIR terms: the CapabilityStatement (``GET /fhir/metadata``)
and the OperationDefinition of ``$enrich`` (``GET /fhir/OperationDefinition/{id}``).

Both are built from the package version and the canonical URL base, so they are the same on every
request; only ``implementation.url`` follows the address the caller used.
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
                    "(PUT, with If-Match on its version), Observations and the Provenance created "
                    "conditionally (ifNoneExist), so that posting it twice creates nothing new; needs the "
                    "report's id or an identifier."
                ),
                "type": "code",
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


def capability_statement(canonical_base: str, version: str, implementation_url: str,
                         security: dict | None = None) -> dict:
    """The CapabilityStatement served at ``/fhir/metadata``; ``security`` from ``rest_security``."""
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
            "url": implementation_url,
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
