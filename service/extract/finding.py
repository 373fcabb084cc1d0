"""The Finding: one fact the engine read in a report, in the fields of shared/corpus/FORMAT.md.

This is the seam between extraction and everything downstream (coding, explanation,
evaluation). It carries no FHIR and no HTML, only what the text said and where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

FINDING_TYPES = ("nerve-root", "foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis")
DEGREES = ("contact", "displacement", "compression", "impingement")
SEVERITIES = ("mild", "mild-to-moderate", "moderate", "moderate-to-severe", "severe")
ASSERTIONS = ("present", "possible", "absent")
SIDES = ("left", "right", "bilateral")
ZONES = ("central", "subarticular", "foraminal", "extraforaminal")
ROLES = ("exiting", "traversing")
CAUSES = (
    "disc-bulge", "disc-protrusion", "disc-extrusion", "disc-herniation", "osteophyte",
    "facet-arthropathy", "ligamentum-flavum", "synovial-cyst", "spondylolisthesis", "scar", "other",
)

# The fields a scorer reads, in FORMAT.md's order.
FORMAT_FIELDS = ("type", "level", "root", "side", "degree", "severity", "assertion", "zone", "role", "cause")


class Evidence(NamedTuple):
    """A span of the text handed to the engine: [start, end) character offsets. (A named tuple: the engine
    makes one per sentence, and a tuple is the cheapest immutable record.)"""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class Finding:
    type: str
    level: str | None = None          # "L4-L5", "C7-T1", a single vertebra "L5", or None
    root: str | None = None           # only a root the text names
    side: str | None = None
    degree: str | None = None         # nerve-root only
    severity: str | None = None
    assertion: str = "present"
    zone: str | None = None
    role: str | None = None
    cause: list[str] = field(default_factory=list)
    root_inferred: str | None = None  # from level and zone (TERMINOLOGY.md anatomy rules); never in `root`
    # The side of the structure that presses on a singular foramen or recess the text gives no side ("Lt
    # paracentral bulge ... compressing the exit neural canal": left); never in `side` (FORMAT.md's ruling).
    side_inferred: str | None = None
    # True when `side` is "bilateral" only because the text names the structure in the plural with no side
    # word ("encroaching the exit neural canals"): FORMAT.md reads both sides, the page says "the nerve
    # openings" and does not claim both sides the report never named.
    side_plural: bool = False
    evidence: list[Evidence] = field(default_factory=list)
    assertion_triggers: list[str] = field(default_factory=list)  # the words that made it possible/absent
    section: str | None = None        # "findings", "impression", ... where the strongest evidence sits
    # The radiologist's own grade words for this finding ("moderate to severe", "marked"). On an absent
    # finding: the grade the denial was limited to ("significant", "moderate or high-grade"), so that
    # "no significant stenosis" is never explained or coded as "no stenosis at all".
    severity_text: str | None = None
    # "fallback" when no reading rule placed the root and the engine read only what the clause holds (a root
    # mention and a ladder word): the explanation says less and asks for review. "unsure" when the statement
    # names it as one of alternatives with no denial or hedge ("nerve root or thecal sac compression is seen":
    # perhaps a denial that lost its "No"): read as possible, and the page asks for review. None otherwise.
    reading: str | None = None
    # True when the sentence states the finding at several levels and names this one as the most affected
    # ("multilevel bulges, noticeably at L4-L5, encroaching the exit canals"): the page says so.
    multilevel: bool = False

    def to_dict(self) -> dict:
        """FORMAT fields plus the extras the scorer ignores (root_inferred, evidence, triggers)."""
        out = {name: getattr(self, name) for name in FORMAT_FIELDS}
        out["cause"] = list(self.cause)
        out["root_inferred"] = self.root_inferred
        out["side_inferred"] = self.side_inferred
        out["side_plural"] = self.side_plural
        out["evidence"] = [{"start": e.start, "end": e.end} for e in self.evidence]
        out["assertion_triggers"] = list(self.assertion_triggers)
        out["section"] = self.section
        out["severity_text"] = self.severity_text
        out["reading"] = self.reading
        out["multilevel"] = self.multilevel
        return out
