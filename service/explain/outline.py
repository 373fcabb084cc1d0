"""The outline of one explanation: which findings are told, in what order, under which headings.

Stated and hedged findings are told most serious first (weights in mappings/explain/order.yaml; a
hedge ranks a step below the same finding stated); when there are many at several levels they are
grouped by level, the group with the most serious finding first. Denied findings are told apart,
in report order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.explain.compose import rung_key
from service.explain.grades import read_grade_words
from service.explain.phrasebook import ordering
from service.explain.scope import scope_rules
from service.extract.finding import Finding


@dataclass
class Group:
    """Findings told under one heading; ``level`` is None when they are not grouped by level."""

    level: str | None
    indexes: list[int] = field(default_factory=list)


def weight(finding: Finding) -> float:
    """How serious a finding reads: its rung and its grade together, a hedge lower.

    The grade is the radiologist's (``severity``, else the meaning of their words, "largely" -> severe); a
    rung stated (not hedged) with no grade ranks as ``ungraded_rung_grade`` says (an ungraded compression as at least
    moderate: "compressing the left root" is not less than "mildly compressing"). That grade orders only;
    the page never says it."""
    weights = ordering()
    grade = finding.severity or _grade_of_words(finding.severity_text)
    if finding.type == "nerve-root":
        key = rung_key(finding)
        value = weights["rung_weight"][key]
        if not grade and finding.assertion == "present":
            grade = weights["ungraded_rung_grade"].get(key)
        value += weights["nerve_root_grade_bonus"].get(grade, 0.0)
    else:
        value = weights["grade_weight"].get(grade or "ungraded", weights["grade_weight"]["ungraded"])
    if finding.assertion == "possible":
        value -= weights["possible_penalty"]
    return value


def _grade_of_words(written: str | None) -> str | None:
    """The worst grade the radiologist's words mean ("mild to marked" -> severe), None when unknown."""
    if not written or not written.strip():
        return None
    meanings = read_grade_words(written).meanings or \
        tuple(filter(None, [scope_rules()["grade_meanings"].get(written.strip().lower())]))
    ranked = [m for m in ordering()["meaning_grades"] if m in meanings]
    return ordering()["meaning_grades"][ranked[-1]] if ranked else None


def told_in_order(findings: list[Finding]) -> list[int]:
    """Indexes of the stated and hedged findings, most serious first (ties keep report order)."""
    told = [i for i, finding in enumerate(findings) if finding.assertion != "absent"]
    return sorted(told, key=lambda i: -weight(findings[i]))


def denied(findings: list[Finding]) -> list[int]:
    return [i for i, finding in enumerate(findings) if finding.assertion == "absent"]


def groups(findings: list[Finding]) -> list[Group]:
    """One ungrouped list, or one group per level when there are many findings at several levels."""
    order = told_in_order(findings)
    levels = list(dict.fromkeys(findings[i].level for i in order))
    if len(order) <= ordering()["group_by_level_above"] or len(levels) < 2:
        return [Group(None, order)] if order else []
    by_level = {level: Group(level) for level in levels}
    for i in order:
        by_level[findings[i].level].indexes.append(i)
    return list(by_level.values())


def glossary_keys(findings: list[Finding], known: dict) -> list[str]:
    """The words of this report worth a plain definition, in the phrasebook's order."""
    used = set()
    for finding in findings:
        if finding.assertion == "absent":
            continue
        used.add(finding.type)
        if finding.type == "nerve-root":
            used.update(finding.cause)
    return [key for key in known if key in used]
