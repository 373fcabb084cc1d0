"""Score a system's findings against a labelled corpus, as shared/corpus/FORMAT.md describes.

Gold and system records are ``{"id": ..., "findings": [...]}``; reports pair by id. Within a
report, findings pair one-to-one, greedily, on FORMAT's identity: ``type``, ``side``, and the
``root`` when the gold names one, otherwise the ``level``.

Absent (denied) findings take part in the matching, because the safety counts need them: a gold
``absent`` finding paired with a system ``present``/``possible`` one is a negation inversion, and
a gold ``present`` finding paired with a system ``absent`` one is a denied finding. Precision,
recall and F1 count only the ``present``/``possible`` findings: a positive pair is a true positive
(``possible`` against ``present`` still counts; the assertion is scored on its own), a positive
gold finding without a positive partner is a false negative, and a positive system finding
without a positive partner is a false positive. A gold ``possible`` finding paired with a system
``absent`` one is a false negative and an error, but not a safety count (FORMAT names gold
``present`` only).

Attribute accuracy (degree, severity, level, cause) is taken over the positive pairs, degree and
cause over nerve-root pairs only; the assertion is taken over every pair, absent ones included.
``errors`` lists, per report id, what went wrong: ``missed``, ``spurious``, ``inverted`` (gold
absent, system positive), ``denied`` (gold positive, system absent) and ``mismatch`` (a positive
pair whose attributes differ, with the fields named).

Greedy pairing runs in passes from the closest kind of partner to the loosest, so that a looser
pair never takes a partner a closer one needed. Every pair shares the identity; the passes then
prefer, in this order of weight, the same root (so a gold finding without a root prefers a system
finding without one), the same level (FORMAT pairs the same root named at two levels "level by
level"), and the same polarity (both positive, or both absent). Within a pass, findings are
taken in the order the files list them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import product
from pathlib import Path

from service.extract.finding import FINDING_TYPES

POSITIVE = frozenset({"present", "possible"})
NERVE_ROOT = "nerve-root"
STENOSIS_TYPES = tuple(t for t in FINDING_TYPES if t != NERVE_ROOT)

# Attributes scored over positive pairs, and the finding types each one applies to.
POSITIVE_PAIR_ATTRIBUTES = {
    "degree": (NERVE_ROOT,),
    "severity": FINDING_TYPES,
    "level": FINDING_TYPES,
    "cause": (NERVE_ROOT,),
}
# The assertion is scored over every pair, absent ones included.
ATTRIBUTES = ("degree", "severity", "level", "assertion", "cause")


def load_jsonl(path: str | Path) -> list[dict]:
    """Read a JSON Lines file into a list of records, skipping blank lines."""
    records = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error.msg})") from None
    return records


def in_half(report_id: str, half: str) -> bool:
    """Whether a report belongs to the ``even`` or ``odd`` half: by the last digit of its id."""
    digits = [c for c in report_id if c.isdigit()]
    return bool(digits) and (int(digits[-1]) % 2 == 0) == (half == "even")


def identity(finding: dict, named_root: bool) -> tuple:
    """FORMAT's identity; ``named_root`` says whether the gold side of the pair names a root."""
    anchor = finding.get("root") if named_root else finding.get("level")
    return (finding.get("type"), finding.get("side"), anchor)


def is_positive(finding: dict) -> bool:
    return finding.get("assertion") in POSITIVE


def match_findings(gold: list[dict], system: list[dict]) -> list[tuple[int, int]]:
    """Pair gold and system findings one-to-one; returns (gold index, system index) pairs."""
    pairs: list[tuple[int, int]] = []
    free_system = list(range(len(system)))
    free_gold = list(range(len(gold)))
    for same_root, same_level, same_polarity in product((True, False), repeat=3):
        for g in list(free_gold):
            gold_finding = gold[g]
            named_root = bool(gold_finding.get("root"))
            wanted = identity(gold_finding, named_root)
            for s in free_system:
                candidate = system[s]
                if identity(candidate, named_root) != wanted:
                    continue
                if same_root and candidate.get("root") != gold_finding.get("root"):
                    continue
                if same_level and candidate.get("level") != gold_finding.get("level"):
                    continue
                if same_polarity and is_positive(candidate) != is_positive(gold_finding):
                    continue
                pairs.append((g, s))
                free_gold.remove(g)
                free_system.remove(s)
                break
    return sorted(pairs)


