"""Per-request latency of POST /fhir/DiagnosticReport/$enrich through Flask's test client.

Usage: python bench/enrich_bench.py [REPORT.json] [--requests N] [--warmup N] [--mode transaction]
                                    [--batch N] [--corpus CORPUS.jsonl] [--language en,es] [--cold] [--breakdown]

Posts one typical spine MRI report (tests/api/data/lumbar-mri-report.json by default) N times to
an application built once, after a warm-up, and prints median, p95 and requests per second for
one process. The whole HTTP path is measured: negotiation, lossless parse, R4B validation, the
engine, coding, explanation, Bundle and serialisation. ``--mode transaction`` asks for the
transaction Bundle; ``--batch N`` posts a batch Bundle of N copies of the report to ``POST /fhir``
instead, and also prints the time per entry. ``--corpus`` posts each report of a JSON Lines corpus
(``{"id", "text"}``, as the conclusion of a DiagnosticReport) in turn instead of one report again and
again, so that what is kept per text (the scope reading) or per finding (sentences, coded parts) helps
only as much as it would across real reports; one pass warms up, the median is over ``--requests``. Use a
corpus larger than the per-text caches (32 texts): ../shared/corpus/real/real-dev.jsonl (145 reports) rather
than ../shared/corpus/dev.jsonl (25), whose every text stays cached after the warm-up pass.
``--cold`` forgets, before each request, what the explanation keeps per text, sentence or clause (the
caches of service.explain.scope, causes and ownwords), as for a report the service has not seen: with the same
report posted again and again those caches answer every lookup, which real traffic does not do.
``--language en,es`` asks for the explanation in those languages (the ``language`` query parameter) instead
of the server's default one.
``--breakdown`` also prints where the CPU time of a request goes, step by step (each step's function
timed in place, in the thread's CPU time; the rest of the view and Flask's own handling by difference).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import service.api.fhir
import service.enrich
from service import create_app
from service.explain import causes, ownwords, scope

DEFAULT_REPORT = Path(__file__).resolve().parents[1] / "tests" / "api" / "data" / "lumbar-mri-report.json"
ENRICH = "/fhir/DiagnosticReport/$enrich"
OPERATION_REQUEST = b'{"method":"POST","url":"DiagnosticReport/$enrich"}'


def measure(path: str, body: bytes | list[bytes], requests: int, warmup: int, entries: int = 0,
            cpu: list[float] | None = None, breakdown: bool = False, cold: bool = False) -> list[float]:
    """Wall-clock seconds per request; the thread's CPU seconds per request go into ``cpu`` when given (on a
    machine others share, the wall clock counts their work too); with ``breakdown``, prints where it went."""
    app = create_app({"LOG_LEVEL": "WARNING"})  # no access-log lines on the terminal
    steps = Breakdown(app) if breakdown else None
    client = app.test_client()
    bodies = body if isinstance(body, list) else [body]
    for index in range(warmup):
        _post(client, path, bodies[index % len(bodies)], entries)
    if steps is not None:
        steps.reset()
    timings = []
    for index in range(requests):
        if cold:
            forget_texts()
        started, started_cpu = time.perf_counter(), time.thread_time()
        _post(client, path, bodies[index % len(bodies)], entries)
        timings.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(time.thread_time() - started_cpu)
    if steps is not None:
        print("CPU time per request by step:", *steps.lines(requests), sep="\n")
    return timings


# What the explanation keeps per text, sentence or clause (--cold forgets them before each request).
TEXT_CACHES = [cached for module, names in ((scope, ("_scan", "_text_regions", "disc_levels", "scanned", "_level_tokens",
                                                         "levels_in", "sentence_spans", "_token_starts", "_kinds_in")),
                                             (causes, ("_scanned",)), (ownwords, ("_stated_grades",)))
               for name in names if hasattr(cached := getattr(module, name, None), "cache_clear")]


def forget_texts() -> None:
    for cached in TEXT_CACHES:
        cached.cache_clear()


# (module, function, step): what --breakdown times, each where its caller looks it up.
STEPS = (
    (service.api.fhir, "read_json_body", "read and parse the body"),
    (service.api.fhir, "ensure_valid_report", "R4B validation of the report"),
    (service.enrich, "report_text", "text sources of the report"),
    (service.enrich, "read_findings", "engine (extract_findings)"),
    (service.enrich, "_explanations", "patient explanation"),
    (service.enrich, "observation", "Observations"),
    (service.enrich, "_evidence_spans", "evidence spans"),
    (service.enrich, "_content_digest", "Provenance digest"),
    (service.api.fhir, "record_findings", "metrics"),
    (service.api.fhir, "preferred_response", "JSON encoding and the response"),
)


class Breakdown:
    """CPU seconds spent in each of ``STEPS``, in the view and in the whole request."""

    def __init__(self, app) -> None:
        self.spent: dict[str, float] = dict.fromkeys([step for _, _, step in STEPS] + ["view", "request"], 0.0)
        self.requests = 0
        for module, name, step in STEPS:
            setattr(module, name, self._timed(getattr(module, name), step))
        view = "fhir.enrich_report"
        app.view_functions[view] = self._timed(app.view_functions[view], "view")
        app.wsgi_app = self._timed(app.wsgi_app, "request")

    def _timed(self, function, step: str):
        def timed(*args, **kwargs):
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[step] += time.thread_time() - started
        return timed

    def reset(self) -> None:
        self.spent = dict.fromkeys(self.spent, 0.0)

    def lines(self, requests: int) -> list[str]:
        per = {step: seconds * 1000 / requests for step, seconds in self.spent.items()}
        steps = [step for _, _, step in STEPS]
        rows = [(step, per[step]) for step in steps]
        rows.append(("rest of the view (Bundle, ids, ...)", per["view"] - sum(per[step] for step in steps)))
        rows.append(("Flask, hooks and the test client", per["request"] - per["view"]))
        return [f"  {step:38s} {ms:6.2f} ms" for step, ms in rows] + [f"  {'whole request (mean)':38s} {per['request']:6.2f} ms"]


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
    parser.add_argument("--breakdown", action="store_true", help="print the CPU time of each step of a request")
    parser.add_argument("--cold", action="store_true",
                        help="forget the explanation's per-text caches before each request (a report not seen before)")
    parser.add_argument("--language", help="explanation languages, comma-separated (default: the server's default)")
    args = parser.parse_args()
    query = f"?language={args.language}" if args.language else ""
    if args.breakdown and args.batch:
        parser.error("--breakdown times single $enrich requests, not batches")
    if args.corpus:
        bodies = corpus_bodies(args.corpus)
        cpu: list[float] = []
        timings = sorted(measure(ENRICH + query, bodies, args.requests, len(bodies), cpu=cpu, breakdown=args.breakdown,
                                 cold=args.cold))
        median = statistics.median(timings)
        print(f"corpus: {args.corpus.name} ({len(bodies)} reports, each in turn{', cold' if args.cold else ''}), {args.requests} requests "
              f"after one pass of warm-up")
        print(f"median {median * 1000:.2f} ms   p95 {timings[round(0.95 * len(timings)) - 1] * 1000:.2f} ms   "
              f"{len(timings) / sum(timings):.0f} requests/s (one process)   CPU median {statistics.median(cpu) * 1000:.2f} ms")
        return
    report = args.report.read_bytes()
    path, body = request_body(report, args.mode, args.batch)
    path += query
    cpu = []
    timings = sorted(measure(path, body, args.requests, args.warmup, args.batch, cpu=cpu, breakdown=args.breakdown,
                                 cold=args.cold))
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    print(f"report: {args.report.name} ({len(report)} bytes), mode {args.mode}, {'cold, ' if args.cold else ''}"
          f"{f'languages {args.language}, ' if args.language else ''}"
          f"{f'batches of {args.batch}, ' if args.batch else ''}{args.requests} requests after {args.warmup} warm-up")
    print(f"median {median * 1000:.2f} ms   p95 {p95 * 1000:.2f} ms   "
          f"{len(timings) / sum(timings):.0f} requests/s (one process)   CPU median {statistics.median(cpu) * 1000:.2f} ms")
    if args.batch:
        print(f"per entry: {median * 1000 / args.batch:.2f} ms")


if __name__ == "__main__":
    main()
