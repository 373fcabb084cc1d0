"""The same run as a PySpark job, for more than one machine (``enricher bulk IN OUT --spark``).

The driver cuts each input file into pieces that start at a line, in one pass that only looks for line
ends (``pieces``): so it knows the number of each piece's first line, and no Spark job has to number
them. A ``.gz`` file is one piece (it cannot be read from the middle). Each Spark task loads the engine
once per Python worker (``_ready``; Spark reuses its Python workers, so once per executor core) and
enriches its pieces into part files in the output folder with ``enrich_piece``, the function the local
workers run (``service.bulk.pieces``). Only a piece's counts and the name of its files travel back through Spark: the
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
from pathlib import Path

from service.bulk.pieces import PARTS, Done, Piece, enrich_piece, finished, line_starts
from service.bulk.source import Position
from service.bulk.work import Job, warm_up

PIECE_BYTES = 32 << 20  # at most this much input per task: a kill loses at most one piece per core
ROUNDS = 4
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
log = logging.getLogger("enricher.bulk")
_warm: set = set()


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
        loads = 0
        for piece in work:
            result = _wait_for(piece, folder, job_thread, failure)
            loads += result.get("loaded", False)
            done = finished(piece, result, folder, len(files))
            yield done
            for path in done.parts.values():
                path.unlink()
            (folder / f"{piece.index:06d}.json").unlink()
        job_thread.join()
        # Once per Python worker, not per piece: at most the executors' cores (Spark may start a
        # worker again, e.g. after one failed).
        log.info("bulk: Spark enriched %d pieces in %.1f s, loading the engine %d times", len(work),
                 time.monotonic() - started, loads)
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        if job_thread is not None and job_thread.is_alive():
            context.cancelAllJobs()
        if own:
            spark.stop()


def pieces(files: list[Path], start: Position, parallelism: int) -> list[Piece]:
    """The pieces of the input from ``start`` on: at least ``ROUNDS`` per core per file (so that every
    core has work, and a core that falls behind, on a shared machine or a slower executor, leaves the
    others less to wait for at the end), at most ``PIECE_BYTES`` each, in a whole number of rounds of the
    cores."""
    found: list[Piece] = []
    before = sum(file.stat().st_size for file in files[:start.file])
    for index in range(start.file, len(files)):
        path, size = files[index], files[index].stat().st_size
        after = start.line if index == start.file else 0
        if path.name.endswith(".gz"):
            bounds = [(0, 0)]
        else:
            count = max(ROUNDS * parallelism, -(-size // PIECE_BYTES))
            count = -(-count // parallelism) * parallelism
            with open(path, "rb") as handle:
                bounds = list(line_starts(handle, iter([size * k // count for k in range(1, count)]), size))
        ends = [offset for offset, _ in bounds[1:]] + [None]
        firsts = [lines for _, lines in bounds[1:]] + [None]
        for (offset, first), end, next_first in zip(bounds, ends, firsts):
            if next_first is not None and next_first <= after:
                continue  # done before the resume
            found.append(Piece(len(found), index, str(path.resolve()), offset, end, first, next_first, after,
                               before + (size if end is None else end)))
        before += size
    return found


def _wait_for(piece: Piece, folder: Path, job_thread: threading.Thread, failure: list[BaseException]) -> dict:
    """What the piece's task wrote about it, once it has (a task writes this last)."""
    meta = folder / f"{piece.index:06d}.json"
    while not meta.exists():
        if not job_thread.is_alive() and not meta.exists():
            if failure:
                raise failure[0]
            raise RuntimeError(f"the Spark job ended without piece {piece.index}")
        time.sleep(0.05)
    return json.loads(meta.read_text(encoding="utf-8"))


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
    """A Spark task: enrich each piece into its part files, then write its counts, and whether this task
    loaded the engine (see the module doc)."""
    from pyspark import TaskContext

    loaded = _ready(job)
    attempt = TaskContext.get().attemptNumber() if TaskContext.get() else 0
    for piece in items:
        result = enrich_piece(piece, job, folder, attempt)
        result["loaded"], loaded = loaded, False
        stem = f"{piece.index:06d}"
        temporary = os.path.join(folder, f"{stem}.json.{attempt}")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(result, handle)
        os.replace(temporary, os.path.join(folder, f"{stem}.json"))
        yield piece.index


def _ready(job: Job) -> bool:
    """Load the engine once per Python worker; whether this call loaded it."""
    if _warm:
        return False
    warm_up(job)
    _warm.add(True)
    return True
