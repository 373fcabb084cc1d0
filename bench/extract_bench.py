"""Benchmark of the extraction engine: per-report time and reports/s on a corpus, single process.

    python bench/extract_bench.py [CORPUS.jsonl] [--rounds N]

Default corpus: tests/corpus/dev.jsonl, the copy of the shared dev corpus (or the EXTRACT_BENCH_CORPUS
environment variable).
The lexicon is loaded and one warm-up pass run before timing. Prints median and p95 per-report time and
reports per second for the corpus and for ~200-word reports (170-230 words: those of the corpus when it has ten,
else those of all the labelled corpora of the repository); then the time for 1 MB reports: hostile text (runs
of dashes, spaces, levels, odd Unicode, no punctuation) and a dense megabyte of genuine findings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.extract import COMPILED, extract_findings, load_lexicon  # noqa: E402

CORPUS_DIR = Path(__file__).resolve().parents[1] / "tests" / "corpus"
DEFAULT_CORPUS = os.environ.get("EXTRACT_BENCH_CORPUS", str(CORPUS_DIR / "dev.jsonl"))
OWN_CORPUS = CORPUS_DIR / "own.jsonl"
HELDOUT_DIR = Path(__file__).resolve().parents[1] / "eval" / "heldout"


def _texts(path: str) -> list[str]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines if line.strip()]


def _per_report(texts: list[str], rounds: int, lexicon) -> list[float]:
    # CPU time of this process: on a shared machine, wall time also counts other programs' turns.
    times = []
    for _ in range(rounds):
        for text in texts:
            start = time.process_time()
            extract_findings(text, lexicon)
            times.append(time.process_time() - start)
    return times


def _summary(label: str, times: list[float], reports: int) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    rate = len(times) / sum(times) if sum(times) else float("inf")
    return (f"{label}: {reports} reports, median {statistics.median(times) * 1000:.3f} ms, "
            f"p95 {p95 * 1000:.3f} ms, {rate:,.0f} reports/s (CPU time)")


def hostile_report(size: int = 1_000_000) -> str:
    unit = ("L4-5 L4-L5 L5/S1 ------ " + " " * 40 + "no no no may \u2013\u2014\u00a0 foraminal stenosis "
            "compresses the L5 nerve root without ||| ;;; \u00e9\u00df\u4e2d " + "x" * 30 + " ")
    return (unit * (size // len(unit) + 1))[:size]


def dense_report(texts: list[str], size: int = 1_000_000) -> str:
    """A megabyte of real report text: the corpus reports one after another."""
    body = "\n\n".join(texts)
    return (body * (size // len(body) + 1))[:size]


def _about_200_words(texts: list[str]) -> list[str]:
    return [t for t in texts if 170 <= len(t.split()) <= 230]


def _all_labelled_texts() -> list[str]:
    """Every report of the repository's labelled corpora (tests/corpus, eval/heldout)."""
    paths = sorted(CORPUS_DIR.glob("*.jsonl")) + sorted(HELDOUT_DIR.glob("*.jsonl"))
    return [text for path in paths for text in _texts(str(path))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    lexicon = load_lexicon()
    print("engine: " + ("compiled (mypyc)" if COMPILED else "pure Python (not compiled, or ENRICHER_PURE_PYTHON=1)"))
    texts = _texts(args.corpus)
    _per_report(texts, 1, lexicon)  # warm-up
    times = _per_report(texts, args.rounds, lexicon)
    print(_summary(f"{Path(args.corpus).name} (x{args.rounds})", times, len(texts)))
    words = _about_200_words(texts)
    label = "~200-word reports (170-230 words)"
    if len(words) < 10:
        words, label = _about_200_words(_all_labelled_texts()), "~200-word reports (170-230 words) of all corpora"
    if words:
        print(_summary(label, _per_report(words, args.rounds, lexicon), len(words)))
    genuine = _texts(str(OWN_CORPUS)) if OWN_CORPUS.exists() else texts
    for name, text in (("1 MB hostile report", hostile_report()), ("1 MB of dashes", "-" * 1_000_000),
                       ("1 MB of levels", "L4-5 " * 200_000), ("1 MB without punctuation", "disc " * 200_000),
                       ("1 MB of genuine findings", dense_report(genuine))):
        start = time.process_time()
        found = extract_findings(text, lexicon)
        print(f"{name}: {time.process_time() - start:.3f} s CPU, {len(found)} findings")


if __name__ == "__main__":
    main()
