"""Equivalence check for speed work on the extraction engine: the output must stay identical.

    python bench/extract_equivalence.py record GOLDEN.json   # run the engine, write its output
    python bench/extract_equivalence.py compare GOLDEN.json  # run the engine, report every difference

    python bench/extract_equivalence.py --installed record GOLDEN.json   # the installed engine (a wheel)
    python bench/extract_equivalence.py --real record GOLDEN.json        # also the real reports of ../shared


The engine is the one of the checkout this script sits in, or with ``--installed`` the one the Python
running the script has installed (a built wheel: CI and tests/test_packaging.py record it with
``ENRICHER_PURE_PYTHON=1`` and compare it compiled). The first line printed tells which engine ran. Record
with the engine before a change and compare after it; to record another revision, run its copy of the script
from a worktree of it (``git worktree add --detach /tmp/base main``). The texts: every report of tests/corpus/*.jsonl
(dev.jsonl among them) and eval/heldout/*.jsonl, and synthetic reports generated from a fixed seed: long reports stitched
from the corpus lines, the same with punctuation, case and Unicode noise, random mixes of report words,
and hostile runs. Every field of every finding is compared: attributes, evidence offsets, triggers.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

REAL_DIR = ROOT.parent / "shared" / "corpus" / "real"
CORPORA = sorted((ROOT / "tests" / "corpus").glob("*.jsonl")) + sorted((ROOT / "eval" / "heldout").glob("*.jsonl"))
_WORDS = ["L4-5", "L5-S1:", "C5-6", "T12-L1", "left", "right", "bilateral", "no", "not", "without", "may",
          "possible", "mild", "moderate to severe", "foraminal", "stenosis", "narrowing", "lateral recess",
          "canal", "patent", "protrusion", "extrusion", "disc", "contacts", "compresses", "displacing",
          "impingement", "of the", "the", "S1", "L5", "nerve root", "roots", "cauda equina", "which", "but", ";",
          ":", ",", ".", "\n", "|", "\t", "1.", "IMPRESSION:", "FINDINGS:", "HISTORY:", "<p>", "&gt;", "\u2013",
          "\u0130", "through", "L1-L3", "This", "previously", "again", "rule out", "?", "free of", "are free",
          "both", "exiting", "traversing", "abuting", "compresing", "foramen", "recess", "severe", "effaces",
          "thecal sac", "osteophyte", "facet", "bulge", "at", "and", "right greater than left", "unchanged"]
_NOISE = ["", " ", "  ", "\n", ",", ".", ";", "-", "\u2013", "\u00a0", "\t", ":", "(", ")", "\u4e2d", "<b>",
          "</b>", "&amp;", "L4", "l4-5"]


def _corpus_texts() -> dict[str, str]:
    texts = {}
    for path in CORPORA:
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                if line.strip():
                    record = json.loads(line)
                    texts[f"{path.name}:{record.get('id', number)}"] = record["text"]
    return texts


def _noisy(text: str, rng: random.Random) -> str:
    out = []
    for word in text.split(" "):
        roll = rng.random()
        if roll < 0.05:
            word = word.upper()
        elif roll < 0.10:
            word = word + rng.choice(_NOISE)
        elif roll < 0.12:
            word = rng.choice(_NOISE) + word
        elif roll < 0.13:
            continue
        out.append(word)
    return rng.choice([" ", "  ", " "]).join(out)


def synthetic_texts(corpus: dict[str, str], seed: int = 20261125) -> dict[str, str]:
    """Deterministic long, noisy and hostile reports."""
    rng = random.Random(seed)
    lines = [line for text in corpus.values() for line in text.split("\n") if line.strip()]
    texts = {}
    for number in range(60):
        picked = rng.sample(lines, min(len(lines), rng.randint(5, 60)))
        texts[f"stitched-{number}"] = rng.choice(["\n", " ", "\n\n", ". "]).join(picked)
    for number in range(60):
        picked = rng.sample(lines, min(len(lines), rng.randint(3, 30)))
        texts[f"noisy-{number}"] = _noisy("\n".join(picked), rng)
    for number in range(400):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 80))]
        texts[f"mix-{number}"] = " ".join(words)
    for number in range(100):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 80))]
        texts[f"tight-{number}"] = "".join(w + rng.choice(_NOISE) for w in words)
    texts["hostile-dashes"] = "-" * 50_000
    texts["hostile-levels"] = "L4-5 " * 10_000
    texts["hostile-levels-colon"] = "L4-5: mild " * 5_000
    texts["hostile-mixed"] = ("no " * 50 + "stenosis " + "\u2013\u2014\u00a0\u4e2d\u0130 " * 20) * 200
    texts["hostile-markup"] = "<p>" * 10_000 + "L4-5: severe left foraminal stenosis." * 100
    texts["long-corpus"] = "\n".join(corpus.values())
    return texts


def engine_output(texts: dict[str, str]) -> dict[str, list[dict] | str]:
    """Each text's findings; an error the engine raises is recorded by its type (it must stay the same)."""
    from service.extract import extract_findings, load_lexicon

    lexicon = load_lexicon()
    output: dict[str, list[dict] | str] = {}
    for key, text in texts.items():
        try:
            output[key] = [finding.to_dict() for finding in extract_findings(text, lexicon)]
        except Exception as error:  # noqa: BLE001 - recorded, not hidden: compare shows it
            output[key] = f"raises {type(error).__name__}"
    return output


def _real_texts() -> dict[str, str]:
    """The real reports (real-dev and unlabelled), read at run time: never copied into the repository or golden
    files of it (write GOLDEN.json outside the checkout)."""
    texts = {}
    for name in ("real-dev.jsonl", "unlabelled.jsonl"):
        with open(REAL_DIR / name, encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                if line.strip():
                    record = json.loads(line)
                    texts[f"{name}:{record.get('id', number)}"] = record["text"]
    return texts


def all_texts(real: bool = False) -> dict[str, str]:
    corpus = _corpus_texts()
    return {**corpus, **synthetic_texts(corpus), **(_real_texts() if real else {})}


def _count(output: dict) -> str:
    findings = sum(len(value) for value in output.values() if isinstance(value, list))
    errors = [key for key, value in output.items() if isinstance(value, str)]
    return f"{findings} findings" + (f", {len(errors)} raise an error: {', '.join(errors[:5])}" if errors else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "compare"))
    parser.add_argument("golden", type=Path)
    parser.add_argument("--installed", action="store_true",
                        help="run the installed engine, not the one of this checkout")
    parser.add_argument("--real", action="store_true",
                        help=f"also the real reports of {REAL_DIR} (keep GOLDEN.json outside the repository)")
    args = parser.parse_args()
    if not args.installed:
        sys.path.insert(0, str(ROOT))
    import service.extract

    engine = "compiled" if service.extract.COMPILED else "pure Python"
    print(f"engine: {engine}, {Path(service.extract.__file__).parent}")
    output = engine_output(all_texts(args.real))
    if args.action == "record":
        args.golden.write_text(json.dumps(output, indent=0, sort_keys=True), encoding="utf-8")
        print(f"recorded {len(output)} texts, {_count(output)}")
        return 0
    golden = json.loads(args.golden.read_text(encoding="utf-8"))
    differing = [key for key in golden if golden[key] != output.get(key)]
    differing += [key for key in output if key not in golden]
    for key in differing[:20]:
        print(f"DIFFERS: {key}\n  expected {golden.get(key)}\n  got      {output.get(key)}")
    print(f"{len(output)} texts, {_count(output)}, {len(differing)} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
