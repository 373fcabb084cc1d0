"""Every core of one machine: pieces of the input go to worker processes, which write their own output.

Each worker loads the engine once (``warm_up``), before its first piece; with the fork start method the
parent loads it first and the workers share those pages. The main process only cuts the input into
pieces (a scan for line ends; a ``.gz`` file's lines it reads itself), hands them out, and appends each
piece's part files to the output in input order as they are done: the enriched resources never travel
through it (see ``service.bulk.pieces``). At most a few pieces per worker are in flight, so memory and
the part files on disk stay bounded however large the input is. With one worker, ``enrich_lines``
enriches the lines in this process, without a pool or part files.
"""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from service.bulk.pieces import PARTS, Done, cut, enrich_piece, finished
from service.bulk.source import Position
from service.bulk.work import Job, Output, enrich_line, warm_up

PIECE_BYTES = 128 << 10  # input per piece at most: about a second of a worker's time on typical reports
MIN_PIECE_BYTES = 4 << 10
PIECES_PER_WORKER = 8  # a small input is still cut into this many pieces per worker, so all work
PIECES_IN_FLIGHT_PER_WORKER = 3

Line = tuple[int, int, bytes | None]  # file number, line number, the line
Result = tuple[int, int, Output]


def enrich_lines(lines: Iterable[Line], job: Job) -> Iterator[Result]:
    """Each line's output, in the order of ``lines``, enriched in this process."""
    warm_up(job)
    for file, number, line in lines:
        yield file, number, enrich_line(line, file, number, job)


def enrich_files(files: list[Path], job: Job, start: Position, workers: int, out: Path) -> Iterator[Done]:
    """Each piece of the input from ``start`` on, enriched by ``workers`` processes into part files in
    ``out``, in input order. The caller appends a piece's parts before asking for the next; they are
    deleted then."""
    folder = out / PARTS
    shutil.rmtree(folder, ignore_errors=True)  # pieces of a stopped run are enriched again
    folder.mkdir(parents=True)
    work = cut(files, start, piece_bytes(files, workers), job.max_line_bytes)
    warm_up(job)
    # A worker that dies (killed, out of memory) breaks the pool: the run stops with an error instead of
    # waiting for its piece, and --resume goes on from the last checkpoint.
    pool = ProcessPoolExecutor(workers, initializer=warm_up, initargs=(job,))
    try:
        pending: deque = deque()
        for piece in work:
            pending.append((piece, pool.submit(enrich_piece, piece, job, str(folder))))
            if len(pending) >= workers * PIECES_IN_FLIGHT_PER_WORKER:
                yield from _next(pending, folder, len(files))
        while pending:
            yield from _next(pending, folder, len(files))
    finally:
        pool.shutdown(cancel_futures=True)  # a stopped run waits only for the pieces being enriched
    shutil.rmtree(folder, ignore_errors=True)


def _next(pending: deque, folder: Path, file_count: int) -> Iterator[Done]:
    piece, future = pending.popleft()
    done = finished(piece, future.result(), folder, file_count)
    yield done
    for path in done.parts.values():
        path.unlink()


def piece_bytes(files: list[Path], workers: int) -> int:
    """``PIECE_BYTES``, or less for a small input, so that every worker gets several pieces."""
    total = sum(file.stat().st_size for file in files)
    return max(MIN_PIECE_BYTES, min(PIECE_BYTES, total // (workers * PIECES_PER_WORKER)))
