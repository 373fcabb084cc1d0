"""``enricher bulk`` on this machine: output as ``$enrich`` gives it, the same whatever the number of
workers, bad lines reported by line and without their text, the manifest, the CLI's refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulk_helpers import (BAD_LINES, SECRET, TRANSACTION_TIME, corpus_reports, full_report, output_files,
                          read_ndjson, write_ndjson)
from service import create_app
from service.bulk import Options, run
from service.cli import main
from service.fhir.io import dumps, loads, validate_resource


def bulk(input_path: Path, output: Path, **options) -> object:
    return run(Options(str(input_path), str(output), transaction_time=TRANSACTION_TIME, **options))


def test_two_workers_write_what_one_writes(mixed_input, tmp_path):
    one = bulk(mixed_input, tmp_path / "one", workers=1)
    two = bulk(mixed_input, tmp_path / "two", workers=2)
    assert output_files(tmp_path / "one") == output_files(tmp_path / "two")
    assert (one.reports, one.findings, one.errors) == (two.reports, two.findings, two.errors) == (25, one.findings, 3)
    assert one.findings > 40


def test_each_report_is_what_enrich_answers_over_http(tmp_path):
    lines = [full_report(), *corpus_reports(12)]
    bulk(write_ndjson(tmp_path / "in.ndjson", lines), tmp_path / "out", workers=1, languages=["en", "es"])
    reports = (tmp_path / "out" / "DiagnosticReport.ndjson").read_bytes().splitlines()
    observations = iter((tmp_path / "out" / "Observation.ndjson").read_bytes().splitlines())
    provenances = iter((tmp_path / "out" / "Provenance.ndjson").read_bytes().splitlines())
    client = create_app({"TESTING": True}).test_client()
    assert len(reports) == len(lines)
    for line, report in zip(lines, reports):
        answer = client.post("/fhir/DiagnosticReport/$enrich?", data=_parameters(line, ["en", "es"]),
                             headers={"Content-Type": "application/fhir+json"})
        assert answer.status_code == 200
        expected = _as_standalone(answer.get_data())
        assert report == expected[0]
        for resource in expected[1:]:
            assert (next(provenances) if b'"resourceType":"Provenance"' in resource else next(observations)) \
                == resource
    assert next(observations, None) is None and next(provenances, None) is None


def _parameters(report: bytes, languages: list[str]) -> bytes:
    names = b"".join(b',{"name":"language","valueCode":"%s"}' % code.encode() for code in languages)
    return b'{"resourceType":"Parameters","parameter":[{"name":"report","resource":' + report + b"}" + names + b"]}"


def _as_standalone(bundle_bytes: bytes) -> list[bytes]:
    """The Bundle's resources as NDJSON lines, written here independently of service.bulk: the HTTP
    answer's production time replaced by the run's, ``urn:uuid:`` references by relative ones."""
    bundle = json.loads(bundle_bytes)
    text = bundle_bytes.decode("utf-8").replace(bundle["timestamp"], TRANSACTION_TIME)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if entry["fullUrl"].startswith("urn:uuid:") and "id" in resource:
            text = text.replace(f'"reference":"{entry["fullUrl"]}"',
                                f'"reference":"{resource["resourceType"]}/{resource["id"]}"')
    return [dumps(entry["resource"]) for entry in loads(text.encode("utf-8"))["entry"]]


def test_output_is_valid_r4_and_keeps_the_input(tmp_path):
    bulk(write_ndjson(tmp_path / "in.ndjson", [full_report()]), tmp_path / "out", workers=1)
    out = tmp_path / "out"
    report = loads((out / "DiagnosticReport.ndjson").read_bytes())
    original = loads(full_report())
    kept = [key for key in original if key not in ("result", "presentedForm")]
    assert list(report)[:len(kept)] == kept
    assert dumps({key: report[key] for key in kept}) == dumps({key: original[key] for key in kept})  # numbers as written
    for key in ("result", "presentedForm"):
        assert report[key][:len(original.get(key, []))] == original.get(key, [])
    for name, kind in (("DiagnosticReport", "DiagnosticReport"), ("Observation", "Observation"),
                       ("Provenance", "Provenance")):
        for resource in read_ndjson(out / f"{name}.ndjson"):
            assert validate_resource(resource, kind) == []
    observation_ids = {f"Observation/{item['id']}" for item in read_ndjson(out / "Observation.ndjson")}
    assert {item["reference"] for item in report["result"]} >= observation_ids
    provenance = read_ndjson(out / "Provenance.ndjson")[0]
    assert {target["reference"] for target in provenance["target"]} == observation_ids | {f"DiagnosticReport/{report['id']}"}
    assert b'"reference":"urn:uuid:' not in (out / "Observation.ndjson").read_bytes() + (out / "Provenance.ndjson").read_bytes()


def test_bad_lines_are_reported_by_line_without_their_text(mixed_input, tmp_path):
    bulk(mixed_input, tmp_path / "out", workers=2)
    outcomes = read_ndjson(tmp_path / "out" / "OperationOutcome.ndjson")
    where = [outcome["issue"][0]["diagnostics"].split(":")[0] for outcome in outcomes]
    assert where == ["DiagnosticReport-1.ndjson line 11", "DiagnosticReport-1.ndjson line 16",
                     "DiagnosticReport-2.ndjson.gz line 7"]
    assert [outcome["issue"][0]["code"] for outcome in outcomes] == ["structure", "invalid", "code-invalid"]
    assert SECRET not in (tmp_path / "out" / "OperationOutcome.ndjson").read_text("utf-8")
    for outcome in outcomes:
        assert validate_resource(outcome, "OperationOutcome") == []
    reports = read_ndjson(tmp_path / "out" / "DiagnosticReport.ndjson")
    assert reports[-1]["id"] == "own-23"  # the run went on to the last line


def test_a_line_over_the_limits_is_an_error_line(tmp_path, monkeypatch):
    monkeypatch.setenv("ENRICHER_MAX_BODY_BYTES", "4000")
    monkeypatch.setenv("ENRICHER_MAX_TEXT_BYTES", "1000")
    long_text = json.dumps({"resourceType": "DiagnosticReport", "id": "long", "status": "final",
                            "code": {"text": "MRI"}, "conclusion": "L4-L5 disc bulge. " * 100}).encode()
    huge_line = b'{"resourceType":"DiagnosticReport","conclusion":"' + b"x" * 50_000 + b'"}'
    short = [json.dumps({"resourceType": "DiagnosticReport", "id": f"short-{number}", "status": "final",
                         "code": {"text": "MRI"}, "conclusion": "L5-S1: the disc contacts the left S1 nerve root."}).encode()
             for number in (1, 2)]
    lines = [short[0], long_text, huge_line, short[1]]
    summary = bulk(write_ndjson(tmp_path / "in.ndjson", lines), tmp_path / "out", workers=1)
    outcomes = read_ndjson(tmp_path / "out" / "OperationOutcome.ndjson")
    assert [(item["issue"][0]["code"], item["issue"][0]["diagnostics"].split(":")[0]) for item in outcomes] == [
        ("too-long", "in.ndjson line 2"), ("too-long", "in.ndjson line 3")]
    assert (summary.reports, summary.errors) == (2, 2)


def test_manifest_has_the_shape_of_a_bulk_data_status_response(mixed_input, tmp_path):
    summary = bulk(mixed_input, tmp_path / "out", workers=1, languages=["es"])
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    assert manifest == summary.manifest
    assert manifest["transactionTime"] == TRANSACTION_TIME and manifest["requiresAccessToken"] is False
    assert manifest["request"].startswith("enricher bulk ")
    counts = {item["type"]: item["count"] for item in manifest["output"]}
    assert counts == {kind: len(read_ndjson(tmp_path / "out" / f"{kind}.ndjson"))
                      for kind in ("DiagnosticReport", "Observation", "Provenance")}
    assert manifest["error"] == [{"type": "OperationOutcome", "count": 3,
                                  "url": (tmp_path / "out" / "OperationOutcome.ndjson").resolve().as_uri()}]
    for item in manifest["output"]:
        assert Path(item["url"].removeprefix("file://")).is_file()


def test_cli_prints_one_summary_line_and_refuses_a_used_folder(mixed_input, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["bulk", str(mixed_input), str(out), "--workers", "1", "--language", "es"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("enricher bulk: 25 reports, ") and " 3 errors, " in lines[0]
    assert main(["bulk", str(mixed_input), str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["bulk", str(mixed_input), str(out), "--resume", "--language", "en"]) == 2  # other options
    assert "other input or options" in capsys.readouterr().err
    assert main(["bulk", str(tmp_path / "missing"), str(tmp_path / "o2")]) == 2
    assert main(["bulk", str(mixed_input), str(tmp_path / "o3"), "--workers", "0"]) == 2
    assert main(["bulk", str(mixed_input), str(tmp_path / "o4"), "--transaction-time", "yesterday"]) == 2


def test_resume_of_a_finished_run_changes_nothing(mixed_input, tmp_path):
    bulk(mixed_input, tmp_path / "out", workers=1)
    before = output_files(tmp_path / "out")
    summary = bulk(mixed_input, tmp_path / "out", workers=2, resume=True)
    assert output_files(tmp_path / "out") == before and summary.reports == 25


def test_progress_bar_on_request(mixed_input, tmp_path, capsys):
    bulk(mixed_input, tmp_path / "out", workers=1, show_progress=True)
    err = capsys.readouterr().err
    assert "enricher bulk" in err and "reports/s" in err and "100%" in err
    bulk(mixed_input, tmp_path / "quiet", workers=1, show_progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", ["in.ndjson", "in.ndjson.gz"])
def test_a_file_or_its_gzip(tmp_path, name):
    lines = corpus_reports(3)
    bulk(write_ndjson(tmp_path / name, lines), tmp_path / "out", workers=1)
    assert [item["id"] for item in read_ndjson(tmp_path / "out" / "DiagnosticReport.ndjson")] == \
        [json.loads(line)["id"] for line in lines]
