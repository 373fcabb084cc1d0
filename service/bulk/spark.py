"""The same run as a PySpark job, for more than one machine (``enricher bulk IN OUT --spark``).

The driver cuts each input file into pieces that start at a line, in one pass that only looks for line
ends (``pieces``): so it knows the number of each piece's first line, and no Spark job has to number
them. A ``.gz`` file is one piece (it cannot be read from the middle). Each Spark task reads its piece
with the local run's reader (``read_lines``: the same lines, limits and numbers), loads the engine once
per Python worker (``_ready``; Spark reuses its Python workers), enriches each line with
``enrich_line``, the function the local workers run, and writes the output to part files of the piece
in the output folder. Only a piece's counts and the name of its files travel back through Spark: the
enriched resources never pass through the JVM, a serializer or Spark's block store. The driver appends
the part files to the output files in input order as the pieces are done, and checkpoints after each
piece. As with any Spark job, IN and OUT must be paths that the driver and every executor see.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from service.bulk.output import ERROR_TYPE, OUTPUT_TYPES, Counts
from service.bulk.source import Position, open_binary, read_lines
from service.bulk.work import Job, enrich_line, warm_up

PIECE_BYTES = 32 << 20  # at most this much input per task: a kill loses at most one piece per core
PARTS = ".enricher-bulk-parts"
KINDS = (*OUTPUT_TYPES, ERROR_TYPE)
_SCAN = 1 << 20
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
log = logging.getLogger("enricher.bulk")
_warm: set = set()


@dataclass(frozen=True)
class Piece:
    """Lines of one input file: those that start in ``[start, end)``, numbered from ``first + 1``."""

    index: int  # its place in the run, which is also its Spark partition
    file: int
    path: str
    start: int
    end: int | None  # None: to the end of the file
    first: int
    last: int | None  # the number of the line before ``end`` (None: to the end of the file)
    after: int  # lines up to this number were done before a resume
    done_bytes: int  # the input's bytes (as stored) up to the end of the piece, for the progress bar


@dataclass(frozen=True)
class Done:
    """A piece enriched: its part files (by output type), what they hold, and where the run then is."""

    piece: Piece
    parts: dict[str, Path]
    counts: Counts
    position: Position


def enrich_files(files: list[Path], job: Job, start: Position, master: str | None, out: Path,
                 show_progress: bool = False) -> Iterator[Done]:
    """Each piece of the input from ``start`` on, enriched by Spark, in input order (Spark's own console
    progress bar shows its stages when ``show_progress``)."""
    spark, own = _session(master, show_progress)
    context = spark.sparkContext
    folder = out / PARTS
    shutil.rmtree(folder, ignore_errors=True)  # pieces of a stopped run are enriched again
    folder.mkdir(parents=True)
    job_thread = None
    try:
        work = pieces(files, start, context.defaultParallelism)
        if not work:
            return
        rdd = context.parallelize(work, len(work))
        task = rdd.mapPartitionsWithIndex(lambda index, items: _enrich_pieces(items, job, str(folder)))
        failure: list[BaseException] = []

        def submit() -> None:
            try:
                task.count()
            except BaseException as error:  # noqa: BLE001 - reported by the driver's loop below
                failure.append(error)

        started = time.monotonic()
        job_thread = threading.Thread(target=submit, name="enricher-bulk-spark", daemon=True)
        job_thread.start()
        for piece in work:
            done = _wait_for(piece, files, folder, job_thread, failure)
            yield done
            for path in done.parts.values():
                path.unlink()
            (folder / f"{piece.index:06d}.json").unlink()
        job_thread.join()
        log.info("bulk: Spark enriched %d pieces in %.1f s", len(work), time.monotonic() - started)
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        if job_thread is not None and job_thread.is_alive():
            context.cancelAllJobs()
        if own:
            spark.stop()


def pieces(files: list[Path], start: Position, parallelism: int) -> list[Piece]:
    """The pieces of the input from ``start`` on: at least one per core per file (so that every core has
    work), at most ``PIECE_BYTES`` each, in a whole number of rounds of the cores."""
    found: list[Piece] = []
    before = sum(file.stat().st_size for file in files[:start.file])
    for index in range(start.file, len(files)):
        path, size = files[index], files[index].stat().st_size
        after = start.line if index == start.file else 0
        if path.name.endswith(".gz"):
            bounds = [(0, 0)]
        else:
            count = max(1, -(-size // PIECE_BYTES))
            count = -(-count // parallelism) * parallelism
            bounds = _line_starts(path, [size * k // count for k in range(1, count)])
        ends = [offset for offset, _ in bounds[1:]] + [None]
        firsts = [lines for _, lines in bounds[1:]] + [None]
        for (offset, first), end, next_first in zip(bounds, ends, firsts):
            if next_first is not None and next_first <= after:
                continue  # done before the resume
            found.append(Piece(len(found), index, str(path.resolve()), offset, end, first, next_first, after,
                               before + (size if end is None else end)))
        before += size
    return found


def _line_starts(path: Path, targets: list[int]) -> list[tuple[int, int]]:
    """``(offset, lines before it)`` of the file's start and of the first line start at or after each
    target offset (those before the file's end, once each)."""
    bounds = [(0, 0)]
    pending = iter(targets)
    target = next(pending, None)
    lines = offset = 0
    with open(path, "rb") as handle:
        while target is not None and (chunk := handle.read(_SCAN)):
            while target is not None:
                if target <= bounds[-1][0]:
                    target = next(pending, None)
                    continue
                at = chunk.find(b"\n", max(target - 1 - offset, 0))
                if at < 0:
                    break  # the line goes on in the next chunk
                bounds.append((offset + at + 1, lines + chunk.count(b"\n", 0, at + 1)))
            lines += chunk.count(b"\n")
            offset += len(chunk)
    size = path.stat().st_size
    return [bound for bound in bounds if bound[0] < size or bound == (0, 0)]


def _wait_for(piece: Piece, files: list[Path], folder: Path, job_thread: threading.Thread,
              failure: list[BaseException]) -> Done:
    """The piece once its task has written it (a task writes its counts last)."""
    meta = folder / f"{piece.index:06d}.json"
    while not meta.exists():
        if not job_thread.is_alive() and not meta.exists():
            if failure:
                raise failure[0]
            raise RuntimeError(f"the Spark job ended without piece {piece.index}")
        time.sleep(0.05)
    data = json.loads(meta.read_text(encoding="utf-8"))
    if piece.last is not None:
        position = Position(piece.file, piece.last)
    elif piece.file + 1 < len(files):  # the file is done: the next one starts
        position = Position(piece.file + 1, 0)
    else:
        position = Position(piece.file, data["last"])
    parts = {kind: folder / name for kind, name in data["parts"].items()}
    return Done(piece, parts, Counts(**data["counts"]), position)


def _session(master: str | None, show_progress: bool = False):
    """The active Spark session (``spark-submit``, a notebook, a test), else a new one, and whether it
    is this run's own to stop."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and (master is None or active.sparkContext.master == master):
        return active, False
    # Executors on this machine (local mode) run the interpreter of this run, with its packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("enricher-bulk")
    if master:
        builder = builder.master(master)
    elif "PYSPARK_GATEWAY_PORT" not in os.environ:  # not under spark-submit, which gives the master
        builder = builder.master(master := "local[*]")
    if master and master.startswith("local"):
        # Everything on this machine: Spark's sockets stay on the loopback address. The JVM only
        # schedules tasks and passes counts (the work is in Python), so it is started with the quick
        # compiler alone and one garbage collector thread: its start-up costs less CPU.
        builder = (builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.driver.extraJavaOptions", JVM_OPTIONS))
    started = time.monotonic()
    spark = (builder.config("spark.ui.showConsoleProgress", str(show_progress).lower())
             .config("spark.python.worker.reuse", "true").getOrCreate())
    log.info("bulk: Spark session in %.1f s, default parallelism %d", time.monotonic() - started,
             spark.sparkContext.defaultParallelism)
    return spark, True


def _enrich_pieces(items, job: Job, folder: str) -> Iterator[int]:
    """A Spark task: enrich each piece into its part files, then write its counts (see the module doc)."""
    from pyspark import TaskContext

    _ready(job)
    attempt = TaskContext.get().attemptNumber() if TaskContext.get() else 0
    for piece in items:
        stem = f"{piece.index:06d}"
        names = {kind: f"{stem}.{kind}.ndjson" for kind in KINDS}
        counts = Counts()
        last = max(piece.first, piece.after)  # a resumed run: done up to there already
        handles = {kind: open(os.path.join(folder, f"{name}.{attempt}"), "wb", buffering=1 << 20)
                   for kind, name in names.items()}
        try:
            with open_binary(Path(piece.path)) as source:
                if piece.start:
                    source.seek(piece.start)
                for number, line in read_lines(source, job.max_line_bytes, piece.after, piece.first, piece.end):
                    output = enrich_line(line, piece.file, number, job)
                    for kind, data in zip(KINDS, (output.report, output.observations, output.provenance,
                                                  output.outcome)):
                        if data:
                            handles[kind].write(data)
                    counts.add(output)
                    last = number
        finally:
            for handle in handles.values():
                handle.close()
        for name in names.values():
            os.replace(os.path.join(folder, f"{name}.{attempt}"), os.path.join(folder, name))
        meta = {"parts": names, "counts": vars(counts), "last": last}
        temporary = os.path.join(folder, f"{stem}.json.{attempt}")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(meta, handle)
        os.replace(temporary, os.path.join(folder, f"{stem}.json"))
        yield piece.index


def _ready(job: Job) -> None:
    """Load the engine once per Python worker."""
    if not _warm:
        warm_up(job)
        _warm.add(True)
