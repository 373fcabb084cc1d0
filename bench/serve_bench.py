"""Throughput of the real server: `$enrich` against a validate-and-echo baseline, same workers, same run.

Usage: python bench/serve_bench.py [--workers N] [--connections N] [--seconds N] [--rounds N]
                                   [--requests N] [--no-memory] [--corpus CORPUS.jsonl] [REPORT.json]

Prints, for one typical spine MRI report (tests/api/data/lumbar-mri-report.json by default):

1. in-process milliseconds per request (Flask's test client, one process, the two apps interleaved):
   `$enrich` and the baseline, as wall-clock time and as the CPU time of the thread (on a machine others
   share, the wall clock counts their work too; the CPU time much less);
2. with wrk (Debian package `wrk`; skipped with a message when it is not installed): requests per
   second over HTTP of `enricher serve` (gunicorn) and of the baseline app (bench/echo_app.py: the lossless
   parse, R4 validation and JSON writer of the service, answering the report as it came) served by
   gunicorn with the same worker class, workers and threads, each run in turn ``--rounds`` times, and the
   ratio of the two; beside it the CPU milliseconds the server's processes spent per request (their user and
   system time over the run, /proc), and the ratio of those, which other load on the machine disturbs less;
3. the peak resident memory (VmHWM) of each `enricher serve` worker after it answered the largest report
   the default limits accept (ENRICHER_MAX_TEXT_BYTES of varied findings; ``--no-memory`` skips it).

``--corpus`` posts each report of a JSON Lines corpus (``{"id", "text"}``, as the conclusion of a
DiagnosticReport) in turn instead of one report again and again, in process and over HTTP, to both apps: what
the service keeps per text (the explanation's readings) then helps only as much as it would across real
reports. Use one larger than those caches (32 texts): ../shared/corpus/real/real-dev.jsonl (145 reports).

wrk, the server and this script share the machine's cores, as they would on the build machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from echo_app import create_echo_app  # noqa: E402  (bench/ is not a package)
from enrich_bench import corpus_bodies  # noqa: E402

from service import create_app  # noqa: E402
from service.config import Settings  # noqa: E402

DEFAULT_REPORT = ROOT / "tests" / "api" / "data" / "lumbar-mri-report.json"
ENRICH = "/fhir/DiagnosticReport/$enrich"
POST_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.body = {body}
"""
# Each body in turn (each of wrk's threads goes through the list from its own start).
ROTATING_SCRIPT = """local bodies = {{{bodies}}}
local at = 0
request = function()
  at = at % #bodies + 1
  return wrk.format("POST", nil, {{["Content-Type"] = "application/fhir+json"}}, bodies[at])
end
"""


def _lua_string(body: bytes) -> str:
    """``body`` as a Lua string literal: printable ASCII as it is, every other byte as a decimal escape (wrk's
    LuaJIT reads no ``\\u`` escapes)."""
    return '"' + "".join(chr(byte) if 32 <= byte < 127 and byte not in b'"\\' else f"\\{byte:03d}"
                         for byte in body) + '"'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen, path: str, body: bytes | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                             headers={"Content-Type": "application/fhir+json"})
            urllib.request.urlopen(request, timeout=5).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def in_process(bodies: list[bytes], requests: int, warmup: int) -> dict[str, tuple[float, float]]:
    """Median milliseconds per request of each app through Flask's test client, interleaved: wall clock
    and the thread's CPU time. The bodies are posted in turn."""
    clients = {"$enrich": create_app({"LOG_LEVEL": "WARNING"}).test_client(),
               "validate-and-echo": create_echo_app().test_client()}
    timings: dict[str, list[float]] = {name: [] for name in clients}
    cpu: dict[str, list[float]] = {name: [] for name in clients}
    for round_ in range(warmup + requests):
        body = bodies[round_ % len(bodies)]
        for name, client in clients.items():
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = client.post(ENRICH, data=body, content_type="application/fhir+json")
            elapsed, elapsed_cpu = time.perf_counter() - started, time.thread_time() - started_cpu
            if response.status_code != 200:
                raise SystemExit(f"{name} answered {response.status_code}")
            if round_ >= warmup:
                timings[name].append(elapsed)
                cpu[name].append(elapsed_cpu)
    return {name: (statistics.median(timings[name]) * 1000, statistics.median(cpu[name]) * 1000) for name in clients}