def _ratio(part: int, whole: int) -> float:
    """A share; a ratio over nothing is 1.0 (nothing was claimed or missed)."""
    return part / whole if whole else 1.0


def prf(tp: int, fp: int, fn: int) -> dict:
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def _attribute_value(finding: dict, name: str):
    value = finding.get(name)
    if name == "cause":
        return sorted(value or [])
    return value


def _brief(finding: dict) -> dict:
    """The FORMAT fields of a finding, for the error list."""
    return {name: finding.get(name) for name in
            ("type", "level", "root", "side", "degree", "severity", "assertion", "cause")}


class _Tally:
    """Counters filled report by report."""

    def __init__(self) -> None:
        self.counts = {t: {"tp": 0, "fp": 0, "fn": 0} for t in FINDING_TYPES}
        self.attributes = {name: {"correct": 0, "total": 0} for name in ATTRIBUTES}
        self.negation_inversions = 0
        self.present_reported_absent = 0
        self.report_correct = 0
        self.report_total = 0
        self.errors: list[dict] = []

    def add_report(self, report_id: str, gold: list[dict], system: list[dict]) -> None:
        pairs = match_findings(gold, system)
        paired_gold = {g for g, _ in pairs}
        paired_system = {s for _, s in pairs}
        for g, s in pairs:
            self._add_pair(report_id, gold[g], system[s])
        for g, finding in enumerate(gold):
            if g not in paired_gold and is_positive(finding):
                self._count(finding, "fn")
                self.errors.append({"id": report_id, "kind": "missed", "gold": _brief(finding), "system": None})
        for s, finding in enumerate(system):
            if s not in paired_system and is_positive(finding):
                self._count(finding, "fp")
                self.errors.append({"id": report_id, "kind": "spurious", "gold": None, "system": _brief(finding)})
        gold_any = any(f.get("type") == NERVE_ROOT and is_positive(f) for f in gold)
        system_any = any(f.get("type") == NERVE_ROOT and is_positive(f) for f in system)
        self.report_total += 1
        self.report_correct += gold_any == system_any

    def _count(self, finding: dict, outcome: str) -> None:
        counts = self.counts.get(finding.get("type"))
        if counts is not None:
            counts[outcome] += 1

    def _add_pair(self, report_id: str, gold: dict, system: dict) -> None:
        self._score_attribute("assertion", gold, system)
        gold_positive, system_positive = is_positive(gold), is_positive(system)
        if gold_positive and system_positive:
            self._count(gold, "tp")
            wrong = [name for name, types in POSITIVE_PAIR_ATTRIBUTES.items()
                     if gold.get("type") in types and not self._score_attribute(name, gold, system)]
            if gold.get("assertion") != system.get("assertion"):
                wrong.append("assertion")
            if wrong:
                self.errors.append({"id": report_id, "kind": "mismatch", "fields": wrong,
                                    "gold": _brief(gold), "system": _brief(system)})
        elif gold_positive:
            self._count(gold, "fn")
            if gold.get("assertion") == "present":
                self.present_reported_absent += 1
            self.errors.append({"id": report_id, "kind": "denied", "gold": _brief(gold), "system": _brief(system)})
        elif system_positive:
            self._count(system, "fp")
            self.negation_inversions += 1
            self.errors.append({"id": report_id, "kind": "inverted", "gold": _brief(gold), "system": _brief(system)})

    def _score_attribute(self, name: str, gold: dict, system: dict) -> bool:
        correct = _attribute_value(gold, name) == _attribute_value(system, name)
        self.attributes[name]["total"] += 1
        self.attributes[name]["correct"] += correct
        return correct


