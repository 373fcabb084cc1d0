"""Tables in reports: rows of cells separated by '|' or tabs under a header row
("Level | Canal | Right foramen | Left foramen | Comment").

Each data row is read as one statement in which every cell is labelled by its column's header, so
"moderate stenosis" under "Right foramen" reads "Right foramen: moderate stenosis" and "R moderate, L mild"
under "Foramina" reads "Foramina: R moderate, L mild". The row's first cell names the level. Tables without a header row are left to the sentence reader ('|' ends a clause there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.extract.lexicon import Lexicon

_SEPARATOR = re.compile(r"\s*\|\s*|\t+ *")
_EMPTY_CELL = re.compile(r"[\s\-\u2013\u2014.n/a]*", re.I)


@dataclass(frozen=True)
class TableRow:
    start: int
    end: int
    statement: str       # the row rewritten as cells followed by their column headers


def _is_table_line(line: str) -> bool:
    return line.count("|") >= 2 or line.count("\t") >= 2


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in _SEPARATOR.split(line.strip().strip("|"))]


def _per_side(title: str, cell: str, lexicon: Lexicon) -> list[str]:
    """A column headed for two sides ("LR (R/L)", "NF R/L") holding a pair of values ("mod/sev", "none/mild"):
    one labelled part per side ("R LR: mod", "L LR: sev"). [] when the column or the cell is not such a pair."""
    sides = lexicon.column_sides_re.search(title)
    values = [value.strip() for value in cell.split("/")]
    if sides is None or len(values) != 2 or not all(values):
        return []
    place = (title[:sides.start()] + " " + title[sides.end():]).strip()
    return [f"{sides.group(1)} {place}: {values[0]}", f"{sides.group(2)} {place}: {values[1]}"]


def find_tables(text: str, start: int, end: int, starts_with_level,
                lexicon: Lexicon) -> tuple[list[TableRow], list[tuple[int, int]]]:
    """The rows of headed tables in ``text[start:end]`` and the spans of text outside them."""
    if text.count("|", start, end) < 2 and text.count("\t", start, end) < 2:
        return [], ([(start, end)] if start < end else [])  # no line can be a table row
    rows: list[TableRow] = []
    outside: list[tuple[int, int]] = []
    cursor = start
    lines = []
    position = start
    for line in text[start:end].split("\n"):
        lines.append((position, position + len(line), line))
        position += len(line) + 1
    index = 0
    while index < len(lines):
        block = []
        while index < len(lines) and _is_table_line(lines[index][2]):
            block.append(lines[index])
            index += 1
        if len(block) >= 2 and not starts_with_level(block[0][2]):
            header = _cells(block[0][2])
            if block[0][0] > cursor:
                outside.append((cursor, block[0][0]))
            for line_start, line_end, line in block[1:]:
                cells = _cells(line)
                parts = []
                for number, cell in enumerate(cells):
                    if _EMPTY_CELL.fullmatch(cell):
                        continue
                    title = header[number] if number < len(header) and number else ""
                    sided = _per_side(title, cell, lexicon)
                    if sided:
                        parts.extend(sided)
                        continue
                    parts.append(f"{title}: {cell}" if title else cell)
                rows.append(TableRow(line_start, line_end, " ; ".join(parts)))
            cursor = block[-1][1]
        if not block:
            index += 1
    if cursor < end:
        outside.append((cursor, end))
    return rows, outside
