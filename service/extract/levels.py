"""Spinal levels: read a level mention, normalise it ("L4-5" -> "L4-L5") and expand ranges.

Levels named side by side in a sentence join into lists and ranges (``level_groups``).
A disc level is two neighbouring vertebrae ("L4-L5", "L5-S1", "C7-T1", "T12-L1"); a single vertebra
("L5") is kept as it is. "L1-L3" and "L1-L2 through L3-L4" expand to every disc level between.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from service.extract.lexicon import CAUSE, LABEL, LADDER, LEVEL, LOC, NARROW, NORMAL, ROOT, TERM, Lexicon

if TYPE_CHECKING:  # tokens.py reads levels with this module
    from service.extract.tokens import Token

# The kinds of the last word of a statement and of the head words of the next one (opens_item).
_STATEMENT_ENDS = frozenset({NARROW, NORMAL, CAUSE, ROOT, LOC})
_STATEMENT_HEADS = frozenset({NARROW, NORMAL, CAUSE, LADDER, LOC})
_VERTEBRA = re.compile(r"([ctls])\s?(\d{1,2})")
_GLUED = re.compile(r"([cl])(\d)(\d)$|l5s1$|c7t1$|t12l1$|l6s1$")


def vertebra(text: str, region: str | None = None) -> str | None:
    """'l5' -> 'L5'; '5' with region 'l' -> 'L5'; 's 1' -> 'S1'."""
    text = text.strip()
    match = _VERTEBRA.fullmatch(text)
    if match:
        return match.group(1).upper() + str(int(match.group(2)))
    if text.isdigit() and region:
        return region.upper() + str(int(text))
    return None


def _neighbours(first: str, second: str, lexicon: Lexicon) -> bool:
    if (first, second) in lexicon.transitional:
        return True
    index = lexicon.vertebra_index
    return first in index and second in index and index[second] == index[first] + 1


def disc_levels(first: str | None, second: str | None, lexicon: Lexicon, *, allow_range: bool = True) -> list[str]:
    """The disc levels from vertebra ``first`` down to ``second`` (one level when they are neighbours)."""
    if not first or not second:
        return []
    if _neighbours(first, second, lexicon):
        return [f"{first}-{second}"]
    index = lexicon.vertebra_index
    if not allow_range or first not in index or second not in index:
        return []
    start, stop = index[first], index[second]
    if not 0 < stop - start <= 12:
        return []
    column = sorted(index, key=lambda name: index[name])
    return [f"{column[i]}-{column[i + 1]}" for i in range(start, stop)]


def read_level(match: re.Match, lexicon: Lexicon) -> tuple[list[str], bool]:
    """Levels named by one match of ``lexicon.level_re`` and whether it is a single vertebra."""
    groups: dict = {name: lexicon.unalias(text) if text else text  # "d12" is "t12"
                    for name, text in match.groupdict().items()}
    if groups.get("a"):
        first = vertebra(groups["a"])
        second = vertebra(groups["b"], groups["a"][0])
        return disc_levels(first, second, lexicon), False
    if groups.get("c"):
        return disc_levels(vertebra(groups["c"]), vertebra(groups["d"]), lexicon, allow_range=False), False
    if groups.get("e"):
        return disc_levels(vertebra(groups["e"]), vertebra(groups["f"]), lexicon, allow_range=False), False
    if groups.get("h"):
        first = vertebra(groups["h"])
        second = vertebra(groups["i"], groups["h"][0])
        pair = disc_levels(first, second, lexicon, allow_range=False)
        return (pair, False) if pair else ([first] if first else [], True)
    if groups.get("g"):
        glued = groups["g"]
        found = _GLUED.match(glued)
        if found and found.group(1):
            first, second = found.group(1) + found.group(2), found.group(1) + found.group(3)
        else:
            first, second = {"l5s1": ("l5", "s1"), "c7t1": ("c7", "t1"), "t12l1": ("t12", "l1"),
                             "l6s1": ("l6", "s1")}[glued]
        return disc_levels(vertebra(first), vertebra(second), lexicon, allow_range=False), False
    single = vertebra(groups["s"])
    return ([single] if single else []), True


def level_range(first: list[str], last: list[str], lexicon: Lexicon) -> list[str]:
    """'L1-L2 through L3-L4' -> every disc level from the first to the last; 'L2 to L4' likewise."""
    top = first[0].split("-")[0]
    bottom = last[-1].split("-")[-1]
    expanded = disc_levels(top, bottom, lexicon)
    return expanded or first + last


class LevelGroup:
    """Consecutive level tokens of a sentence (token indices first..last) and the levels they name."""

    __slots__ = ("first", "last", "levels", "landmark")

    def __init__(self, first: int, last: int, levels: list) -> None:
        self.first = first
        self.last = last
        self.levels = levels
        self.landmark: bool | None = None  # named as a landmark (reader.py), worked out once when asked


def level_groups(tokens: list[Token], view: str, lexicon: Lexicon) -> list[LevelGroup]:
    """Levels joined into lists ("L3-4 and L4-5") and ranges ("L1-L2 through L3-L4", "from T12 to L5")."""
    groups: list[LevelGroup] = []
    for i, token in enumerate(tokens):
        if token.kind != LEVEL:
            continue
        if groups and groups[-1].last == i - 1:
            gap = view[tokens[i - 1].end:token.start]
            gap = "" if gap.isspace() else " ".join(gap.split())
            group = groups[-1]
            if gap in lexicon.range_words or gap == "-":
                first_single = tokens[group.first].detail.single and token.detail.single
                opener = lexicon.span_openers_re.search(view, max(0, tokens[group.first].start - 25),
                                                        tokens[group.first].start)
                if first_single and opener:
                    group.levels = [None]
                elif group.levels != [None]:
                    group.levels = group.levels[:-1] + level_range(group.levels[-1:], token.value, lexicon)
                group.last = i
                continue
            if gap.replace(" ", "") in lexicon.list_words:
                if group.levels != [None]:
                    group.levels = group.levels + [lvl for lvl in token.value if lvl not in group.levels]
                group.last = i
                continue
        levels = token.value
        groups.append(LevelGroup(i, i, list(levels) if len(levels) < 2 else list(dict.fromkeys(levels))))
    return groups


def heads_next_item(tokens: list[Token], last: int, view: str) -> bool:
    """The level ending at ``tokens[last]`` has a colon right after it: it heads what follows ("... no canal
    stenosis l5-s1: no herniation", text that lost its line breaks), not the phrase before it."""
    after = last + 1
    return after < len(tokens) and view[tokens[after].start] == ":" \
        and not view[tokens[last].end:tokens[after].start].strip()


def opens_item(tokens: list[Token], first: int, last: int, view: str, lexicon: Lexicon | None = None) -> bool:
    """"L3-4 mild bulge, mild bilat NF narrowing, L4-5 mod canal stenosis": the levels ``tokens[first:last + 1]``
    after a comma, followed right away by words of their own, open the next item of a comma dump; they do not
    close the phrase before them. So does a disc level standing bare between two statements of run-on
    dictation ("L3-4 mild bulge no stenosis L4-5 moderate canal stenosis"): after the head noun of one, before
    a phrase with a head noun of its own ("stenosis L4-5 mild" keeps its level); with ``lexicon``, also when
    words that open a statement follow it ("... a bulge at L5-S1 there is a protrusion": grammar.yaml
    ``run_on_level_openers``, after one of ``run_on_level_leads`` or nothing)."""
    after = last + 1
    if first == 0 or after >= len(tokens) or tokens[after].kind in (TERM, LABEL, LEVEL):
        return False
    gap_after = view[tokens[last].end:tokens[after].start]
    opener = False
    if gap_after.strip():
        opener = lexicon is not None and lexicon.run_on_opener_re.fullmatch(gap_after) is not None
        if not opener:
            return False
    gap = view[tokens[first - 1].end:tokens[first].start]
    if "," in gap:
        return True
    if opener and gap.strip() and lexicon is not None and lexicon.run_on_lead_re.fullmatch(gap):
        gap = ""
    if gap.strip() or tokens[first].detail.single or tokens[first - 1].kind not in _STATEMENT_ENDS:
        return False
    return any(t.kind in _STATEMENT_HEADS for t in tokens[after:after + 3])
