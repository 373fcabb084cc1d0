"""Throughput of the real server: `enricher serve` (gunicorn) under load from wrk.

Usage: python bench/serve_bench.py [--workers N] [--connections N] [--seconds N] [REPORT.json]

Starts the service on a free loopback port, posts one typical spine MRI report to
/fhir/DiagnosticReport/$enrich from wrk (Debian package `wrk`) and prints wrk's summary: requests
per second and the latency distribution over HTTP, with every worker busy. Stops the server after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

DEFAULT_REPORT = Path(__file__).resolve().parents[1] / "tests" / "api" / "data" / "lumbar-mri-report.json"
POST_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.body = {body}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    port = free_port()
    env = {**os.environ, "ENRICHER_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port),
                               "--workers", str(args.workers)], env=env)
    try:
        wait_until_up(port, server)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(POST_SCRIPT.format(body=json.dumps(args.report.read_text(encoding="utf-8"))))
        print(f"{args.workers} gunicorn workers, {args.connections} connections, {args.seconds} s, "
              f"report {args.report.name}", flush=True)
        subprocess.run(["wrk", "-t", str(min(2, args.connections)), "-c", str(args.connections), "-d", f"{args.seconds}s", "--latency",
                        "-s", script.name, f"http://127.0.0.1:{port}/fhir/DiagnosticReport/$enrich"], check=True)
        os.unlink(script.name)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
