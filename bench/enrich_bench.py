"""Per-request latency of POST /fhir/DiagnosticReport/$enrich through Flask's test client.

Usage: python bench/enrich_bench.py [REPORT.json] [--requests N] [--warmup N] [--mode transaction]
                                    [--batch N] [--corpus CORPUS.jsonl]

Posts one typical spine MRI report (tests/api/data/lumbar-mri-report.json by default) N times to
an application built once, after a warm-up, and prints median, p95 and requests per second for
one process. The whole HTTP path is measured: negotiation, lossless parse, R4B validation, the
engine, coding, explanation, Bundle and serialisation. ``--mode transaction`` asks for the
transaction Bundle; ``--batch N`` posts a batch Bundle of N copies of the report to ``POST /fhir``
instead, and also prints the time per entry. ``--corpus`` posts each report of a JSON Lines corpus
(``{"id", "text"}``, as the conclusion of a DiagnosticReport) in turn instead of one report again and
again, so that what is kept per text (the scope reading) or per finding (sentences, coded parts) helps
only as much as it would across real reports; one pass warms up, the median is over ``--requests``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from service import create_app

DEFAULT_REPORT = Path(__file__).resolve().parents[1] / "tests" / "api" / "data" / "lumbar-mri-report.json"
ENRICH = "/fhir/DiagnosticReport/$enrich"
OPERATION_REQUEST = b'{"method":"POST","url":"DiagnosticReport/$enrich"}'


def measure(path: str, body: bytes | list[bytes], requests: int, warmup: int, entries: int = 0,
            cpu: list[float] | None = None) -> list[float]:
    """Wall-clock seconds per request; the thread's CPU seconds per request go into ``cpu`` when given (on a
    machine others share, the wall clock counts their work too)."""
    client = create_app({"LOG_LEVEL": "WARNING"}).test_client()  # no access-log lines on the terminal
    bodies = body if isinstance(body, list) else [body]
    for index in range(warmup):
        _post(client, path, bodies[index % len(bodies)], entries)
    timings = []
    for index in range(requests):
        started, started_cpu = time.perf_counter(), time.thread_time()
        _post(client, path, bodies[index % len(bodies)], entries)
        timings.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(time.thread_time() - started_cpu)
    return timings


def corpus_bodies(corpus: Path) -> list[bytes]:
    """Each report of a JSON Lines corpus as a DiagnosticReport whose conclusion is its text."""
    bodies = []
    for number, line in enumerate(corpus.read_text(encoding="utf-8").splitlines()):
        if line.strip():
            report = {"resourceType": "DiagnosticReport", "id": f"r{number}", "status": "final",
                      "code": {"text": "MRI spine"}, "subject": {"reference": "Patient/p1"},
                      "conclusion": json.loads(line)["text"]}
            bodies.append(json.dumps(report).encode("utf-8"))
    return bodies


def request_body(report: bytes, mode: str, batch: int) -> tuple[str, bytes]:
    """The address and body to post: the report itself, Parameters asking for a mode, or a batch."""
    operation_body = report
    if mode != "collection":
        operation_body = (b'{"resourceType":"Parameters","parameter":[{"name":"report","resource":' + report
                          + b'},{"name":"mode","valueCode":"' + mode.encode() + b'"}]}')
    if not batch:
        return ENRICH, operation_body
    entry = b'{"request":' + OPERATION_REQUEST + b',"resource":' + operation_body + b'}'
    return "/fhir", b'{"resourceType":"Bundle","type":"batch","entry":[' + b",".join([entry] * batch) + b"]}"


def _post(client, path: str, body: bytes, entries: int) -> None:
    response = client.post(path, data=body, content_type="application/fhir+json")
    failed = entries and response.data.count(b'"response":{"status":"200 OK"}') != entries
    if response.status_code != 200 or failed:
        raise SystemExit(f"{path} answered {response.status_code}: {response.get_data(as_text=True)[:500]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--mode", choices=("collection", "transaction"), default="collection")
    parser.add_argument("--batch", type=int, default=0, help="entries per batch Bundle (0: post the report alone)")
    parser.add_argument("--corpus", type=Path, help="post each report of this JSON Lines corpus in turn")
    args = parser.parse_args()
    if args.corpus:
        bodies = corpus_bodies(args.corpus)
        cpu: list[float] = []
        timings = sorted(measure(ENRICH, bodies, args.requests, len(bodies), cpu=cpu))
        median = statistics.median(timings)
        print(f"corpus: {args.corpus.name} ({len(bodies)} reports, each in turn), {args.requests} requests "
              f"after one pass of warm-up")
        print(f"median {median * 1000:.2f} ms   p95 {timings[round(0.95 * len(timings)) - 1] * 1000:.2f} ms   "
              f"{len(timings) / sum(timings):.0f} requests/s (one process)   CPU median {statistics.median(cpu) * 1000:.2f} ms")
        return
    report = args.report.read_bytes()
    path, body = request_body(report, args.mode, args.batch)
    cpu = []
    timings = sorted(measure(path, body, args.requests, args.warmup, args.batch, cpu=cpu))
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    print(f"report: {args.report.name} ({len(report)} bytes), mode {args.mode}, "
          f"{f'batches of {args.batch}, ' if args.batch else ''}{args.requests} requests after {args.warmup} warm-up")
    print(f"median {median * 1000:.2f} ms   p95 {p95 * 1000:.2f} ms   "
          f"{len(timings) / sum(timings):.0f} requests/s (one process)   CPU median {statistics.median(cpu) * 1000:.2f} ms")
    if args.batch:
        print(f"per entry: {median * 1000 / args.batch:.2f} ms")


if __name__ == "__main__":
    main()