def serve(kind: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "ENRICHER_LOG_LEVEL": "WARNING", "ENRICHER_THREADS": str(threads)}
    # -P: the service is imported as installed (a wheel's compiled engine), not from the working directory.
    if kind == "$enrich":
        command = [sys.executable, "-P", "-m", "service.cli", "serve", "--port", str(port), "--workers", str(workers)]
    else:
        command = [sys.executable, "-P", "-m", "gunicorn", "--pythonpath", str(BENCH), "--bind", f"127.0.0.1:{port}",
                   "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
                   "--keep-alive", "5", "--preload", "--log-level", "warning", "echo_app:app"]
    return subprocess.Popen(command, env=env)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wrk(port: int, script: str, connections: int, seconds: int) -> tuple[float, int, str]:
    """Requests per second, requests answered and wrk's latency lines."""
    result = subprocess.run(["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s",
                             "--latency", "-s", script, f"http://127.0.0.1:{port}{ENRICH}"],
                            check=True, capture_output=True, text=True)
    rate = next(float(line.split()[1]) for line in result.stdout.splitlines() if line.startswith("Requests/sec:"))
    answered = next(int(line.split()[0]) for line in result.stdout.splitlines() if " requests in " in line)
    if "Non-2xx" in result.stdout:
        raise SystemExit(f"wrk saw error answers:\n{result.stdout}")
    latency = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith(("50%", "99%"))]
    return rate, answered, "  ".join(latency)


def throughput(bodies: list[bytes], args) -> None:
    threads = Settings.from_environ().threads
    body = bodies[0]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(POST_SCRIPT.format(body=_lua_string(body)) if len(bodies) == 1
                     else ROTATING_SCRIPT.format(bodies=",\n".join(map(_lua_string, bodies))))
    rates: dict[str, list[float]] = {"validate-and-echo": [], "$enrich": []}
    cpu_ms: dict[str, list[float]] = {"validate-and-echo": [], "$enrich": []}
    print(f"\nHTTP: {args.workers} gunicorn workers (gthread, {threads} threads), wrk {args.connections} "
          f"connections, {args.seconds} s per run, {args.rounds} round(s)", flush=True)
    try:
        for round_ in range(args.rounds):
            for kind in rates:
                port = free_port()
                server = serve(kind, port, args.workers, threads)
                try:
                    wait_until_up(port, server, ENRICH, body)
                    cpu_before = server_cpu_seconds(server.pid)
                    rate, answered, latency = wrk(port, script.name, args.connections, args.seconds)
                    cpu_spent = server_cpu_seconds(server.pid) - cpu_before
                finally:
                    stop(server)
                rates[kind].append(rate)
                cpu_ms[kind].append(cpu_spent * 1000 / answered)
                print(f"  round {round_ + 1}  {kind:18s} {rate:8.0f} requests/s  {cpu_ms[kind][-1]:6.2f} CPU ms per "
                      f"request   latency {latency}", flush=True)
    finally:
        os.unlink(script.name)
    ratios = [enrich / echo for enrich, echo in zip(rates["$enrich"], rates["validate-and-echo"])]
    print(f"  $enrich / validate-and-echo: {statistics.median(ratios):.2f}x "
          f"(rounds: {', '.join(f'{ratio:.2f}' for ratio in ratios)})")
    cpu_ratios = [echo / enrich for enrich, echo in zip(cpu_ms["$enrich"], cpu_ms["validate-and-echo"])]
    print(f"  the same by the servers' CPU time per request: {statistics.median(cpu_ratios):.2f}x "
          f"(rounds: {', '.join(f'{ratio:.2f}' for ratio in cpu_ratios)})")


