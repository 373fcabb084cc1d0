"""Pieces of the input, each enriched by one worker into its own part files (``--workers N`` and Spark).

A piece is the lines of one input file that start in a byte range ``[start, end)``. Its cuts fall at line
starts, found by a scan that only looks for line ends, so the scan also knows the number of the piece's
first line. A worker reads its piece with the run's reader (``read_lines``: the same lines, limits and
numbers as reading the whole file), enriches each line with ``enrich_line`` and writes the output to
part files of the piece, one per output type (``enrich_piece``). Only the piece's counts travel back:
the enriched resources, some 60 times the input's size, go from the worker to the disk once, and the
process that owns the output files appends the part files in input order (``OutputFolder.append``, a
copy inside the kernel) and checkpoints after each piece. So the output is the same bytes whatever the
number of workers and whichever of them finishes first.

A ``.gz`` file cannot be read from the middle: Spark makes it one piece; the local run reads its lines
in the main process and hands them out in pieces that carry them (``Piece.lines``), so that every core
works on a compressed export too.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from service.bulk.output import ERROR_TYPE, OUTPUT_TYPES, Counts
from service.bulk.source import Position, open_binary, read_lines
from service.bulk.work import Job, enrich_line

PARTS = ".enricher-bulk-parts"  # the part files' folder, inside the output folder
KINDS = (*OUTPUT_TYPES, ERROR_TYPE)
_SCAN = 1 << 20


@dataclass(frozen=True)
class Piece:
    """Lines of one input file: those that start in ``[start, end)``, numbered from ``first + 1``."""

    index: int  # its place in the run (on Spark also its partition)
    file: int
    path: str
    start: int
    end: int | None  # None: to the end of the file
    first: int
    last: int | None  # the number of the piece's last line (None: to the end of the file)
    after: int  # lines up to this number were done before a resume
    done_bytes: int  # the input's bytes (as stored) up to the end of the piece, for the progress bar
    lines: tuple | None = field(default=None, repr=False)  # its ``(number, line)``s, read already (.gz)


@dataclass(frozen=True)
class Done:
    """A piece enriched: its part files (by output type), what they hold, and where the run then is."""

    piece: Piece
    parts: dict[str, Path]
    counts: Counts
    position: Position


def cut(files: list[Path], start: Position, piece_bytes: int, max_line_bytes: int) -> Iterator[Piece]:
    """The pieces of the input from ``start`` on, of about ``piece_bytes`` of lines each, found as they are
    asked for: a file of any size is scanned once, a block at a time, never held."""
    before = sum(file.stat().st_size for file in files[:start.file])
    index = 0
    for number in range(start.file, len(files)):
        path, size = files[number], files[number].stat().st_size
        after = start.line if number == start.file else 0
        if path.name.endswith(".gz"):
            found = _read_pieces(path, number, after, piece_bytes, max_line_bytes, before, size)
        else:
            found = _scanned_pieces(path, number, after, piece_bytes, before, size)
        for piece in found:
            yield dataclasses.replace(piece, index=index)
            index += 1
        before += size


def _scanned_pieces(path: Path, number: int, after: int, piece_bytes: int, before: int,
                    size: int) -> Iterator[Piece]:
    resolved = str(path.resolve())
    with open(path, "rb") as handle:
        bounds = line_starts(handle, iter(range(piece_bytes, size, piece_bytes)), size)
        start, first = next(bounds)
        for end, last in bounds:
            if last > after:  # else done before the resume
                yield Piece(0, number, resolved, start, end, first, last, after, before + end)
            start, first = end, last
    yield Piece(0, number, resolved, start, None, first, None, after, before + size)


def _read_pieces(path: Path, number: int, after: int, piece_bytes: int, max_line_bytes: int, before: int,
                 size: int) -> Iterator[Piece]:
    resolved = str(path.resolve())
    lines: list = []
    held = 0
    first = after
    with open_binary(path) as handle:
        for line_number, line in read_lines(handle, max_line_bytes, after):
            lines.append((line_number, line))
            held += len(line) if line else 1
            if held >= piece_bytes:
                yield Piece(0, number, resolved, 0, None, first, line_number, after,
                            before + min(handle.fileobj.tell(), size), tuple(lines))
                lines, held, first = [], 0, line_number
    yield Piece(0, number, resolved, 0, None, first, None, after, before + size, tuple(lines))


def line_starts(handle, targets: Iterator[int], size: int) -> Iterator[tuple[int, int]]:
    """``(offset, lines before it)`` of the file's start, then of the first line start at or after each
    of the ascending ``targets`` (once each, and only those before ``size``, the file's end)."""
    yield 0, 0
    last = lines = offset = 0
    target = next(targets, None)
    while target is not None and (chunk := handle.read(_SCAN)):
        counted = 0  # the line ends of chunk[:counted] are in ``lines``
        while target is not None:
            if target <= last:
                target = next(targets, None)
                continue
            at = chunk.find(b"\n", max(target - 1 - offset, 0))
            if at < 0:
                break  # the line goes on in the next chunk
            lines += chunk.count(b"\n", counted, at + 1)
            counted = at + 1
            last = offset + at + 1
            if last >= size:
                return
            yield last, lines
        lines += chunk.count(b"\n", counted)
        offset += len(chunk)


def enrich_piece(piece: Piece, job: Job, folder: str, attempt: int = 0) -> dict:
    """Enrich a piece into its part files in ``folder``; its parts' names, counts and last line number.

    The part files are written under a name of their ``attempt`` and renamed once complete, so that a
    task that Spark runs again never mixes with an earlier attempt's output."""
    stem = f"{piece.index:06d}"
    names = {kind: f"{stem}.{kind}.ndjson" for kind in KINDS}
    counts = Counts()
    last = max(piece.first, piece.after)  # a resumed run: done up to there already
    handles = {kind: open(os.path.join(folder, f"{name}.{attempt}"), "wb", buffering=1 << 20)
               for kind, name in names.items()}
    try:
        for number, line in _lines(piece, job):
            output = enrich_line(line, piece.file, number, job)
            for kind, data in zip(KINDS, (output.report, output.observations, output.provenance, output.outcome)):
                if data:
                    handles[kind].write(data)
            counts.add(output)
            last = number
    finally:
        for handle in handles.values():
            handle.close()
    for name in names.values():
        os.replace(os.path.join(folder, f"{name}.{attempt}"), os.path.join(folder, name))
    return {"parts": names, "counts": vars(counts), "last": last}


def _lines(piece: Piece, job: Job) -> Iterator[tuple[int, bytes | None]]:
    if piece.lines is not None:
        yield from piece.lines
        return
    with open_binary(Path(piece.path)) as source:
        if piece.start:
            source.seek(piece.start)
        yield from read_lines(source, job.max_line_bytes, piece.after, piece.first, piece.end)


def finished(piece: Piece, result: dict, folder: Path, file_count: int) -> Done:
    """The piece as ``enrich_piece`` left it (``result``), with the position the run reaches with it."""
    if piece.last is not None:
        position = Position(piece.file, piece.last)
    elif piece.file + 1 < file_count:  # the file is done: the next one starts
        position = Position(piece.file + 1, 0)
    else:
        position = Position(piece.file, result["last"])
    parts = {kind: folder / name for kind, name in result["parts"].items()}
    return Done(piece, parts, Counts(**result["counts"]), position)
