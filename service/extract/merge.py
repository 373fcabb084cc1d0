"""One finding per fact: mentions with the same identity merge into one finding with the most specific
attributes. Present beats possible beats absent; a specific rung beats "impingement"; causes unite.
The same root at two levels stays two findings; a root stated without a level joins the one finding of
that root that has a level.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from service.extract.attributes import RUNG_RANK, infer_root, one_disc_cause
from service.extract.finding import Finding

_ASSERTION_RANK = {"absent": 0, "possible": 1, "present": 2}


def _single(finding: Finding) -> Finding:
    """What ``_combine`` makes of a fact stated once (most are), without building a new Finding."""
    if finding.assertion == "absent":
        finding.degree = finding.severity = None
        finding.cause = []
    elif len(finding.cause) > 1:
        finding.cause = list(dict.fromkeys(finding.cause))
    if len(finding.assertion_triggers) > 1:
        finding.assertion_triggers = list(dict.fromkeys(finding.assertion_triggers))
    if len(finding.evidence) > 1:
        finding.evidence = sorted({(e.start, e.end): e for e in finding.evidence}.values(),
                                  key=lambda e: (e.start, e.end))
    return finding


def _combine(group: list[Finding]) -> Finding:
    if len(group) == 1:
        return _single(group[0])
    best = max(_ASSERTION_RANK[f.assertion] for f in group)
    winners = [f for f in group if _ASSERTION_RANK[f.assertion] == best]
    asserted = [f for f in group if f.assertion != "absent"]
    first = winners[0]
    degrees = [f.degree for f in winners if f.degree]
    degree = max(degrees, key=lambda d: RUNG_RANK[d]) if degrees else None
    severity = next((f.severity for f in winners if f.severity), None)
    if severity is None and first.assertion != "absent":
        severity = next((f.severity for f in asserted if f.severity), None)
    graded = [f for f in winners if f.severity == severity and f.severity_text] if severity else []
    severity_text = next((f.severity_text for f in graded + winners if f.severity_text), None)
    causes = one_disc_cause(list(dict.fromkeys(c for f in asserted for c in f.cause)))
    triggers = list(dict.fromkeys(t for f in winners for t in f.assertion_triggers))
    evidence = sorted({(e.start, e.end): e for f in group for e in f.evidence}.values(), key=lambda e: (e.start, e.end))
    return Finding(
        type=first.type, level=first.level, root=first.root, side=first.side,
        degree=degree if first.assertion != "absent" else None,
        severity=severity if first.assertion != "absent" else None,
        assertion=first.assertion,
        zone=next((f.zone for f in group if f.zone), None),
        role=next((f.role for f in group if f.role), None),
        cause=causes if first.assertion != "absent" else [],
        evidence=evidence, assertion_triggers=triggers, section=first.section, severity_text=severity_text,
        reading="fallback" if all(f.reading == "fallback" for f in group) else None,
    )


def _latest(group: list[Finding]) -> list[Finding]:
    """An addendum corrects the report: of a fact it states again, its statement is the one kept."""
    corrected = [f for f in group if f.section == "addendum"]
    return corrected if corrected and len(corrected) < len(group) else group


def _fold(groups: dict, key: tuple, into: tuple) -> None:
    groups[into].extend(groups.pop(key))


def _positive(group: list[Finding]) -> bool:
    return any(f.assertion != "absent" for f in group)


def _index(groups: dict, part, keep=lambda key: True) -> dict:
    """Keys of ``groups`` by ``part(key)``, in insertion order: one pass instead of a scan per key."""
    index: dict = {}
    for key in groups:
        if keep(key):
            index.setdefault(part(key), []).append(key)
    return index


def merge_findings(findings: list[Finding], tentative: AbstractSet[int] = frozenset(),
                   summaries: AbstractSet[int] = frozenset(), cleared: AbstractSet[str] = frozenset()) -> list[Finding]:
    """``tentative``: ids of bare "stenosis" findings; ``summaries``: ids of findings stated spine-wide
    ("multilevel", "as described above"), which sum up what named levels state; ``cleared``: levels an
    addendum declares normal."""
    # Keys are (type, side, root, level).
    groups: dict[tuple, list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.type, finding.side, finding.root, finding.level), []).append(finding)
    # Each step below builds its index only when it has keys to move: most reports have none.
    # A bare "stenosis" counts only where a canal stenosis at the same level is stated anyway.
    if tentative:
        by_type_level = _index(groups, lambda k: (k[0], k[3]))
        for key in list(groups):
            kept = [f for f in groups[key] if id(f) not in tentative]
            if not kept:
                del groups[key]
            elif len(kept) < len(groups[key]) and len(by_type_level[(key[0], key[3])]) == 1:
                groups[key] = kept
    # "Foraminal stenosis at C4-5" (no side) next to "right foraminal stenosis at C4-5": one finding, the sided one.
    unsided = [k for k in groups if k[1] is None and (k[3] is not None or k[2] is not None)]
    sided = _index(groups, lambda k: (k[0], k[2], k[3], _positive(groups[k])), lambda k: k[1] is not None) \
        if unsided else {}
    for key in unsided:
        targets = sided.get((key[0], key[2], key[3], _positive(groups[key])))
        if targets:
            _fold(groups, key, targets[0])
    # Right and left described separately stay two findings even when another sentence sums them up as bilateral;
    # the sides keep their own rung and grade ("bilateral L5 root involvement" beside "displaces the left L5 root"
    # and "contacts the right L5 root"); the summary adds its evidence and causes.
    for key in [k for k in groups if k[1] == "bilateral"]:
        left, right = ((key[0], side, key[2], key[3]) for side in ("left", "right"))
        if left in groups and right in groups:
            target = right if _positive(groups[right]) == _positive(groups[key]) else left
            if _positive(groups[key]) == _positive(groups[target]):
                described = groups[target][0]
                for finding in groups.pop(key):
                    described.evidence.extend(finding.evidence)
                    if described.assertion != "absent":
                        described.cause = list(dict.fromkeys(described.cause + finding.cause))
            else:
                _fold(groups, key, target)
    # A named root stated without a level joins the finding of that root with a level (the first, when the
    # root is affected at several levels and the statement without a level sums them up).
    unleveled = [k for k in groups if k[2] and k[3] is None]
    leveled = _index(groups, lambda k: k[:3], lambda k: k[2] is not None and k[3] is not None) if unleveled else {}
    for key in unleveled:
        candidates = leveled.get(key[:3], [])
        same_polarity = [k for k in candidates if _positive(groups[k]) == _positive(groups[key])]
        if len(candidates) == 1:
            _fold(groups, key, candidates[0])
        elif same_polarity:
            _fold(groups, key, same_polarity[0])
    # "Nerve root compression at L4-5" and "the right L5 root" at L4-5: the unnamed mention joins the named one.
    unnamed = [k for k in groups if k[0] == "nerve-root" and k[2] is None and k[3] is not None]
    named = _index(groups, lambda k: (k[1], k[3]), lambda k: k[0] == "nerve-root" and k[2] is not None) \
        if unnamed else {}
    for key in unnamed:
        targets = named.get((key[1], key[3]), [])
        if not targets and key[1] is None:
            # "pinches the exiting left L4 root ... with deformity of the root": an unsided "the root" at the
            # level of one named root is that root.
            targets = [k for k in groups if k[0] == "nerve-root" and k[2] is not None and k[3] == key[3]]
            targets = targets if len(targets) == 1 and _same_sentence(groups[key], groups[targets[0]]) else []
        if len(targets) == 1 and (_compatible(groups[key], groups[targets[0]])
                                  or _same_sentence(groups[key], groups[targets[0]])):
            # In one sentence the unnamed roots are the named ones ("without compression of either exiting L5
            # root; both roots are, however, contacted"): one finding, present beating absent.
            _fold(groups, key, targets[0])
    # "Mild multilevel foraminal narrowing as described above": a level-less summary of findings already
    # stated at named levels is no finding of its own; it stays only when nothing of its type has a level.
    leveled_types = {k[0] for k in groups if k[3] is not None and _positive(groups[k])} if summaries else ()
    for key in [k for k in groups if k[2] is None and k[3] is None and k[0] in leveled_types]:
        kept = [f for f in groups[key] if f.assertion == "absent" or id(f) not in summaries]
        if kept:
            groups[key] = kept
        else:
            del groups[key]
    # An addendum that declares a level normal withdraws what the report asserted there before it.
    for key in [k for k in groups if k[3] in cleared and _positive(groups[k])
                and not any(f.section == "addendum" for f in groups[k])]:
        del groups[key]
    merged = []
    for key, group in groups.items():
        finding = _combine(_latest(group))
        if finding.root is None and key[2]:
            finding.root = key[2]  # unnamed mentions folded into a named root's finding name that root
        if finding.level is None and key[3]:
            finding.level = key[3]  # ... and mentions without a level folded into one at a level, that level
        if finding.type == "nerve-root" and finding.root is None:
            finding.root_inferred = infer_root(finding.level, finding.zone, finding.role)
        merged.append(finding)
    merged.sort(key=lambda f: (f.evidence[0].start if f.evidence else 0))
    return merged


def _same_sentence(generic: list[Finding], named: list[Finding]) -> bool:
    return bool({e for f in generic for e in f.evidence} & {e for f in named for e in f.evidence})


def _compatible(generic: list[Finding], named: list[Finding]) -> bool:
    generic_absent = all(f.assertion == "absent" for f in generic)
    named_absent = all(f.assertion == "absent" for f in named)
    return generic_absent == named_absent
