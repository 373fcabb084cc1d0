"""The one place that knows the whole journey: report JSON -> text -> findings -> coding ->
explanation -> Bundle.

SEAM (owned by the FHIR work):
    enrich(report: dict, languages: list[str] = ["en"], mode: str = "collection",
           now: datetime | None = None) -> dict
``report`` is the DiagnosticReport as parsed losslessly by service.fhir.io (decimals kept as
their exact text); it has already been validated. The returned Bundle is a plain dict to be
serialised by service.fhir.io.dumps.
"""


def enrich(report, languages=("en",), mode="collection", now=None):
    raise NotImplementedError("enrichment not built yet")
