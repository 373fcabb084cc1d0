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
            "Provenance. The report itself may be posted as the body instead of a Parameters resource."
        ),
        "affectsState": False,
        "code": "enrich",
        "resource": ["DiagnosticReport"],
        "system": False,
        "type": True,
        "instance": False,
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
                "name": "return",
                "use": "out",
                "min": 1,
                "max": "1",
                "documentation": "The enriched report, its Observations and a Provenance.",
                "type": "Bundle",
            },
        ],
    }


def capability_statement(canonical_base: str, version: str, implementation_url: str) -> dict:
    """The CapabilityStatement served at ``/fhir/metadata``."""
    return {
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
