"""One NDJSON line in, its share of the output files out: the ``$enrich`` journey for one report.

``enrich_line`` runs what ``POST /fhir/DiagnosticReport/$enrich`` runs (lossless parse, R4 validation,
``service.enrich.enrich`` within the service's limits) and splits the collection Bundle into resources
that stand alone in NDJSON: the references between them, ``urn:uuid:`` fullUrls inside a Bundle, become
relative references (``Observation/<id>``, ``DiagnosticReport/<id>``), since a file has no Bundle to
resolve them in. A report without an ``id`` keeps the ``urn:uuid:`` of its Bundle entry. Everything else
is ``$enrich``'s output byte for byte.

A line that cannot be enriched (not JSON, not a DiagnosticReport, not valid R4, over a limit) gives an
OperationOutcome that names the file and line and carries the service's own diagnostics, which never
quote the input.

Everything here is a plain function of its arguments, so any process (a pool worker, a Spark executor)
gives the same bytes for the same line.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from service.enrich import Limits, enrich
from service.fhir.io import FhirError, Issue, dumps, loads
from service.fhir.operation import EnrichInput, ensure_valid_report
from service.fhir.outcome import RequestError, operation_outcome
from service.terminology import canonical_base

log = logging.getLogger("enricher.bulk")


@dataclass(frozen=True)
class Job:
    """What every line of a run is enriched with (picklable: it travels to workers and executors)."""

    languages: tuple[str, ...]
    transaction_time: str  # ISO 8601 instant: the production time written into every resource
    file_names: tuple[str, ...]  # by file number, for the OperationOutcomes
    max_line_bytes: int
    max_text_bytes: int
    max_observations: int
    max_evidence_spans: int
    engine_budget_seconds: float


@dataclass(frozen=True)
class Output:
    """The bytes one line adds to each output file (whole NDJSON lines), and its finding count."""

    report: bytes = b""
    observations: bytes = b""
    provenance: bytes = b""
    outcome: bytes = b""
    findings: int = 0


def enrich_line(line: bytes | None, file: int, number: int, job: Job) -> Output:
    """The output of line ``number`` of file number ``file`` (``None``: a line over the length limit)."""
    try:
        if line is None:
            raise RequestError.single(413, f"The line is longer than this run reads ({job.max_line_bytes} bytes).",
                                      code="too-long")
        report = loads(line)
        if not isinstance(report, dict) or report.get("resourceType") != "DiagnosticReport":
            raise RequestError.single(422, "Each line must be a DiagnosticReport resource.", "resourceType")
        ensure_valid_report(EnrichInput(report=report))
        bundle = enrich(report, job.languages, "collection", now=_now(job.transaction_time), limits=_limits(job))
    except FhirError as error:
        return Output(outcome=_outcome_line(error.issues, job.file_names[file], number))
    except Exception as error:  # noqa: BLE001 - one bad line must not stop a backfill
        log.error("bulk: line %d of file %d failed: %s", number, file, type(error).__name__)
        issue = Issue("error", "exception", "The service failed on this report (an internal error).")
        return Output(outcome=_outcome_line([issue], job.file_names[file], number))
    report, observations, provenance = standalone(bundle)
    return Output(
        report=dumps(report) + b"\n",
        observations=b"".join(dumps(resource) + b"\n" for resource in observations),
        provenance=dumps(provenance) + b"\n" if provenance else b"",
        findings=len(observations),
    )


def standalone(bundle: dict) -> tuple[dict, list[dict], dict | None]:
    """The report, its Observations and its Provenance from an ``$enrich`` collection Bundle, with the
    references between them made relative (see the module doc)."""
    entries = bundle["entry"]
    names = {entry["fullUrl"]: f"{entry['resource']['resourceType']}/{entry['resource']['id']}"
             for entry in entries if entry["fullUrl"].startswith("urn:uuid:") and "id" in entry["resource"]}
    report = entries[0]["resource"]
    observations = [entry["resource"] for entry in entries[1:] if entry["resource"]["resourceType"] == "Observation"]
    provenance = next((entry["resource"] for entry in entries[1:]
                       if entry["resource"]["resourceType"] == "Provenance"), None)
    # In the report only the service's own result references point at the Bundle; its other
    # references are the EHR's and stay as sent.
    for reference in report.get("result", ()):
        if type(reference) is dict and reference.get("reference") in names and \
                reference["reference"].startswith("urn:uuid:"):
            reference["reference"] = names[reference["reference"]]
    for resource in [*observations, *([provenance] if provenance else [])]:
        _relink(resource, names)
    return report, observations, provenance


def _relink(node: object, names: dict[str, str]) -> None:
    if type(node) is dict:
        for key, value in node.items():
            if key == "reference" and type(value) is str and value in names:
                node[key] = names[value]
            else:
                _relink(value, names)
    elif type(node) is list:
        for item in node:
            _relink(item, names)


def _outcome_line(issues: list[Issue], file_name: str, number: int) -> bytes:
    where = f"{file_name} line {number}"
    outcome = operation_outcome([Issue(issue.severity, issue.code, f"{where}: {issue.message}", issue.expression)
                                 for issue in issues])
    outcome = {"resourceType": "OperationOutcome", "id": str(uuid.uuid5(_namespace(), where)),
               **{key: value for key, value in outcome.items() if key != "resourceType"}}
    return dumps(outcome) + b"\n"


def _limits(job: Job) -> Limits:
    return Limits(max_text_bytes=job.max_text_bytes, max_observations=job.max_observations,
                  deadline=time.monotonic() + job.engine_budget_seconds, max_evidence_spans=job.max_evidence_spans)


@cache
def _now(transaction_time: str) -> datetime:
    return datetime.fromisoformat(transaction_time.replace("Z", "+00:00"))


@cache
def _namespace() -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{canonical_base()}/bulk")


def warm_up(job: Job) -> None:
    """Load the engine, code maps and templates once, before the first line (per process)."""
    sample = (b'{"resourceType":"DiagnosticReport","id":"warm-up","status":"final","code":{"text":"MRI"},'
              b'"conclusion":"L4-L5: a disc protrusion contacts the left L5 nerve root."}')
    enrich_line(sample, 0, 0, job)
