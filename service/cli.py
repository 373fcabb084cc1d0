"""``enricher``: the command line. Thin: each subcommand reads its input and calls the package.

    enricher serve [--host H] [--port P] [--workers N] [--insecure]   the HTTP service under gunicorn
    enricher enrich FILE|-  [--language es] [--mode collection|transaction]   print the Bundle
    enricher bulk IN OUT [--language es] [--workers N] [--resume] [--spark [--master URL]]   NDJSON backfill
    enricher extract CORPUS.jsonl                         one {"id", "findings"} JSON line per report
    enricher eval CORPUS.jsonl [--system SYSTEM.jsonl]    FORMAT.md's metrics against the labels

Exit status: 0 done, 1 the input was refused (the reason is printed on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile

from service import __version__
from service.config import ConfigError, Settings


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as error:
        print(f"enricher: configuration error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`enricher extract ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="enricher", description="Nerve root impingement findings and patient explanations for FHIR reports."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP service under gunicorn")
    serve.add_argument("--host", help="address to listen on (default $ENRICHER_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default $ENRICHER_PORT or 8080)")
    serve.add_argument("--workers", type=int, help="worker processes (default $ENRICHER_WORKERS or 2)")
    serve.add_argument("--insecure", action="store_true",
                       help="listen beyond loopback without authentication (default $ENRICHER_INSECURE); only "
                            "behind a proxy or network that authenticates callers")
    serve.set_defaults(run=run_serve)

    enrich = commands.add_parser("enrich", help="enrich one DiagnosticReport (or $enrich Parameters) and print the Bundle")
    enrich.add_argument("file", metavar="FILE", help="a JSON file, or - for standard input")
    enrich.add_argument("--language", action="append", default=[],
                        help="explanation language, repeatable (en, es; others fall back to en)")
    enrich.add_argument("--mode", choices=("collection", "transaction"), help="Bundle type (default collection)")
    enrich.set_defaults(run=run_enrich)

    bulk = commands.add_parser("bulk", help="enrich FHIR Bulk Data NDJSON (a file or folder) into NDJSON files")
    bulk.add_argument("input", metavar="IN", help="an .ndjson or .ndjson.gz file of DiagnosticReports, or a folder of them")
    bulk.add_argument("output", metavar="OUT", help="the folder to write the NDJSON files and manifest.json to")
    bulk.add_argument("--language", action="append", default=[],
                      help="explanation language, repeatable (en, es; others fall back to en)")
    bulk.add_argument("--workers", type=int, help="worker processes (default: every core)")
    bulk.add_argument("--resume", action="store_true", help="go on with the run stopped in OUT")
    bulk.add_argument("--spark", action="store_true", help="run as a PySpark job (pip install '.[spark]')")
    bulk.add_argument("--master", help="the Spark master URL (default: spark-submit's, else local[*])")
    bulk.add_argument("--transaction-time", metavar="INSTANT",
                      help="the production time written into every resource, e.g. 2026-01-01T00:00:00Z "
                           "(default: when the run starts; --resume keeps the stopped run's)")
    bulk.add_argument("--checkpoint-seconds", type=float, default=1.0,
                      help="how often the progress is saved for --resume (default 1)")
    bulk.set_defaults(run=run_bulk)

    extract = commands.add_parser("extract", help="print the findings of each report of a corpus as JSON lines")
    extract.add_argument("corpus", metavar="CORPUS.jsonl", help='JSON lines with "id" and "text"')
    extract.set_defaults(run=run_extract)

    evaluate = commands.add_parser("eval", help="score the engine (or --system output) against a labelled corpus")
    evaluate.add_argument("corpus", metavar="CORPUS.jsonl", help='JSON lines with "id", "text" and gold "findings"')
    evaluate.add_argument("--system", metavar="SYSTEM.jsonl",
                          help="score these findings instead of running the engine (the output of `extract`)")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument("--texts", metavar="TEXTS.jsonl",
                          help="take each report's text from this file, by id (for label files that hold no text)")
    evaluate.add_argument("--half", choices=("even", "odd"),
                          help="score only the reports whose id ends in an even (or odd) digit: the half-split "
                               "protocol of shared/corpus/real/README.md")
    evaluate.set_defaults(run=run_eval)
    return parser


def run_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    if workers < 1 or not 0 < port < 65536:
        print("enricher: --workers must be at least 1 and --port between 1 and 65535", file=sys.stderr)
        return 2
    from service.server import exposure_refusal

    if refusal := exposure_refusal(host, settings.auth.enabled, args.insecure or settings.auth.insecure):
        print(f"enricher: {refusal}", file=sys.stderr)
        return 2
    if exposure_refusal(host, settings.auth.enabled, False) is not None:  # allowed by --insecure only
        print(f"enricher: warning: listening on {host} without authentication (--insecure)", file=sys.stderr)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Must be set before prometheus_client is imported, so /metrics sums every worker.
        metrics_dir = tempfile.mkdtemp(prefix="enricher-metrics-")
        atexit.register(shutil.rmtree, metrics_dir, True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir

    from service.server import run_gunicorn

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    run_gunicorn(bind=bind, workers=workers, timeout=settings.timeout_seconds, log_level=settings.log_level)
    return 0


def run_enrich(args: argparse.Namespace) -> int:
    from service.enrich import enrich
    from service.fhir.io import FhirError, dumps, loads
    from service.fhir.operation import ensure_valid_report, read_enrich_input
    from service.languages import resolve_languages

    settings = Settings.from_environ()
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else _read_bytes(args.file)
        operation_input = read_enrich_input(loads(data))
        report = ensure_valid_report(operation_input)
        languages = resolve_languages(args.language or operation_input.languages, None, settings.default_language)
        mode = args.mode or operation_input.mode or "collection"
        bundle = enrich(report, languages, mode, fhir_base=settings.fhir_base_url)
    except OSError as error:
        print(f"enricher: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    except FhirError as error:
        for issue in error.issues:
            where = f" (at {issue.expression})" if issue.expression else ""
            print(f"enricher: {issue.severity}: {issue.message}{where}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(dumps(bundle) + b"\n")
    sys.stdout.flush()
    return 0


def run_bulk(args: argparse.Namespace) -> int:
    from concurrent.futures.process import BrokenProcessPool

    from service.bulk import Options, run
    from service.bulk.output import ResumeError

    if args.workers is not None and args.workers < 1 or args.checkpoint_seconds < 0:
        print("enricher: --workers must be at least 1 and --checkpoint-seconds not negative", file=sys.stderr)
        return 2
    if args.master and not args.spark:
        print("enricher: --master needs --spark", file=sys.stderr)
        return 2
    if args.transaction_time and not _is_instant(args.transaction_time):
        print("enricher: --transaction-time must be an instant with a time zone, e.g. 2026-01-01T00:00:00Z",
              file=sys.stderr)
        return 2
    options = Options(args.input, args.output, args.language, args.workers, args.resume, args.transaction_time,
                      args.spark, args.master, args.checkpoint_seconds)
    try:
        summary = run(options)
    except (FileNotFoundError, ResumeError) as error:
        print(f"enricher: {error}", file=sys.stderr)
        return 2
    except BrokenProcessPool:
        print("enricher: a worker process died (killed, or out of memory); the output is kept as of the last "
              "checkpoint: go on with --resume", file=sys.stderr)
        return 1
    except ImportError as error:
        if not args.spark:
            raise
        print(f"enricher: --spark needs pyspark (pip install 'nerve-root-enricher[spark]'): {error}", file=sys.stderr)
        return 2
    print(summary.line(), file=sys.stderr)
    return 0


def _is_instant(text: str) -> bool:
    import re
    from datetime import datetime

    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)", text):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def run_extract(args: argparse.Namespace) -> int:
    from service import extract_findings

    for record in _read_corpus(args.corpus):
        line = {"id": record.get("id"), "findings": extract_findings(record.get("text") or "")}
        print(json.dumps(line, ensure_ascii=False))
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from service import extract_findings
    from service.evaluation import format_metrics, in_half, load_jsonl, score

    gold = _read_corpus(args.corpus)
    if args.texts:
        texts = {record.get("id"): record.get("text") for record in _read_corpus(args.texts)}
        gold = [dict(record, text=texts.get(record.get("id"), record.get("text"))) for record in gold]
    if args.half:
        gold = [record for record in gold if in_half(str(record.get("id")), args.half)]
    if args.system:
        wanted = {record.get("id") for record in gold}
        system = [record for record in load_jsonl(args.system) if not args.half or record.get("id") in wanted]
    else:
        system = [{"id": record.get("id"), "findings": extract_findings(record.get("text") or "")} for record in gold]
    metrics = score(gold, system)
    print(json.dumps(metrics, indent=2, ensure_ascii=False) if args.json else format_metrics(metrics))
    return 0


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _read_corpus(path: str) -> list[dict]:
    from service.evaluation import load_jsonl

    try:
        return load_jsonl(path)
    except OSError as error:
        raise SystemExit(f"enricher: cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise SystemExit(f"enricher: {error}") from None


if __name__ == "__main__":
    sys.exit(main())
