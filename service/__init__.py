"""Nerve root impingement enrichment for FHIR R4 DiagnosticReports.

The package's face: ``extract_findings`` (report text -> finding dicts in the fields of
FORMAT.md) and ``create_app`` (the Flask application). Importing this package does not
import Flask; ``create_app`` loads it on first use.
"""

from service.extract import extract_findings as _extract

__version__ = "0.1.0"


def extract_findings(text: str) -> list[dict]:
    """Read one report's text and return its findings as plain dicts (FORMAT.md fields + extras)."""
    return [finding.to_dict() for finding in _extract(text)]


def create_app(config: dict | None = None):
    """Build the Flask application (see service.app)."""
    from service.app import create_app as _create_app

    return _create_app(config)


__all__ = ["extract_findings", "create_app", "__version__"]
