"""The outline of one explanation: which findings are told, in what order, under which headings.

Stated and hedged findings are told most serious first (weights in mappings/explain/order.yaml; a
hedge ranks a step below the same finding stated); when there are many at several levels they are
grouped by level, the group with the most serious finding first. Denied findings are told apart,
in report order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.explain.compose import rung_key
from service.explain.phrasebook import ordering
from service.extract.finding import Finding


@dataclass
class Group:
    """Findings told under one heading; ``level`` is None when they are not grouped by level."""

    level: str | None
    indexes: list[int] = field(default_factory=list)


def weight(finding: Finding) -> float:
    """How serious a finding reads: its rung or its grade, a hedge lower."""
    weights = ordering()
    if finding.type == "nerve-root":
        value = weights["rung_weight"][rung_key(finding)]
        value += weights["nerve_root_grade_bonus"].get(finding.severity, 0.0)
    else:
        value = weights["grade_weight"].get(finding.severity or "ungraded", weights["grade_weight"]["ungraded"])
    if finding.assertion == "possible":
        value -= weights["possible_penalty"]
    return value


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
