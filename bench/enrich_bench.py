"""Per-request latency of POST /fhir/DiagnosticReport/$enrich through Flask's test client.

Usage: python bench/enrich_bench.py [REPORT.json] [--requests N] [--warmup N]

Posts one typical spine MRI report (tests/api/data/lumbar-mri-report.json by default) N times to
an application built once, after a warm-up, and prints median, p95 and requests per second for
one process. The whole HTTP path is measured: negotiation, lossless parse, R4B validation, the
engine, coding, explanation, Bundle and serialisation.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from service import create_app

DEFAULT_REPORT = Path(__file__).resolve().parents[1] / "tests" / "api" / "data" / "lumbar-mri-report.json"
ENRICH = "/fhir/DiagnosticReport/$enrich"


def measure(report: bytes, requests: int, warmup: int) -> list[float]:
    client = create_app({"LOG_LEVEL": "WARNING"}).test_client()  # no access-log lines on the terminal
    for _ in range(warmup):
        _post(client, report)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        _post(client, report)
        timings.append(time.perf_counter() - started)
    return timings


def _post(client, report: bytes) -> None:
    response = client.post(ENRICH, data=report, content_type="application/fhir+json")
    if response.status_code != 200:
        raise SystemExit(f"$enrich answered {response.status_code}: {response.get_data(as_text=True)[:500]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    report = args.report.read_bytes()
    timings = sorted(measure(report, args.requests, args.warmup))
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    print(f"report: {args.report.name} ({len(report)} bytes), {args.requests} requests after {args.warmup} warm-up")
    print(f"median {median * 1000:.2f} ms   p95 {p95 * 1000:.2f} ms   "
          f"{len(timings) / sum(timings):.0f} requests/s (one process)")


if __name__ == "__main__":
    main()
