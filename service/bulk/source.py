"""The input of a bulk run: FHIR Bulk Data NDJSON files, read a line at a time.

A run reads one file, or every ``*.ndjson`` and ``*.ndjson.gz`` file of a folder in name order (the
output of a server's ``$export``). Lines are numbered from 1 in each file; blank lines are passed over
(their numbers still count). A line is never held past ``max_line_bytes``: a longer one is skipped in
pieces and handed on as ``None``, so that it becomes an error line and a huge or broken file cannot
fill memory.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".ndjson", ".ndjson.gz")
_PIECE = 1 << 20


@dataclass(frozen=True, order=True)
class Position:
    """Where a run stands: every line up to ``line`` of file number ``file`` is done."""

    file: int = 0
    line: int = 0


def input_files(path: str | Path) -> list[Path]:
    """The NDJSON files to read: ``path`` itself, or those of the folder ``path`` in name order."""
    path = Path(path)
    if path.is_dir():
        files = sorted(item for item in path.iterdir() if item.is_file() and item.name.endswith(SUFFIXES))
        if not files:
            raise FileNotFoundError(f"no {' or '.join(SUFFIXES)} file in {path}")
        return files
    if not path.is_file():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return [path]


def open_binary(path: Path):
    """The file's bytes, decompressed when it ends in ``.gz``."""
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def read_lines(handle, max_line_bytes: int, after: int = 0, number: int = 0,
               end: int | None = None) -> Iterator[tuple[int, bytes | None]]:
    """``(number, line)`` for each non-blank line of an open binary file past line ``after``, without
    its line ending; ``None`` for a line longer than ``max_line_bytes``. The handle's first line is line
    ``number + 1``; with ``end``, the lines that start before that offset (a piece of a file, see
    ``service.bulk.spark``)."""
    while end is None or handle.tell() < end:
        line = handle.readline(max_line_bytes + 2)  # room for the CR LF that ends a line of the limit
        if not line:
            return
        number += 1
        if not line.endswith(b"\n") and len(line) == max_line_bytes + 2:
            _skip_rest(handle)
            if number > after:
                yield number, None
            continue
        if number > after and (checked := checked_line(line, max_line_bytes)) != b"":
            yield number, checked


def checked_line(line: bytes, max_line_bytes: int) -> bytes | None:
    """The line without its line ending, ``None`` when it is too long, ``b""`` when it is blank."""
    line = line.rstrip(b"\r\n")
    if len(line) > max_line_bytes:
        return None
    return line if line.strip() else b""


def _skip_rest(handle) -> None:
    while True:
        piece = handle.readline(_PIECE)
        if not piece or piece.endswith(b"\n"):
            return


def input_signature(files: list[Path]) -> list[list]:
    """What a resumed run checks it reads the same input: each file's name and size."""
    return [[file.name, file.stat().st_size] for file in files]
