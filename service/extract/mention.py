"""A mention: one finding as one sentence states it, before levels are resolved and mentions merged."""

from __future__ import annotations

from service.extract.tokens import Token


class Mention:
    """One finding as a sentence states it. A plain class, not a dataclass: mypyc leaves a dataclass's generated
    ``__init__`` interpreted (2.8 us a call, against 0.3 us compiled), and a megabyte of text makes thousands."""

    def __init__(
        self,
        type: str,
        first: int,                     # index of the first token of the finding's phrase in the sentence
        last: int,                      # index of its last token
        anchor: int,                    # token whose assertion decides (narrowing word, ladder word)
        root: str | None = None,
        side: str | None = None,
        plural: bool = False,           # "foramina", "roots": bilateral once a level is known
        central: bool = False,          # cauda equina: never gets a side from a plural
        degree: str | None = None,
        severity: str | None = None,
        graded: bool = False,           # a grade word is attached (for partial denials)
        assertion: str = "present",
        triggers: list[Token] | None = None,
        zone: str | None = None,
        role: str | None = None,
        cause: list[str] | None = None,
        levels: list | None = None,     # resolved levels ([None] = stated as spanning / spine-wide)
        side_from_structure: bool = False,
        tentative: bool = False,        # a bare "stenosis": kept only if a canal stenosis at its level is stated elsewhere
        severity_span: tuple[int, int] | None = None,   # where the grade words stand (or those a denial is limited to)
        fallback: bool = False,         # read by the fallback pass: a root and a ladder word, no rule placed them
        side_inferred: str | None = None,  # the side of the structure pressing on an opening of no side of its own
        unsure: bool = False,           # one of alternatives stated with no denial or hedge ("the sac or root compression noted")
        multilevel: bool = False,       # "multilevel ..., noticeably at L4-L5, ...": stated at several levels, this one most
    ) -> None:
        self.type = type
        self.first = first
        self.last = last
        self.anchor = anchor
        self.root = root
        self.side = side
        self.plural = plural
        self.central = central
        self.degree = degree
        self.severity = severity
        self.graded = graded
        self.assertion = assertion
        self.triggers: list[Token] = [] if triggers is None else triggers
        self.zone = zone
        self.role = role
        self.cause: list[str] = [] if cause is None else cause
        self.levels = levels
        self.side_from_structure = side_from_structure
        self.tentative = tentative
        self.severity_span = severity_span
        self.fallback = fallback
        self.side_inferred = side_inferred
        self.unsure = unsure
        self.multilevel = multilevel

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Mention({self.type}, {self.first}-{self.last}, {self.root!r}, {self.side!r}, {self.assertion})"
