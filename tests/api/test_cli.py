"""The `enricher` command, run in-process through service.cli.main (serve in a subprocess)."""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from api_helpers import REPORT_PATH
from service.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "own.jsonl"


def test_enrich_file_prints_the_bundle(capsysbinary):
    assert main(["enrich", str(REPORT_PATH)]) == 0
    bundle = json.loads(capsysbinary.readouterr().out)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert any(entry["resource"]["resourceType"] == "Observation" for entry in bundle["entry"])


def test_enrich_stdin_with_languages(monkeypatch, capsysbinary):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(REPORT_PATH.read_bytes())))
    assert main(["enrich", "-", "--language", "es", "--language", "en"]) == 0
    report = json.loads(capsysbinary.readouterr().out)["entry"][0]["resource"]
    assert {form.get("language") for form in report["presentedForm"][1:]} == {"en", "es"}


def test_enrich_refuses_an_invalid_report_with_the_element(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"resourceType": "DiagnosticReport", "code": {"text": "MRI"}}))
    assert main(["enrich", str(bad)]) == 1
    assert "DiagnosticReport.status" in capsys.readouterr().err


def test_enrich_refuses_what_is_not_json(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"{nope")
    assert main(["enrich", str(bad)]) == 1
    assert "not valid JSON" in capsys.readouterr().err


def test_enrich_missing_file(capsys):
    assert main(["enrich", "/nonexistent/report.json"]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_extract_prints_one_line_per_report(capsys):
    assert main(["extract", str(CORPUS)]) == 0
    lines = capsys.readouterr().out.splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    expected = [json.loads(line)["id"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert ids == expected
    assert all(isinstance(json.loads(line)["findings"], list) for line in lines)


def test_eval_prints_metrics(capsys):
    assert main(["eval", str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "nerve-root" in out


def test_eval_of_an_extract_run_equals_eval_of_the_engine(tmp_path, capsys):
    main(["extract", str(CORPUS)])
    system = tmp_path / "system.jsonl"
    system.write_text(capsys.readouterr().out, encoding="utf-8")
    main(["eval", str(CORPUS), "--json"])
    direct = json.loads(capsys.readouterr().out)
    main(["eval", str(CORPUS), "--system", str(system), "--json"])
    assert json.loads(capsys.readouterr().out) == direct


def test_a_broken_corpus_is_reported(tmp_path, capsys):
    corpus = tmp_path / "broken.jsonl"
    corpus.write_text('{"id": "a", "text": "x"}\n{broken\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["extract", str(corpus)])
    assert "broken.jsonl:2" in str(exit_info.value.code)


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


def test_bad_environment_is_a_configuration_error(monkeypatch, capsys):
    monkeypatch.setenv("ENRICHER_DEFAULT_LANGUAGE", "xx")
    assert main(["enrich", str(REPORT_PATH)]) == 2
    assert "ENRICHER_DEFAULT_LANGUAGE" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_runs_gunicorn_and_answers_healthz(tmp_path):
    port = free_port()
    env = {**os.environ, "ENRICHER_LOG_LEVEL": "WARNING", "ENRICHER_MAX_BODY_BYTES": "100000"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.stdout.read().decode(errors="replace")[-2000:]) from None
                time.sleep(0.2)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/fhir/DiagnosticReport/$enrich", data=REPORT_PATH.read_bytes(),
            headers={"Content-Type": "application/fhir+json"}, method="POST",
        )
        for _ in range(4):  # spread over both workers
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        # Over the limit, by Content-Length and as a chunked stream without one: 413 from the real server.
        oversize = b'{"resourceType": "DiagnosticReport", "conclusion": "' + b"x" * 200_000 + b'"}'
        for chunked in (False, True):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            body = iter([oversize[i:i + 8192] for i in range(0, len(oversize), 8192)]) if chunked else oversize
            connection.request("POST", "/fhir/DiagnosticReport/$enrich", body=body, encode_chunked=chunked,
                               headers={"Content-Type": "application/fhir+json"})
            answer = connection.getresponse()
            assert answer.status == 413 and json.loads(answer.read())["resourceType"] == "OperationOutcome"
            connection.close()
        # Multiprocess mode sums the workers: all four requests are counted whatever worker answers.
        line = next(line for line in metrics.splitlines()
                    if line.startswith("enricher_http_requests_total{") and "$enrich" in line and 'status="200"' in line)
        assert float(line.rsplit(" ", 1)[1]) == 4.0
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_enrich_takes_parameters_and_reports_where_the_report_is_wrong(tmp_path, capsys):
    report = json.loads(REPORT_PATH.read_text(encoding="utf-8"))
    report["status"] = "done"
    parameters = tmp_path / "parameters.json"
    parameters.write_text(json.dumps({"resourceType": "Parameters", "parameter": [{"name": "report", "resource": report}]}))
    assert main(["enrich", str(parameters)]) == 1
    assert "Parameters.parameter[0].resource.status" in capsys.readouterr().err


def test_enrich_transaction_mode_prints_a_transaction_bundle(capsys):
    assert main(["enrich", str(REPORT_PATH), "--mode", "transaction"]) == 0
    bundle = json.loads(capsys.readouterr().out)
    assert bundle["type"] == "transaction"
    assert bundle["entry"][0]["request"]["method"] == "PUT"


def test_enrich_transaction_mode_needs_an_id_or_identifier(capsys, tmp_path):
    report = json.loads(REPORT_PATH.read_text(encoding="utf-8"))
    report.pop("id", None)
    report.pop("identifier", None)
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    assert main(["enrich", str(path), "--mode", "transaction"]) == 1
    assert "DiagnosticReport.id" in capsys.readouterr().err
