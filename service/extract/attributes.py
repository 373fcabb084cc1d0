"""Attributes shared by the readers: sides, grades, ladder rank and the root a level and zone imply."""

from __future__ import annotations

from service.extract.lexicon import GRADE, NEG, Lexicon
from service.extract.tokens import Token

RUNG_RANK = {"impingement": 0, "contact": 1, "displacement": 2, "compression": 3}


def combine_sides(sides) -> str | None:
    """'left' + 'right' or any 'bilateral' -> 'bilateral'; one side -> that side; none -> None."""
    found = set(sides)
    if not found:
        return None
    if "bilateral" in found or {"left", "right"} <= found:
        return "bilateral"
    return found.pop()


def grade_before(tokens: list[Token], index: int, view: str, lexicon: Lexicon) -> Token | None:
    """The grade word right before ``tokens[index]`` ("marked compression", "mildly displaces"), unless "not"
    negates it ("not severely compressed" states no grade)."""
    if index <= 0:
        return None
    before = tokens[index - 1]
    if before.kind != GRADE or view[before.end:tokens[index].start].strip(" -") or negates_grade(tokens, index - 2, view, lexicon):
        return None
    return before


def negates_grade(tokens: list[Token], index: int, view: str, lexicon: Lexicon) -> bool:
    """Whether ``tokens[index]`` is a "not" that negates only the grade right after it ("is not severe", "mild,
    not moderate, stenosis"): the finding stands, without that grade. "Not significantly narrowed" (a grade
    that names no degree) and "no high-grade stenosis" stay denials."""
    if index < 0 or index + 1 >= len(tokens):
        return False
    token, grade = tokens[index], tokens[index + 1]
    return (token.kind == NEG and grade.kind == GRADE and grade.value is not None
            and view[token.start:token.end] in lexicon.grade_negators and not view[token.end:grade.start].strip())


def root_fits_level(root: str, level: str | None, zone: str | None = None, role: str | None = None) -> bool:
    """Whether a named root can be the one affected at a disc level (TERMINOLOGY.md's anatomy): the root its
    zone or role implies there (L4-L5 exiting: L4), else in the neck the root below the disc (C5-C6: C6; C7-T1:
    C8), elsewhere the root exiting above and the one traversing below (L4-L5: L4 or L5)."""
    if not level or "-" not in level:
        return True
    implied = infer_root(level, zone, role)
    if implied is not None:
        return root == implied
    upper, lower = level.split("-")
    if upper[0] == "C":
        return root == ("C8" if upper == "C7" else lower)
    return root in (upper, lower)


def infer_root(level: str | None, zone: str | None, role: str | None) -> str | None:
    """The root a disc level and zone (or role) imply, by TERMINOLOGY.md's anatomy rules."""
    if not level or "-" not in level:
        return None
    upper, lower = level.split("-")
    region = upper[0]
    # A role the text states decides over the zone of the structure ("paracentral protrusion compressing the
    # exit nerve root": exiting, the upper root).
    outer = role == "exiting" or (role is None and zone in ("foraminal", "extraforaminal"))
    inner = role == "traversing" or (role is None and zone in ("central", "subarticular"))
    if region == "L" or upper == "T12":
        if inner:
            return lower
        if outer:
            return upper
        return None
    if region == "C":
        if outer or zone == "subarticular":
            return "C8" if upper == "C7" else lower
        return None
    if region == "T" and outer:
        return upper
    return None


# The disc causes from the most to the least specific.
DISC_CAUSES = ("disc-extrusion", "disc-protrusion", "disc-herniation", "disc-bulge")


def one_disc_cause(causes: list[str]) -> list[str]:
    """One disc is one cause across statements: when the findings and the impression name the disc that
    presses on one root differently ("bulge" in one, "protrusion" in the other), the most specific word.
    Within one statement every disc word is kept ("a bulge with a superimposed protrusion compressing the
    root": both, FORMAT.md's ruling on "A with B"). Other causes stay as they are."""
    discs = [cause for cause in causes if cause in DISC_CAUSES]
    if len(discs) < 2:
        return causes
    keep = min(discs, key=DISC_CAUSES.index)
    return [cause for cause in causes if cause not in DISC_CAUSES or cause == keep]
