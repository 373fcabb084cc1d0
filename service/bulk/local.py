"""Every core of one machine: lines go in chunks to worker processes and come back in input order.

Each worker loads the engine once (``warm_up``), before its first chunk; with the fork start method the
parent loads it first and the workers share those pages. At most a few chunks per worker are in flight,
so memory stays bounded however large the input is. With one worker the lines are enriched in this
process, without a pool.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice

from service.bulk.work import Job, Output, enrich_line, warm_up

CHUNK_LINES = 32
CHUNKS_IN_FLIGHT_PER_WORKER = 3

Line = tuple[int, int, bytes | None]  # file number, line number, the line
Result = tuple[int, int, Output]


def enrich_lines(lines: Iterable[Line], job: Job, workers: int) -> Iterator[Result]:
    """Each line's output, in the order of ``lines``."""
    warm_up(job)
    if workers <= 1:
        for file, number, line in lines:
            yield file, number, enrich_line(line, file, number, job)
        return
    chunks = _chunks(iter(lines))
    with multiprocessing.Pool(workers, initializer=warm_up, initargs=(job,)) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(enrich_chunk, (chunk, job)))
            if len(pending) >= workers * CHUNKS_IN_FLIGHT_PER_WORKER:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def enrich_chunk(chunk: list[Line], job: Job) -> list[Result]:
    return [(file, number, enrich_line(line, file, number, job)) for file, number, line in chunk]


def _chunks(lines: Iterator[Line]) -> Iterator[list[Line]]:
    while chunk := list(islice(lines, CHUNK_LINES)):
        yield chunk
