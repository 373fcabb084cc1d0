"""The same run as a PySpark job, for more than one machine (``enricher bulk IN OUT --spark``).

Each input file is read by Spark (``textFile``, which also reads ``.gz``) as bytes and numbered by
line (``zipWithIndex``); lines before the run's resume point are dropped. ``mapPartitions`` enriches a
partition's lines with ``enrich_line``, the function the local workers run, after loading the engine
once per Python worker (``_ready``: Spark reuses its Python workers, so once per executor core). The
enriched partitions are kept on the executors' disks, then streamed to the driver one partition at a
time in input order (``toLocalIterator``), where the run writes the same files as a local run.

Spark's line reader ends a line at ``\\n``, ``\\r\\n`` or a lone ``\\r``; the local reader only at
``\\n`` (JSON text escapes the carriage return inside strings, so only a broken line can differ).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from service.bulk.source import Position, checked_line
from service.bulk.work import Job, enrich_line, warm_up

PARTITIONS_PER_CORE = 4  # several per core, so that a slow one does not leave cores idle
log = logging.getLogger("enricher.bulk")
_warm: set = set()


def enrich_files(files: list[Path], job: Job, start: Position, master: str | None,
                 show_progress: bool = False) -> Iterator:
    """``(file, line, Output)`` for each line from ``start`` on, in input order, computed by Spark (whose
    own console progress bar shows its stages when ``show_progress``)."""
    from pyspark import StorageLevel

    spark, own = _session(master, show_progress)
    context = spark.sparkContext
    try:
        most = max(1, context.defaultParallelism * PARTITIONS_PER_CORE // max(1, len(files) - start.file))
        numbered = []
        for index in range(start.file, len(files)):
            after = start.line if index == start.file else 0
            # Partitions of a megabyte or more (each costs a task), but work for every core.
            partitions = max(context.defaultParallelism, min(most, files[index].stat().st_size >> 20))
            lines = context.textFile(str(files[index].resolve()), minPartitions=partitions, use_unicode=False)
            numbered.append(lines.zipWithIndex().map(lambda pair, index=index: (index, pair[1] + 1, pair[0]))
                            .filter(lambda item, after=after: item[1] > after))
        if not numbered:
            return
        everything = numbered[0] if len(numbered) == 1 else context.union(numbered)
        enriched = everything.mapPartitions(lambda lines: enrich_partition(lines, job))
        enriched.persist(StorageLevel.DISK_ONLY)
        started = time.monotonic()
        count = enriched.count()  # every partition at once, on every core
        log.info("bulk: Spark enriched %d lines in %d partitions in %.1f s", count, enriched.getNumPartitions(),
                 time.monotonic() - started)
        yield from enriched.toLocalIterator()
        enriched.unpersist()
    finally:
        if own:
            spark.stop()


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
        # Everything on this machine: Spark's sockets stay on the loopback address.
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    started = time.monotonic()
    spark = builder.config("spark.ui.showConsoleProgress", str(show_progress).lower()).getOrCreate()
    log.info("bulk: Spark session in %.1f s, default parallelism %d", time.monotonic() - started,
             spark.sparkContext.defaultParallelism)
    return spark, True


def enrich_partition(lines: Iterable[tuple[int, int, bytes]], job: Job) -> Iterator:
    _ready(job)
    for file, number, raw in lines:
        line = checked_line(raw, job.max_line_bytes)
        if line != b"":
            yield file, number, enrich_line(line, file, number, job)


def _ready(job: Job) -> None:
    """Load the engine once per Python worker."""
    if not _warm:
        warm_up(job)
        _warm.add(True)
