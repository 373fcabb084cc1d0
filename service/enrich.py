"""The one place that knows the whole journey: report JSON -> text -> findings -> coding ->
explanation -> Bundle.

SEAM (owned by the FHIR work):
    enrich(report: dict, languages=("en",), mode="collection", now=None, fhir_base=None, limits=None,
           retraction="entered-in-error") -> dict
``report`` is the DiagnosticReport as parsed losslessly by service.fhir.io (numbers keep their
exact text); it has already been validated. The returned Bundle is a plain dict to be serialised
by service.fhir.io.dumps.

Decisions:
- The service's own earlier additions (marked Attachments and References) are removed first, so
  enriching an enriched report gives what enriching the original gives (idempotent).
- Ids derive from ``report_identity``: the report's identifiers when it has any (they name the
  report across servers), else its id, else a hash of its content. uuid5 of that under the
  project's namespace is the report's uuid; each Observation's uuid is uuid5 of the report's uuid
  and the finding's key, the Provenance's and the Bundle's likewise.
- The report's fullUrl is ``<fhir_base>/DiagnosticReport/<id>`` when it has an id and the
  caller knows the base of the server it came from; otherwise ``urn:uuid:<report uuid>``. Every
  reference to the report inside the Bundle uses that fullUrl.
- A report with no findings at all (no spine content) comes back as it was sent, the only entry
  of the Bundle: no Observations, no explanation, and no Provenance, since nothing was derived.
  A report with only denied findings has Observations (Absent) and an explanation. A report without
  findings that states something serious beyond the page's scope (cord compression, a mass, a
  fracture ...) gets the explanation that lists it (``needs-review``) and a Provenance, no Observations.
- The patient sentence in each Observation's ``note`` is in the first requested language.
- The explanation's review status (``ready``/``needs-review`` and why, service/explain/review.py)
  goes on its Attachments and the Provenance. Findings whose readings conflict (the explanation's
  ``withheld``) get no Observation: the Bundle states neither reading, the page only quotes them.
  Report text that could not be read (``ReportText.unread``: a PDF without a text layer, bad base64,
  a type the service does not read, a ``url`` not fetched) makes the explanation ``needs-review``,
  and a ``collection`` Bundle then ends with an OperationOutcome of ``incomplete`` warnings, one per
  attachment, even when no finding was read: unread text never looks like a report without findings.
  ``fetched`` is what the caller fetched for ``presentedForm[i].url`` (service.ehr); this module
  uses no network.
- ``mode="transaction"`` gives the same content as a ``transaction`` Bundle to post to the EHR's
  server (``service.fhir.transaction.write_back``: client-assigned ids with ``PUT``, the report's
  ``If-Match``, and the retraction of superseded additions, ``retraction`` saying how). In it the
  report's ``result`` and the Provenance refer to ``Observation/<id>``, the id the server keeps. A
  report with no findings gives the report update alone (plus retractions).
- The Provenance's id is uuid5 of the report and a digest of the enrichment's content (the
  Observations and the explanation texts): one Provenance per content, the same one when the same
  content is derived again.
- ``limits`` bound the work one report may cost (``Limits``): text past ``max_text_bytes`` (UTF-8) is
  413 ``too-long`` before the engine runs; more findings than ``max_observations`` is 422
  ``too-costly``; an engine still reading at ``deadline`` (a ``time.monotonic()`` value) stops at its
  next sentence, 422 ``too-costly``. Each is a ``RequestError``, so the caller answers an OperationOutcome.
  ``max_evidence_spans`` bounds the answer instead of refusing it: an Observation points at the first
  that many places of its words (a finding repeated all over a long report would otherwise carry one
  derivation-reference per repeat).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache

from service.coding import finding_keys, inherited_elements, observation, observation_id
from service.explain import explain_all
from service.extract import BudgetExceeded, extract_findings
from service.extract import scans as engine_scans
from service.fhir import bundle as fhir_bundle
from service.fhir import transaction as fhir_transaction
from service.fhir.io import InvalidResource, Issue, NotSupported, dumps
from service.fhir.outcome import RequestError, operation_outcome
from service.fhir.text import UNREAD_REASONS, SourceSpan, report_text
from service.ids import uuid5_text
from service.terminology import engine_version, mappings_digest, terminology

MODES = ("collection", "transaction")


@dataclass(frozen=True)
class Limits:
    """What one report may cost; ``None`` is no limit."""

    max_text_bytes: int | None = None
    max_observations: int | None = None
    deadline: float | None = None  # time.monotonic() value
    max_evidence_spans: int | None = None  # per Observation


def enrich(report: dict, languages=("en",), mode: str = "collection", now: datetime | None = None,
           fhir_base: str | None = None, limits: Limits | None = None,
           retraction: str = "entered-in-error", fetched: Mapping | None = None) -> dict:
    """Enrich one validated DiagnosticReport and return the Bundle (see the module doc)."""
    if mode not in MODES:
        raise NotSupported(f"mode must be one of {', '.join(MODES)}")
    if retraction not in fhir_transaction.RETRACTIONS:
        raise ValueError(f"retraction must be one of {', '.join(fhir_transaction.RETRACTIONS)}")
    now = now or datetime.now(timezone.utc)
    marks = _marks()
    original = fhir_bundle.without_additions(report, marks)
    if mode == "transaction" and (issue := fhir_transaction.update_target_issue(original)) is not None:
        raise InvalidResource([issue])
    report_uuid = uuid.uuid5(_namespace(), report_identity(original))
    report_url = _report_full_url(original, report_uuid, fhir_base)
    report_reference = report_url if mode == "collection" else fhir_transaction.report_reference(original, report_url)
    bundle_id = uuid5_text(report_uuid, "bundle" if mode == "collection" else f"bundle:{mode}")

    document = report_text(original, marks.is_addition, fetched)
    unread = _unread_outcome(report_uuid, document.unread)
    limits = limits or Limits()
    findings = read_findings(document.text, limits)
    # A report without findings still gets a page when it states something serious beyond its scope.
    explanations = _explanations(findings, languages, document.text, bool(document.unread), study_words(original))
    if not explanations:
        if mode == "collection":
            return fhir_bundle.collection(bundle_id, [(report_url, original), *unread], now)
        # The report as it was sent, without additions, and the retraction of any it had.
        return _write_back(report, original, [], None, report_url, bundle_id, now, fhir_base, retraction)

    sentences = explanations[0].finding_sentences if explanations else []
    withheld = set(explanations[0].withheld) if explanations else set()
    review = fhir_bundle.review_extension(_review_url(), explanations[0].status, explanations[0].review_reasons) \
        if explanations else None
    observations = []
    inherited = inherited_elements(original)
    for index, (finding, key) in enumerate(zip(findings, finding_keys(findings))):
        if index in withheld:
            continue
        spans = _evidence_spans(document, finding, limits.max_evidence_spans)
        observations.append(observation(
            finding,
            observation_id=observation_id(report_uuid, key),
            report=original,
            report_reference=report_reference,
            evidence=spans,
            sentence=sentences[index] if index < len(sentences) else None,
            inherited=inherited,
        ))

    observation_urls = [f"urn:uuid:{resource['id']}" for resource in observations]
    # In a transaction the report and Provenance point at the ids the server keeps.
    observation_refs = observation_urls if mode == "collection" else \
        [f"Observation/{resource['id']}" for resource in observations]
    results = [fhir_bundle.result_reference(ref, result_display(resource), marks)
               for ref, resource in zip(observation_refs, observations)]
    attachments = [attachment for explanation in explanations for attachment in fhir_bundle.explanation_attachments(
        explanation.language, explanation.title, explanation.html, explanation.text, now, marks, review)]
    enriched = fhir_bundle.with_additions(original, results, attachments)

    terms = terminology()
    engine = fhir_bundle.device(terms.raw["device_name"], terms.local("rule-based-nlp"), engine_version(),
                                mappings_digest())
    provenance_id = uuid5_text(report_uuid, f"provenance:{_content_digest(observations, explanations, review)}")
    provenance = fhir_bundle.provenance(provenance_id, report_reference, observation_refs,
                                        terms.coding(terms.raw["provenance_agent_type"]), engine, now, review)
    provenance_url = f"urn:uuid:{provenance_id}"
    if mode == "collection":
        entries = [(report_url, enriched), *zip(observation_urls, observations), (provenance_url, provenance),
                   *unread]
        return fhir_bundle.collection(bundle_id, entries, now)
    return _write_back(report, enriched, observations, provenance, report_url, bundle_id, now, fhir_base, retraction)


def result_display(observation: dict) -> str:
    """``Reference.display`` of an Observation in the report's ``result``: what was assessed and the answer
    ("Spinal stenosis of lumbar region: Present", "Central spinal canal stenosis: Absent")."""
    return f"{observation['code']['text']}: {observation['valueCodeableConcept']['text']}"


def _write_back(sent: dict, enriched: dict, observations: list[dict], provenance: dict | None, report_url: str,
                bundle_id: str, now: datetime, fhir_base: str | None, retraction: str) -> dict:
    def full_url(resource_type: str, resource_id: str) -> str:
        return f"{fhir_base.rstrip('/')}/{resource_type}/{resource_id}" if fhir_base else f"urn:uuid:{resource_id}"

    return fhir_transaction.write_back(
        sent, enriched, observations, provenance, report_url=report_url, bundle_id=bundle_id,
        timestamp=fhir_bundle.instant(now), is_addition=_marks().is_addition,
        observation_system=terminology().url("identifier_system"), retraction=retraction, full_url=full_url)


def _content_digest(observations: list[dict], explanations: list, review: dict | None) -> str:
    """sha256 of what this enrichment derived: the Observations and the explanation texts (not their times)."""
    digest = hashlib.sha256(dumps(observations))
    for explanation in explanations:
        digest.update(f"\0{explanation.language}\0{explanation.html}\0{explanation.text}".encode("utf-8", "surrogatepass"))
    digest.update(dumps(review or {}))
    return digest.hexdigest()


def read_findings(text: str, limits: Limits) -> list:
    """The engine's findings in ``text``, within ``limits`` (``RequestError`` past one; see the module doc)."""
    if not text.strip():
        return []
    if limits.max_text_bytes is not None and len(text) > limits.max_text_bytes // 4 \
            and len(text.encode("utf-8", "surrogatepass")) > limits.max_text_bytes:
        raise RequestError.single(
            413, f"The report's text is longer than this server reads ({limits.max_text_bytes} bytes of text).",
            code="too-long")
    try:
        with engine_scans.kept():  # the page reads the same text next: it takes the engine's tokens
            findings = extract_findings(text, deadline=limits.deadline)
    except BudgetExceeded:
        raise RequestError.single(
            422, "Reading the report's text took longer than this server allows for one request.",
            code="too-costly") from None
    if limits.max_observations is not None and len(findings) > limits.max_observations:
        raise RequestError.single(
            422, f"The report states more findings than this server answers at once "
                 f"({len(findings)}; at most {limits.max_observations}).", code="too-costly")
    return findings


