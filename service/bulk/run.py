"""``enricher bulk IN OUT``: the whole run, on this machine's cores or on Spark.

With one worker the run reads the input's lines, enriches them and writes their output to the output
folder (``service.bulk.output``), which keeps the checkpoint a killed run resumes from. With more, or
on Spark, the input is cut into pieces that workers enrich into part files of their own
(``service.bulk.pieces``, ``service.bulk.local``, ``service.bulk.spark``), and the run appends those to
the output folder in input order. Every resource
carries the run's transaction time as its production time, so that the same input and options give the
same files whatever the number of workers, however often the run was stopped, and on Spark.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from service import __version__
from service.bulk import progress
from service.bulk.output import CHECKPOINT, OutputFolder
from service.bulk.source import Position, input_files, input_signature, open_binary, read_lines
from service.bulk.work import Job
from service.config import Settings
from service.fhir.bundle import instant
from service.terminology import canonical_base


@dataclass
class Options:
    input: str
    output: str
    languages: list[str] = field(default_factory=list)
    workers: int | None = None  # None: every core
    resume: bool = False
    transaction_time: str | None = None  # None: when the run starts (a resumed run keeps its own)
    spark: bool = False
    master: str | None = None
    checkpoint_seconds: float = 1.0
    show_progress: bool | None = None  # None: when standard error is a terminal


@dataclass
class Summary:
    reports: int
    findings: int
    errors: int
    seconds: float
    manifest: dict

    def line(self) -> str:
        rate = self.reports / self.seconds if self.seconds else 0.0
        return (f"enricher bulk: {self.reports} reports, {self.findings} findings, {self.errors} errors, "
                f"{self.seconds:.1f} s ({rate:.0f} reports/s)")


def run(options: Options, settings: Settings | None = None) -> Summary:
    """Carry out a bulk run (see the module doc); raises ``FileNotFoundError`` and ``ResumeError``."""
    from service.languages import resolve_languages

    started = time.monotonic()
    settings = settings or Settings.from_environ()
    files = input_files(options.input)
    languages = resolve_languages(options.languages, None, settings.default_language)
    transaction_time = options.transaction_time or _resumed_time(options) or instant(datetime.now(timezone.utc))
    job = Job(languages=tuple(languages), transaction_time=transaction_time,
              file_names=tuple(file.name for file in files), max_line_bytes=settings.max_body_bytes,
              max_text_bytes=settings.max_text_bytes, max_observations=settings.max_observations,
              max_evidence_spans=settings.max_evidence_spans, engine_budget_seconds=settings.engine_budget_seconds)
    run_settings = {"input": input_signature(files), "languages": languages, "transactionTime": transaction_time,
                    "limits": [job.max_line_bytes, job.max_text_bytes, job.max_observations,
                               job.max_evidence_spans]}
    folder = OutputFolder(options.output, run_settings, options.resume, options.checkpoint_seconds)
    try:
        if not folder.checkpoint.done:
            _enrich_into(folder, files, job, options)
        seconds = time.monotonic() - started
        counts = folder.counts
        extension = {f"{canonical_base()}/bulk-run": {
            "engineVersion": __version__, "languages": languages, "reports": counts.reports,
            "findings": counts.findings, "errors": counts.errors, "seconds": round(seconds, 3)}}
        request = f"enricher bulk {options.input}" + "".join(f" --language {code}" for code in languages)
        manifest = folder.finish(request, transaction_time, extension)
    finally:
        folder.close()
    return Summary(counts.reports, counts.findings, counts.errors, seconds, manifest)


def _enrich_into(folder: OutputFolder, files: list[Path], job: Job, options: Options) -> None:
    start = folder.position
    reader = _Reader(files, start, job.max_line_bytes)
    shown = options.show_progress if options.show_progress is not None else sys.stderr.isatty()
    workers = options.workers or os.cpu_count() or 1
    if options.spark or workers > 1:
        if options.spark:
            from service.bulk.spark import enrich_files

            pieces = enrich_files(files, job, start, options.master, folder.folder, shown)
        else:
            from service.bulk.local import enrich_files

            pieces = enrich_files(files, job, start, workers, folder.folder)
        with progress.bar(shown, total_bytes=reader.total, done_bytes=reader.consumed()) as bar:
            for done in pieces:
                folder.append(done.parts, done.counts, done.position)
                bar.advance(done.piece.done_bytes, folder.counts.reports + folder.counts.errors)
        return
    from service.bulk.local import enrich_lines

    with progress.bar(shown, total_bytes=reader.total, done_bytes=reader.consumed()) as bar:
        for file, number, output in enrich_lines(reader.lines(), job):
            folder.write(file, number, output)
            bar.advance(reader.consumed(), folder.counts.reports + folder.counts.errors)
        bar.advance(reader.total, folder.counts.reports + folder.counts.errors)


class _Reader:
    """The input's lines from ``start`` on, and how many bytes of the files (as stored) are read."""

    def __init__(self, files: list[Path], start: Position, max_line_bytes: int):
        self.files = files
        self.start = start
        self.max_line_bytes = max_line_bytes
        self.total = sum(file.stat().st_size for file in files)
        self._before = sum(file.stat().st_size for file in files[:start.file])
        self._handle = None

    def lines(self) -> Iterator[tuple[int, int, bytes | None]]:
        for index in range(self.start.file, len(self.files)):
            after = self.start.line if index == self.start.file else 0
            with open_binary(self.files[index]) as handle:
                self._handle = handle
                for number, line in read_lines(handle, self.max_line_bytes, after):
                    yield index, number, line
            self._handle = None
            self._before += self.files[index].stat().st_size

    def consumed(self) -> int:
        handle = self._handle
        if handle is None:
            return self._before
        raw = getattr(handle, "fileobj", handle)  # a gzip file: its position in the compressed bytes
        try:
            return self._before + raw.tell()
        except (ValueError, OSError):
            return self._before


def _resumed_time(options: Options) -> str | None:
    import json

    path = Path(options.output) / CHECKPOINT
    if not options.resume or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["settings"].get("transactionTime")
