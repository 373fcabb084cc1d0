"""The input of ``$enrich``: a DiagnosticReport posted as it is, or a Parameters resource.

``read_enrich_input`` turns either body into an ``EnrichInput`` and raises ``RequestError`` with a
FHIRPath ``expression`` for whatever is wrong; ``ensure_valid_report`` then checks the report against
the R4 models, its issues pointing at the element where it sits in the body. Used by the HTTP
operation and by ``enricher enrich``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from service.fhir.capability import ENRICH_MODES
from service.fhir.io import InvalidResource, Issue, validate_resource
from service.fhir.outcome import RequestError
from service.fhir.transaction import update_target_issue

# BCP-47 in the shape FHIR's `code` allows: a primary tag and optional subtags.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
KNOWN_PARAMETERS = ("report", "language", "mode")


@dataclass
class EnrichInput:
    report: dict
    expression_prefix: str = "DiagnosticReport"
    languages: list[str] = field(default_factory=list)  # as requested; empty when none were given
    mode: str | None = None


def read_enrich_input(body: object) -> EnrichInput:
    """The report, languages and mode from a posted DiagnosticReport or Parameters resource."""
    if not isinstance(body, dict):
        raise RequestError.single(400, "The body must be a FHIR resource: a JSON object with a resourceType.")
    resource_type = body.get("resourceType")
    if resource_type == "DiagnosticReport":
        return EnrichInput(report=body)
    if resource_type == "Parameters":
        return _from_parameters(body)
    if isinstance(resource_type, str) and resource_type:
        diagnostics = f"Expected a DiagnosticReport or a Parameters resource, got {_safe_type_name(resource_type)}."
    else:
        diagnostics = "The body has no resourceType; expected a DiagnosticReport or a Parameters resource."
    raise RequestError.single(422, diagnostics, "resourceType")


def ensure_valid_report(operation_input: EnrichInput) -> dict:
    """The report when it is a valid R4 DiagnosticReport (and, for ``mode=transaction``, one that can be
    updated in place); else ``InvalidResource`` whose expressions point where the report sits in the body
    (``Parameters.parameter[0].resource.status``)."""
    issues = validate_resource(operation_input.report, "DiagnosticReport")
    if not issues and operation_input.mode == "transaction":
        issues = [issue] if (issue := update_target_issue(operation_input.report)) else []
    if issues:
        prefix = operation_input.expression_prefix
        raise InvalidResource([
            replace(issue, expression=prefix_expression(issue.expression, prefix) if issue.expression else prefix)
            for issue in issues
        ])
    return operation_input.report


def _from_parameters(parameters: dict) -> EnrichInput:
    entries = parameters.get("parameter", [])
    if not isinstance(entries, list):
        raise RequestError.single(422, "Parameters.parameter must be a list.", "Parameters.parameter")
    issues: list[Issue] = []
    reports: list[tuple[int, object]] = []
    languages: list[str] = []
    modes: list[str] = []
    for index, entry in enumerate(entries):
        path = f"Parameters.parameter[{index}]"
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            issues.append(Issue("error", "structure", "Each parameter must be an object with a name.", path))
        elif name == "report":
            if "resource" in entry:
                reports.append((index, entry["resource"]))
            else:
                issues.append(Issue("error", "required", "Parameter 'report' must hold the report in 'resource'.", path))
        elif name not in ("language", "mode"):
            known = ", ".join(KNOWN_PARAMETERS)
            issues.append(Issue("error", "not-supported", f"Unknown parameter; $enrich takes: {known}.", f"{path}.name"))
        elif not isinstance(entry.get("valueCode"), str) or not entry["valueCode"].strip():
            issues.append(Issue("error", "invalid", f"Parameter '{name}' must have a valueCode.", path))
        elif name == "language":
            if LANGUAGE_TAG.fullmatch(entry["valueCode"].strip()):
                languages.append(entry["valueCode"].strip())
            else:
                issues.append(Issue("error", "code-invalid", "Parameter 'language' must be a BCP-47 language code.",
                                    f"{path}.value"))
        elif entry["valueCode"] in ENRICH_MODES:
            modes.append(entry["valueCode"])
        else:
            issues.append(Issue("error", "code-invalid", f"Parameter 'mode' must be one of: {', '.join(ENRICH_MODES)}.",
                                f"{path}.value"))

    if len(modes) > 1:
        issues.append(Issue("error", "invalid", "Parameter 'mode' may be given at most once.", "Parameters.parameter"))
    if len(reports) > 1:
        issues.append(Issue("error", "invalid", "Parameter 'report' may be given only once.", "Parameters.parameter"))
    elif not reports and not any(issue.code == "required" for issue in issues):
        issues.append(Issue("error", "required", "Parameter 'report' (the DiagnosticReport) is missing.",
                            "Parameters.parameter"))
    elif reports:
        index, report = reports[0]
        resource_path = f"Parameters.parameter[{index}].resource"
        if not isinstance(report, dict) or report.get("resourceType") != "DiagnosticReport":
            issues.append(Issue("error", "invalid", "Parameter 'report' must hold a DiagnosticReport.", resource_path))
    if not issues:
        issues = _shell_issues(parameters)
    if issues:
        raise RequestError(422, issues)
    return EnrichInput(report=report, expression_prefix=resource_path, languages=languages,
                       mode=modes[0] if modes else None)


# What stands in for each parameter's resource when the Parameters itself is validated: the report is
# validated on its own, with expressions that say where it sits.
_STAND_IN = {"resourceType": "Basic", "code": {"text": "stand-in"}}


def _shell_issues(parameters: dict) -> list[Issue]:
    """The R4 issues of the Parameters resource around the report (unknown keys, bad primitives, ...)."""
    entries = [dict(entry, resource=_STAND_IN) if isinstance(entry, dict) and "resource" in entry else entry
               for entry in parameters.get("parameter", [])]
    return validate_resource(dict(parameters, parameter=entries), "Parameters")


def _safe_type_name(resource_type: str) -> str:
    """The resourceType as sent when it looks like one, else a neutral word (never echo arbitrary input)."""
    return resource_type if re.fullmatch(r"[A-Z][A-Za-z]{0,63}", resource_type) else "an unknown type"


def prefix_expression(expression: str, prefix: str) -> str:
    """Re-root a FHIRPath that starts at the DiagnosticReport under where the report actually sits."""
    if prefix == "DiagnosticReport":
        return expression
    if expression == "DiagnosticReport":
        return prefix
    if expression.startswith("DiagnosticReport."):
        return prefix + expression[len("DiagnosticReport"):]
    return f"{prefix}.{expression}"
