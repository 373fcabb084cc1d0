"""The extraction engine: report text in, Finding objects out. No FHIR, no Flask.

SEAM (owned by the extraction work): ``extract_findings(text) -> list[Finding]``.
Evidence offsets index into ``text`` exactly as given.
"""

from service.extract.finding import Evidence, Finding


def extract_findings(text: str) -> list[Finding]:
    raise NotImplementedError("extraction engine not built yet")


__all__ = ["extract_findings", "Finding", "Evidence"]