def report_identity(report: dict) -> str:
    """What names this report: its identifiers, else its id, else a hash of its content.

    ``report`` should be free of the service's additions (see ``enrich``), so that an enriched
    report has the identity of its original. Shapes that are not valid FHIR (``identifier`` not a
    list, entries that are not objects or have no string ``value``, a non-string ``system``) are
    passed over rather than failing, so that a caller outside the validated path gets an identity too.
    """
    identifiers = report.get("identifier") if type(report) is dict else None
    named = sorted(
        f"{item['system'] if type(item.get('system')) is str else ''}|{item['value']}"
        for item in (identifiers if type(identifiers) is list else ())
        if type(item) is dict and type(item.get("value")) is str
    )
    if named:
        return "identifier:" + "\n".join(named)
    if type(report) is dict and type(report.get("id")) is str:
        return f"id:{report['id']}"
    return "sha256:" + hashlib.sha256(dumps(report)).hexdigest()


def _report_full_url(report: dict, report_uuid: uuid.UUID, fhir_base: str | None) -> str:
    if fhir_base and type(report.get("id")) is str:
        return f"{fhir_base.rstrip('/')}/DiagnosticReport/{report['id']}"
    return f"urn:uuid:{report_uuid}"


def study_words(report: dict) -> str:
    """What the report says the study is (its code's text and displays, "MRI lumbar spine"): the page's
    warning signs follow its region when the report text names none."""
    code = report.get("code")
    if type(code) is not dict:
        return ""
    words = [code.get("text")] + [c.get("display") for c in code.get("coding") or () if type(c) is dict] \
        if type(code.get("coding") or []) is list else [code.get("text")]
    return " ".join(word for word in words if type(word) is str)