def server_cpu_seconds(master: int) -> float:
    """User and system CPU seconds of ``master`` and its live children (the workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [master, *map(int, Path(f"/proc/{master}/task/{master}/children").read_text().split())]:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / ticks


def largest_report(max_text_bytes: int) -> bytes:
    """A report whose conclusion holds just under ``max_text_bytes`` of varied findings at every level."""
    levels = ([f"C{i}-C{i + 1}" for i in range(2, 7)] + ["C7-T1"] + [f"T{i}-T{i + 1}" for i in range(1, 12)]
              + ["T12-L1"] + [f"L{i}-L{i + 1}" for i in range(1, 5)] + ["L5-S1"])
    block = []
    for level in levels:
        upper, lower = level.split("-")
        block.append(f"{level}: left paracentral disc protrusion compresses the traversing left {lower} nerve root. "
                     f"A right foraminal osteophyte contacts the exiting right {upper} nerve root. "
                     f"Moderate left and severe right foraminal stenosis. Mild left lateral recess narrowing, "
                     f"moderate right lateral recess narrowing. Moderate central canal stenosis.\n")
    text = ""
    while len((text + "".join(block)).encode("utf-8")) < max_text_bytes:
        text += "".join(block)
    for line in block:
        if len((text + line).encode("utf-8")) >= max_text_bytes:
            break
        text += line
    report = {"resourceType": "DiagnosticReport", "id": "largest", "status": "final",
              "code": {"text": "MRI whole spine"}, "subject": {"reference": "Patient/p1"}, "conclusion": text}
    return json.dumps(report).encode("utf-8")


def worker_peaks(master: int) -> list[float]:
    """Peak resident memory (VmHWM, MB) of each child process of ``master``."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


def memory(args) -> None:
    settings = Settings.from_environ()
    body = largest_report(settings.max_text_bytes)
    port = free_port()
    server = serve("$enrich", port, args.workers, settings.threads)
    try:
        wait_until_up(port, server, "/readyz")
        before = worker_peaks(server.pid)
        for _ in range(2 * args.workers):  # each worker answers it at least once, most likely
            request = urllib.request.Request(f"http://127.0.0.1:{port}{ENRICH}", data=body,
                                             headers={"Content-Type": "application/fhir+json"})
            started = time.perf_counter()
            answer = urllib.request.urlopen(request, timeout=120).read()
            elapsed = time.perf_counter() - started
        after = worker_peaks(server.pid)
        bundle = json.loads(answer)
        found = sum(1 for entry in bundle["entry"] if entry["resource"]["resourceType"] == "Observation")
        print(f"\nLargest accepted report: {len(body) // 1024} kB body ({settings.max_text_bytes // 1024} kB of text), "
              f"{found} Observations, a {len(answer) / 1e6:.2f} MB answer in {elapsed:.2f} s")
        print(f"  worker peak memory (VmHWM): {', '.join(f'{peak:.0f} MB' for peak in after)} "
              f"(after start-up: {', '.join(f'{peak:.0f} MB' for peak in before)})")
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each app, alternating")
    parser.add_argument("--requests", type=int, default=300, help="in-process requests per app")
    parser.add_argument("--no-memory", action="store_true", help="skip the largest-report memory check")
    parser.add_argument("--corpus", type=Path, help="post each report of this JSON Lines corpus in turn")
    args = parser.parse_args()
    bodies = corpus_bodies(args.corpus) if args.corpus else [args.report.read_bytes()]

    medians = in_process(bodies, args.requests, warmup=max(30, len(bodies) if args.corpus else 0))
    if args.corpus:
        print(f"corpus {args.corpus.name} ({len(bodies)} reports, each in turn)")
    else:
        print(f"report {args.report.name} ({len(bodies[0])} bytes)")
    print(f"In process (Flask test client, one process, {args.requests} requests each, interleaved):")
    for name, (median, median_cpu) in medians.items():
        print(f"  {name:18s} median {median:.2f} ms per request, {median_cpu:.2f} ms CPU")
    if args.rounds < 1:
        pass
    elif shutil.which("wrk") is None:
        print("\nwrk is not installed (Debian: apt-get install wrk): HTTP throughput skipped.")
    else:
        throughput(bodies, args)
    if not args.no_memory:
        memory(args)


if __name__ == "__main__":
    main()
