"""The ladder picture: an inline SVG of contact -> displacement -> compression with the patient's rungs.

Only geometry and marks are computed here; labels come from the phrasebook and the markup from
mappings/explain/templates/ladder.svg.j2. The picture scales with its viewBox, so it has no fixed size.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.explain.compose import LADDER_RUNGS, rung_key
from service.extract.finding import Finding

VIEW_WIDTH = 360
VIEW_HEIGHT = 230
BASELINE = 175
STEP_WIDTH = 104
STEP_GAP = 8
FIRST_HEIGHT = 40
RISE = 35
LEFT = (VIEW_WIDTH - 3 * STEP_WIDTH - 2 * STEP_GAP) // 2


@dataclass(frozen=True)
class Step:
    """One rung drawn as a block of the staircase; ``mark`` is "present", "possible" or None."""

    number: int
    x: int
    y: int
    width: int
    height: int
    label: str
    term: str
    mark: str | None

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class LadderPicture:
    steps: list[Step]
    anywhere: str | None  # "present"/"possible" when the report says impingement without a rung
    view_box: str
    baseline: int
    width: int


def _strongest(assertions: set[str]) -> str | None:
    if "present" in assertions:
        return "present"
    return "possible" if assertions else None


def ladder_picture(findings: list[Finding], labels: list[str], terms: list[str]) -> LadderPicture:
    """The staircase with each rung the report states (solid) or hedges (dashed) marked."""
    marks: dict[str, set[str]] = {}
    for finding in findings:
        if finding.type == "nerve-root" and finding.assertion != "absent":
            marks.setdefault(rung_key(finding), set()).add(finding.assertion)
    steps = []
    for index, rung in enumerate(LADDER_RUNGS):
        height = FIRST_HEIGHT + index * RISE
        steps.append(Step(
            number=index + 1,
            x=LEFT + index * (STEP_WIDTH + STEP_GAP),
            y=BASELINE - height,
            width=STEP_WIDTH,
            height=height,
            label=labels[index],
            term=terms[index],
            mark=_strongest(marks.get(rung, set())),
        ))
    unplaced = marks.get("impingement", set()) | marks.get("unstated", set())
    return LadderPicture(steps, _strongest(unplaced), f"0 0 {VIEW_WIDTH} {VIEW_HEIGHT}", BASELINE, VIEW_WIDTH)
