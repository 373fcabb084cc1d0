"""One finding per fact: mentions with the same identity merge into one finding with the most specific
attributes. Present beats possible beats absent; a specific rung beats "impingement"; causes unite.
The same root at two levels stays two findings; a root stated without a level joins the one finding of
that root that has a level.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import NamedTuple

from service.extract.attributes import DISC_CAUSES, RUNG_RANK, infer_root, one_disc_cause
from service.extract.finding import Evidence, Finding

class Statement:
    """A finding as the reader states it, with the fields of ``Finding``: what merging reads and writes. A compiled
    class, so that the reader and the merge passes make and read them at compiled speed; ``finding()`` makes
    the Finding of each merged one (a dataclass in plain Python: 4.5 us to make, with its 19 keyword arguments)."""

    def __init__(self, type: str, level: str | None = None, root: str | None = None, side: str | None = None,
                 degree: str | None = None, severity: str | None = None, assertion: str = "present",
                 zone: str | None = None, role: str | None = None, cause: list[str] | None = None,
                 root_inferred: str | None = None, side_inferred: str | None = None, side_plural: bool = False,
                 evidence: list[Evidence] | None = None, assertion_triggers: list[str] | None = None,
                 section: str | None = None, severity_text: str | None = None, reading: str | None = None,
                 multilevel: bool = False) -> None:
        self.type = type
        self.level = level
        self.root = root
        self.side = side
        self.degree = degree
        self.severity = severity
        self.assertion = assertion
        self.zone = zone
        self.role = role
        self.cause: list[str] = [] if cause is None else cause
        self.root_inferred = root_inferred
        self.side_inferred = side_inferred
        self.side_plural = side_plural
        self.evidence: list[Evidence] = [] if evidence is None else evidence
        self.assertion_triggers: list[str] = [] if assertion_triggers is None else assertion_triggers
        self.section = section
        self.severity_text = severity_text
        self.reading = reading
        self.multilevel = multilevel

    def copy(self, evidence: list[Evidence]) -> Statement:
        """The same statement with other evidence."""
        return Statement(self.type, self.level, self.root, self.side, self.degree, self.severity, self.assertion,
                         self.zone, self.role, self.cause, self.root_inferred, self.side_inferred, self.side_plural,
                         evidence, self.assertion_triggers, self.section, self.severity_text, self.reading,
                         self.multilevel)

    def finding(self) -> Finding:
        return Finding(
            type=self.type, level=self.level, root=self.root, side=self.side, degree=self.degree,
            severity=self.severity, assertion=self.assertion, zone=self.zone, role=self.role, cause=self.cause,
            root_inferred=self.root_inferred, side_inferred=self.side_inferred, side_plural=self.side_plural,
            evidence=self.evidence, assertion_triggers=self.assertion_triggers, section=self.section,
            severity_text=self.severity_text, reading=self.reading, multilevel=self.multilevel)

    @classmethod
    def of(cls, finding: Finding) -> Statement:
        """The statement of a Finding (tests merge findings they write)."""
        return Statement(**{name: getattr(finding, name) for name in _FIELDS})


_FIELDS = ("type", "level", "root", "side", "degree", "severity", "assertion", "zone", "role", "cause", "root_inferred",
           "side_inferred", "side_plural", "evidence", "assertion_triggers", "section", "severity_text", "reading",
           "multilevel")
_ASSERTION_RANK = {"absent": 0, "possible": 1, "present": 2}
_BULGE = "disc-bulge"
_ONE_SIDE = ("left", "right")


class Key(NamedTuple):
    """What findings merge by: one finding per type, side, named root and level (FORMAT.md's identity, with
    the level kept beside a named root, so that one root at two levels stays two findings)."""

    type: str
    side: str | None
    root: str | None
    level: str | None


def _single(finding: Statement) -> Statement:
    """What ``_combine`` makes of a fact stated once (most are), without building a new statement."""
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


def _combine(group: list[Statement], repeated: AbstractSet[int]) -> Statement:
    """One finding of the findings of one key. A finding stated again alike (``repeated``) merges as the group of
    its statements would: every rule below gives the same for one finding as for copies of it."""
    if len(group) == 1 and id(group[0]) not in repeated:
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
    causes = _united_causes(asserted)
    triggers = list(dict.fromkeys(t for f in winners for t in f.assertion_triggers))
    evidence = sorted({(e.start, e.end): e for f in group for e in f.evidence}.values(), key=lambda e: (e.start, e.end))
    return Statement(
        type=first.type, level=first.level, root=first.root, side=first.side,
        degree=degree if first.assertion != "absent" else None,
        severity=severity if first.assertion != "absent" else None,
        assertion=first.assertion,
        zone=next((f.zone for f in group if f.zone), None),
        role=next((f.role for f in group if f.role), None),
        cause=causes if first.assertion != "absent" else [],
        evidence=evidence, assertion_triggers=triggers, section=first.section, severity_text=severity_text,
        reading="fallback" if all(f.reading == "fallback" for f in group) else
        "unsure" if all(f.reading for f in winners) and any(f.reading == "unsure" for f in winners) else None,
        multilevel=any(f.multilevel for f in group),
        side_inferred=_one_side_inferred(first, winners),
        # Both sides said in words by any statement of the fact ("bilateral" in the impression) are said so.
        side_plural=all(f.side_plural for f in group if f.side == "bilateral") and first.side == "bilateral",
    )


def _united_causes(statements: list[Statement]) -> list[str]:
    """The causes of one fact told several times. A statement that names a diffuse bulge and a focal disc lesion
    pressing on both sides names two structures ("a diffuse bulge with a central extrusion compressing both L5
    roots": FORMAT.md's "A with B"), which a shorter retelling ("the extrusion compressing both L5 roots") does not
    undo: the bulge stays beside the focal lesion. On one side the focal lesion a retelling names alone is the
    cause ("bulge with a superimposed right foraminal protrusion ... IMPRESSION: protrusion contacting the right
    L4 root"). Otherwise one
    disc named differently is one cause, the most specific word (``one_disc_cause``: "protrusion" in one
    statement, "herniation" or "disc" in another)."""
    united = list(dict.fromkeys(c for f in statements for c in f.cause))
    focal_words = [{c for c in f.cause if c in DISC_CAUSES and c != _BULGE} for f in statements]
    beside = any(_BULGE in f.cause and focal for f, focal in zip(statements, focal_words))
    alone = any(_BULGE not in f.cause and focal for f, focal in zip(statements, focal_words))
    if beside and not (alone and statements[0].side in _ONE_SIDE):
        focal = one_disc_cause([c for c in united if c in DISC_CAUSES and c != _BULGE])
        return [c for c in united if c not in DISC_CAUSES or c == _BULGE or c in focal]
    return one_disc_cause(united)


def _one_side_inferred(first: Statement, winners: list[Statement]) -> str | None:
    """The side the statements of an unsided opening infer from what presses on it, when they agree."""
    sides = {f.side_inferred for f in winners} - {None}
    return sides.pop() if len(sides) == 1 and first.side is None else None


def _latest(group: list[Statement]) -> list[Statement]:
    """An addendum corrects the report: of a fact it states again, its statement is the one kept. When it names
    no cause, the causes the report gave the fact stay ("ADDENDUM: the left S1 root is displaced but not
    compressed" after "protrusion with suspected compression of the left S1 root": the rung is corrected, the
    protrusion still presses)."""
    corrected = [f for f in group if f.section == "addendum"]
    if not corrected or len(corrected) == len(group):
        return group
    if not any(f.cause for f in corrected) and all(f.assertion != "absent" for f in corrected):
        earlier = [c for f in group if f.section != "addendum" and f.assertion != "absent" for c in f.cause]
        if earlier:
            corrected[0].cause = list(dict.fromkeys(earlier))
    return corrected


def _fold(groups: dict, key: Key, into: Key) -> None:
    groups[into].extend(groups.pop(key))


def _positive(group: list[Statement]) -> bool:
    return any(f.assertion != "absent" for f in group)


def _index(groups: dict, part, keep=lambda key: True) -> dict:
    """Keys of ``groups`` by ``part(key)``, in insertion order: one pass instead of a scan per key."""
    index: dict = {}
    for key in groups:
        if keep(key):
            index.setdefault(part(key), []).append(key)
    return index


def merge_findings(findings: list[Statement], tentative: AbstractSet[int] = frozenset(),
                   summaries: AbstractSet[int] = frozenset(), cleared: AbstractSet[str] = frozenset(),
                   repeated: AbstractSet[int] = frozenset()) -> list[Finding]:
    """``tentative``: ids of bare "stenosis" findings; ``summaries``: ids of findings stated spine-wide
    ("multilevel", "as described above"), which sum up what named levels state; ``cleared``: levels an
    addendum declares normal; ``repeated``: ids of findings that stand for several statements alike (their
    evidence is each statement's). The findings of one key merge, after these passes in order."""
    groups: dict[Key, list[Statement]] = {}
    for finding in findings:
        groups.setdefault(Key(finding.type, finding.side, finding.root, finding.level), []).append(finding)
    # Each pass builds its index only when it has keys to move: most reports have none.
    if tentative:
        _keep_tentative_beside_a_canal_stenosis(groups, tentative)
    _fold_unsided_into_sided(groups)
    statements, summing = set(repeated), set(summaries)  # _first_statement may add to them
    _keep_sides_described_apart(groups, statements, summing)
    _fold_root_without_level(groups)
    _fold_unnamed_into_named_root(groups)
    if summing:
        _drop_summaries_of_levels(groups, summing)
    _withdraw_what_an_addendum_clears(groups, cleared)
    return _merged(groups, statements)


def _keep_tentative_beside_a_canal_stenosis(groups: dict, tentative: AbstractSet[int]) -> None:
    """A bare "stenosis" counts only where a canal stenosis at the same level is stated anyway ("L4-5:
    stenosis." alone is dropped; beside "moderate canal stenosis at L4-5" it is that finding)."""
    by_type_level = _index(groups, lambda k: (k.type, k.level))
    for key in list(groups):
        kept = [f for f in groups[key] if id(f) not in tentative]
        if not kept:
            del groups[key]
        elif len(kept) < len(groups[key]) and len(by_type_level[(key.type, key.level)]) == 1:
            groups[key] = kept


def _fold_unsided_into_sided(groups: dict) -> None:
    """"Foraminal stenosis at C4-5" (no side) next to "right foraminal stenosis at C4-5": one finding, the sided
    one."""
    unsided = [k for k in groups if k.side is None and (k.level is not None or k.root is not None)]
    sided = _index(groups, lambda k: (k.type, k.root, k.level, _positive(groups[k])), lambda k: k.side is not None) \
        if unsided else {}
    for key in unsided:
        targets = sided.get((key.type, key.root, key.level, _positive(groups[key])))
        if targets:
            _fold(groups, key, targets[0])


def _first_statement(group: list[Statement], repeated: set[int], summaries: set[int]) -> Statement:
    """The first statement of a finding stated alike several times (``repeated``), on its own at the head of
    ``group``, the others left in the finding that held them all; so that what is added to the first statement
    alone is added to it alone."""
    held = group[0]
    first = held.copy(held.evidence[:1])
    held.evidence = held.evidence[1:]
    if id(held) in summaries:
        summaries.add(id(first))
    group.insert(0, first)
    return first


def _keep_sides_described_apart(groups: dict, repeated: set[int], summaries: set[int]) -> None:
    """Right and left described separately stay two findings even when another sentence sums them up as
    bilateral; the sides keep their own rung and grade ("bilateral L5 root involvement" beside "displaces the
    left L5 root" and "contacts the right L5 root"); the summary adds its evidence and causes."""
    for key in [k for k in groups if k.side == "bilateral"]:
        left, right = (key._replace(side=side) for side in ("left", "right"))
        if left in groups and right in groups:
            target = right if _positive(groups[right]) == _positive(groups[key]) else left
            if _positive(groups[key]) == _positive(groups[target]):
                described = groups[target][0]
                if id(described) in repeated:
                    described = _first_statement(groups[target], repeated, summaries)
                for finding in groups.pop(key):
                    described.evidence.extend(finding.evidence)
                    if described.assertion != "absent":
                        described.cause = list(dict.fromkeys(described.cause + finding.cause))
            else:
                _fold(groups, key, target)


def _fold_root_without_level(groups: dict) -> None:
    """A named root stated without a level joins the finding of that root with a level (the first, when the
    root is affected at several levels and the statement without a level sums them up): "L5-S1: the left S1
    root is compressed. ... Left S1 compression." is one finding."""
    unleveled = [k for k in groups if k.root and k.level is None]
    leveled = _index(groups, lambda k: (k.type, k.side, k.root), lambda k: k.root is not None and k.level is not None) \
        if unleveled else {}
    for key in unleveled:
        candidates = leveled.get((key.type, key.side, key.root), [])
        same_polarity = [k for k in candidates if _positive(groups[k]) == _positive(groups[key])]
        if len(candidates) == 1:
            _fold(groups, key, candidates[0])
        elif same_polarity:
            _fold(groups, key, same_polarity[0])


def _fold_unnamed_into_named_root(groups: dict) -> None:
    """"Nerve root compression at L4-5" and "the right L5 root" at L4-5: the unnamed mention joins the named
    one."""
    unnamed = [k for k in groups if k.type == "nerve-root" and k.root is None and k.level is not None]
    named = _index(groups, lambda k: (k.side, k.level), lambda k: k.type == "nerve-root" and k.root is not None) \
        if unnamed else {}
    for key in unnamed:
        targets = named.get((key.side, key.level), [])
        if not targets and key.side is None:
            # "pinches the exiting left L4 root ... with deformity of the root": an unsided "the root" at the
            # level of one named root is that root.
            targets = [k for k in groups if k.type == "nerve-root" and k.root is not None and k.level == key.level]
            targets = targets if len(targets) == 1 and _same_sentence(groups[key], groups[targets[0]]) else []
        if len(targets) > 1:
            targets = _same_rung(groups, key, targets)
        if len(targets) == 1 and (_compatible(groups[key], groups[targets[0]])
                                  or (_same_sentence(groups[key], groups[targets[0]]) and _positive(groups[key]))):
            # In one sentence the unnamed roots are the named ones ("without compression of either exiting L5
            # root; both roots are, however, contacted"): one finding, present beating absent. A denial of the
            # level's roots in general stays beside a named root stated with doubt ("No definite nerve root
            # compression, although the left S1 root may be irritated").
            _fold(groups, key, targets[0])


def _same_rung(groups: dict, key: Key, targets: list[Key]) -> list[Key]:
    """Of several named roots at the unnamed mention's level and side, those it retells: the ones stated on the
    same rung ("compresses the left S1 root and abuts the left L5 root ... IMPRESSION: neural compression at
    L5-S1 on the left" is the S1 root's compression)."""
    rungs = {f.degree for f in groups[key] if f.assertion != "absent"} - {None}
    if len(rungs) != 1:
        return targets
    return [k for k in targets if rungs <= {f.degree for f in groups[k] if f.assertion != "absent"}]


def _drop_summaries_of_levels(groups: dict, summaries: AbstractSet[int]) -> None:
    """"Mild multilevel foraminal narrowing as described above": a level-less summary of findings already
    stated at named levels is no finding of its own; it stays only when nothing of its type has a level."""
    leveled_types = {k.type for k in groups if k.level is not None and _positive(groups[k])}
    for key in [k for k in groups if k.root is None and k.level is None and k.type in leveled_types]:
        kept = [f for f in groups[key] if f.assertion == "absent" or id(f) not in summaries]
        if kept:
            groups[key] = kept
        else:
            del groups[key]


def _withdraw_what_an_addendum_clears(groups: dict, cleared: AbstractSet[str]) -> None:
    """An addendum that declares a level normal withdraws what the report asserted there before it
    ("ADDENDUM: the level in the impression is incorrect; L4-5 is unremarkable")."""
    for key in [k for k in groups if k.level in cleared and _positive(groups[k])
                and not any(f.section == "addendum" for f in groups[k])]:
        del groups[key]


def _merged(groups: dict, repeated: AbstractSet[int]) -> list[Finding]:
    """One finding per key, in the order of its first evidence."""
    merged: list[Statement] = []
    for key, group in groups.items():
        finding = _combine(_latest(group), repeated)
        if finding.root is None and key.root:
            finding.root = key.root  # unnamed mentions folded into a named root's finding name that root
        if finding.level is None and key.level:
            finding.level = key.level  # ... and mentions without a level folded into one at a level, that level
        if finding.type == "nerve-root" and finding.root is None:
            finding.root_inferred = infer_root(finding.level, finding.zone, finding.role)
        merged.append(finding)
    merged.sort(key=lambda f: (f.evidence[0].start if f.evidence else 0))
    return [statement.finding() for statement in merged]


def _same_sentence(generic: list[Statement], named: list[Statement]) -> bool:
    return bool({e for f in generic for e in f.evidence} & {e for f in named for e in f.evidence})


def _compatible(generic: list[Statement], named: list[Statement]) -> bool:
    generic_absent = all(f.assertion == "absent" for f in generic)
    named_absent = all(f.assertion == "absent" for f in named)
    return generic_absent == named_absent