def _explanations(findings, languages, text: str, unread_text: bool = False, study: str = "") -> list:
    """One explanation per distinct language rendered; each quotes the report's own words. The report is read
    for its page once, and worded in each language (service.explain.explain_all)."""
    return explain_all(findings, languages, text=text, unread_text=unread_text, region_text=study or None)


def unread_warnings(unread: list) -> list[Issue]:
    """One ``incomplete`` warning per attachment whose text was not read (``ReportText.unread``)."""
    return [Issue("warning", "incomplete",
                  f"This attachment's text was not read ({UNREAD_REASONS[item.reason]}); the findings and the "
                  "explanation may be incomplete, and the explanation needs a clinician's review.", item.path)
            for item in unread]


def _unread_outcome(report_uuid: uuid.UUID, unread: list) -> list[tuple[str, dict]]:
    """The (fullUrl, OperationOutcome) entry that says which attachments were not read, or none."""
    if not unread:
        return []
    issues = unread_warnings(unread)
    outcome_id = str(uuid.uuid5(report_uuid, "unread-text"))
    return [(f"urn:uuid:{outcome_id}", {"id": outcome_id, **operation_outcome(issues)})]


def unread_issues(bundle: dict) -> list[dict]:
    """The ``incomplete`` warnings ``enrich`` put in a collection Bundle (its OperationOutcome entry), or none."""
    for entry in bundle.get("entry", ()):
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == "OperationOutcome":
            return resource["issue"]
    return []


def marks() -> fhir_bundle.Marks:
    """How the service marks its additions (the extension URLs and label)."""
    return _marks()


def _review_url() -> str:
    return terminology().url("review_extension")


def _evidence_spans(document, finding, most: int | None = None) -> list[SourceSpan]:
    """Where the finding's words are in the report, in order and without repeats: the first ``most``."""
    spans: dict[SourceSpan, None] = {}  # ordered and without repeats
    for evidence in finding.evidence:
        for span in document.locate(evidence.start, evidence.end):
            spans[span] = None
            if most is not None and len(spans) >= most:
                return list(spans)
    return list(spans)


@cache
def _namespace() -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, terminology().raw["id_namespace"])


def _marks() -> fhir_bundle.Marks:
    terms = terminology()
    return fhir_bundle.Marks(terms.extension_url("addition_extension"), terms.extension_url("inline_label_extension"),
                             terms.coding(terms.raw["ai_label"]))


__all__ = ["enrich", "read_findings", "report_identity", "result_display", "unread_issues", "unread_warnings",
           "marks", "Limits", "MODES"]
