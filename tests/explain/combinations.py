"""Systematic Finding combinations for the property tests: every field that changes the wording.

Nerve roots: every degree x assertion x side x root (named / none / inferred) x cause set x severity,
with the level and the radiologist's grade words cycled through so each appears with every degree.
Stenoses: every type x assertion x severity x side x level x grade words, with the cause sets cycled through.
"""

from __future__ import annotations

import itertools

from service.extract.finding import ASSERTIONS, CAUSES, SEVERITIES, Finding

SIDES = (None, "left", "right", "bilateral")
DEGREES = (None, "contact", "displacement", "compression", "impingement")
STENOSES = ("foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis")
# (level, named root, inferred root): lumbar, lumbosacral, cervical, thoracic, one vertebra, none.
PLACES = (
    ("L4-L5", "L5", "L5"),
    ("L5-S1", "S1", "S1"),
    ("C5-C6", "C6", "C6"),
    ("T11-T12", "T11", "T11"),
    ("L5", "L5", "L5"),
    (None, "L4", None),
)
ROOT_MODES = ("named", "none", "inferred")
CAUSE_SETS = ([], ["disc-protrusion"], ["osteophyte"], ["disc-bulge", "facet-arthropathy"],
              *([cause] for cause in CAUSES))
# None, words we can say plainly (one, a range, a joined pair) and a word we only quote.
GRADE_TEXTS = (None, "significant", "marked", "moderate or high-grade", "minimal", "definite", "borderline", "mlid")


def nerve_root_combinations() -> list[Finding]:
    out = []
    product = itertools.product(DEGREES, ASSERTIONS, SIDES, ROOT_MODES, CAUSE_SETS, (None, *SEVERITIES))
    for n, (degree, assertion, side, mode, causes, severity) in enumerate(product):
        level, named, inferred = PLACES[n % len(PLACES)]
        out.append(Finding(
            "nerve-root", level=level, root=named if mode == "named" else None, side=side, degree=degree,
            severity=severity, assertion=assertion, cause=list(causes),
            root_inferred=inferred if mode == "inferred" else None,
            severity_text=GRADE_TEXTS[(n // len(PLACES)) % len(GRADE_TEXTS)],
        ))
    return out


def stenosis_combinations() -> list[Finding]:
    out = []
    product = itertools.product(STENOSES, ASSERTIONS, (None, *SEVERITIES), SIDES, PLACES, GRADE_TEXTS)
    for n, (kind, assertion, severity, side, (level, _, _), grade_text) in enumerate(product):
        # The cause the page names for a narrowing (service/explain/causes.py), cycled through.
        out.append(Finding(kind, level=level, side=side, severity=severity, assertion=assertion,
                           severity_text=grade_text, cause=list(CAUSE_SETS[n % len(CAUSE_SETS)])))
    return out


def all_combinations() -> list[Finding]:
    return nerve_root_combinations() + stenosis_combinations()


def combination_reports(size: int = 4, stride: int = 7) -> list[list[Finding]]:
    """Reports of a few findings each, drawn across the combinations (for whole-explanation gates)."""
    combos = all_combinations()
    picked = combos[::stride]
    return [picked[i:i + size] for i in range(0, len(picked), size)]
