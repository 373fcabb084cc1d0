"""A mention: one finding as one sentence states it, before levels are resolved and mentions merged."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.extract.tokens import Token


@dataclass
class Mention:
    type: str
    first: int                     # index of the first token of the finding's phrase in the sentence
    last: int                      # index of its last token
    anchor: int                    # token whose assertion decides (narrowing word, ladder word)
    root: str | None = None
    side: str | None = None
    plural: bool = False           # "foramina", "roots": bilateral once a level is known
    central: bool = False          # cauda equina: never gets a side from a plural
    degree: str | None = None
    severity: str | None = None
    graded: bool = False           # a grade word is attached (for partial denials)
    assertion: str = "present"
    triggers: list[Token] = field(default_factory=list)
    zone: str | None = None
    role: str | None = None
    cause: list[str] = field(default_factory=list)
    levels: list | None = None     # resolved levels ([None] = stated as spanning / spine-wide)
    side_from_structure: bool = False
    tentative: bool = False        # a bare "stenosis": kept only if a canal stenosis at its level is stated elsewhere
    severity_span: tuple[int, int] | None = None   # where the grade words stand (or those a denial is limited to)
    fallback: bool = False         # read by the fallback pass: a root and a ladder word, no rule placed them
    side_inferred: str | None = None  # the side of the structure pressing on an opening of no side of its own
    unsure: bool = False           # one of alternatives stated with no denial or hedge ("the sac or root compression noted")
    multilevel: bool = False       # "multilevel ..., noticeably at L4-L5, ...": stated at several levels, this one most
