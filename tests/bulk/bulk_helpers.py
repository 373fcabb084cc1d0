"""Inputs for the bulk tests (helpers; the fixtures are in conftest.py): FHIR Bulk Data NDJSON made from the project's own corpora, a full report
with attachments, extensions and decimals, and a few lines that cannot be enriched."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRANSACTION_TIME = "2026-01-02T03:04:05.678Z"
SECRET = "Zyxwv-Secret-Words"  # stands for report text: must never reach an OperationOutcome


def corpus_reports(limit: int | None = None, offset: int = 0) -> list[bytes]:
    """DiagnosticReports whose conclusion is each text of tests/corpus, as NDJSON lines."""
    lines = []
    for name in ("own", "patterns", "dev"):
        for number, line in enumerate((ROOT / "tests" / "corpus" / f"{name}.jsonl").read_text("utf-8").splitlines()):
            if line.strip():
                report = {"resourceType": "DiagnosticReport", "id": f"{name}-{number}", "status": "final",
                          "code": {"text": "MRI spine"}, "subject": {"reference": f"Patient/{name}-{number}"},
                          "conclusion": json.loads(line)["text"]}
                lines.append(json.dumps(report, ensure_ascii=False).encode("utf-8"))
    return lines[offset:][:limit]


def full_report() -> bytes:
    """The typical report of the HTTP tests, on one line, its decimals and key order as written."""
    text = (ROOT / "tests" / "api" / "data" / "lumbar-mri-report.json").read_bytes()
    return b"".join(part.strip() for part in text.splitlines())


BAD_LINES = {
    "not-json": b"{this is not json " + SECRET.encode(),
    "wrong-type": json.dumps({"resourceType": "Patient", "id": "p1", "name": [{"text": SECRET}]}).encode(),
    "invalid-r4": json.dumps({"resourceType": "DiagnosticReport", "id": "bad", "status": "not-a-status",
                              "code": {"text": "MRI"}, "conclusion": SECRET}).encode(),
}


def write_ndjson(path: Path, lines: list[bytes]) -> Path:
    data = b"".join(line + b"\n" for line in lines)
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)
    return path


def make_mixed_input(tmp_path: Path) -> Path:
    """A folder of two files, one of them gzipped, with a blank line and the bad lines in the middle."""
    folder = tmp_path / "export"
    folder.mkdir()
    reports = corpus_reports(24)
    write_ndjson(folder / "DiagnosticReport-1.ndjson",
                 [full_report(), *reports[:8], b"", BAD_LINES["not-json"], *reports[8:12], BAD_LINES["wrong-type"]])
    write_ndjson(folder / "DiagnosticReport-2.ndjson.gz", [*reports[12:18], BAD_LINES["invalid-r4"], *reports[18:]])
    (folder / "README.txt").write_text("not an input file")
    return folder


def output_files(folder: Path) -> dict[str, bytes]:
    names = ("DiagnosticReport.ndjson", "Observation.ndjson", "Provenance.ndjson", "OperationOutcome.ndjson")
    return {name: (folder / name).read_bytes() for name in names}


def read_ndjson(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]
