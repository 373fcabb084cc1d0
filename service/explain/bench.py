"""Benchmark: time to explain one report, in each language, over labelled corpora.

    python -m service.explain.bench CORPUS.jsonl [...] [--engine] [--rounds N]

Explains each report's gold findings (or, with --engine, what the engine reads from its text)
after one warm-up pass, and prints the median and 95th percentile per explanation.
"""

from __future__ import annotations

import argparse
import json
import time
from statistics import median, quantiles

from service.explain import SUPPORTED_LANGUAGES, explain
from service.extract import extract_findings
from service.extract.finding import FORMAT_FIELDS, Finding


def load_findings(paths: list[str], use_engine: bool) -> list[list[Finding]]:
    reports = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                if use_engine:
                    reports.append(extract_findings(record["text"]))
                else:
                    reports.append([Finding(**{k: f[k] for k in FORMAT_FIELDS if k in f}) for f in record["findings"]])
    return [findings for findings in reports if findings]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+")
    parser.add_argument("--engine", action="store_true", help="explain the engine's findings, not the labels")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    reports = load_findings(args.corpora, args.engine)
    for language in SUPPORTED_LANGUAGES:
        for findings in reports:  # warm-up: templates compiled, phrasebooks loaded
            explain(findings, language)
        timings = []
        for _ in range(args.rounds):
            for findings in reports:
                start = time.perf_counter()
                explain(findings, language)
                timings.append((time.perf_counter() - start) * 1000)
        p95 = quantiles(timings, n=20)[-1]
        print(f"{language}: {len(reports)} reports x {args.rounds} rounds: "
              f"median {median(timings):.3f} ms, p95 {p95:.3f} ms, max {max(timings):.3f} ms per explanation")


if __name__ == "__main__":
    main()