def score(gold_records: Iterable[dict], system_records: Iterable[dict]) -> dict:
    """FORMAT.md's metrics for a system's records against the gold records, paired by id.

    A gold report the system left out counts as a report with no findings; system reports whose
    id the gold does not know are listed under ``unknown_ids`` and otherwise ignored.
    """
    gold_by_id = {}
    for record in gold_records:
        if record["id"] in gold_by_id:
            raise ValueError(f"gold id {record['id']!r} appears twice")
        gold_by_id[record["id"]] = record
    system_by_id = {record["id"]: record for record in system_records}

    tally = _Tally()
    for report_id, gold in gold_by_id.items():
        system = system_by_id.get(report_id, {"findings": []})
        tally.add_report(report_id, gold.get("findings") or [], system.get("findings") or [])

    by_type = {t: prf(**tally.counts[t]) for t in FINDING_TYPES}
    return {
        "reports": len(gold_by_id),
        "missing_ids": [i for i in gold_by_id if i not in system_by_id],
        "unknown_ids": [i for i in system_by_id if i not in gold_by_id],
        "primary": by_type[NERVE_ROOT],
        "by_type": by_type,
        "attributes": {name: {**counts, "accuracy": _ratio(counts["correct"], counts["total"])}
                       for name, counts in tally.attributes.items()},
        "safety": {"negation_inversions": tally.negation_inversions,
                   "present_reported_absent": tally.present_reported_absent},
        "report_level": {"correct": tally.report_correct, "total": tally.report_total,
                         "accuracy": _ratio(tally.report_correct, tally.report_total)},
        "errors": tally.errors,
    }


def _describe(finding: dict | None) -> str:
    if finding is None:
        return "-"
    where = " ".join(str(v) for v in (finding.get("side"), finding.get("root"), finding.get("level")) if v)
    extras = ", ".join(str(finding.get(name)) for name in ("degree", "severity") if finding.get(name))
    text = f"{finding.get('type')} {where or '(no level)'} [{finding.get('assertion')}]"
    return f"{text} {extras}" if extras else text


def format_metrics(metrics: dict, max_errors: int = 50) -> str:
    """A plain-text table of the metrics from ``score``, followed by the first errors."""
    lines = [f"reports: {metrics['reports']}"]
    if metrics["missing_ids"]:
        lines.append(f"reports without system output: {len(metrics['missing_ids'])}")
    lines += ["", f"{'finding type':<26}{'tp':>5}{'fp':>5}{'fn':>5}{'P':>8}{'R':>8}{'F1':>8}"]
    for name, row in metrics["by_type"].items():
        label = f"{name} (primary)" if name == NERVE_ROOT else name
        lines.append(f"{label:<26}{row['tp']:>5}{row['fp']:>5}{row['fn']:>5}"
                     f"{row['precision']:>8.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}")
    lines += ["", f"{'attribute (matched)':<26}{'correct':>9}{'total':>7}{'accuracy':>10}"]
    for name, row in metrics["attributes"].items():
        lines.append(f"{name:<26}{row['correct']:>9}{row['total']:>7}{row['accuracy']:>10.3f}")
    safety, report = metrics["safety"], metrics["report_level"]
    lines += [
        "",
        f"negation inversions (gold absent, system present/possible): {safety['negation_inversions']}",
        f"gold present reported absent: {safety['present_reported_absent']}",
        f"report level 'any nerve-root finding': {report['correct']}/{report['total']}"
        f" = {report['accuracy']:.3f}",
    ]
    errors = metrics["errors"]
    if errors:
        lines += ["", f"errors ({len(errors)}, first {min(len(errors), max_errors)} shown):"]
        for error in errors[:max_errors]:
            fields = f" ({', '.join(error['fields'])})" if error.get("fields") else ""
            lines.append(f"  {error['id']:<12}{error['kind'] + fields:<22}"
                         f"gold: {_describe(error['gold'])} | system: {_describe(error['system'])}")
    return "\n".join(lines)
