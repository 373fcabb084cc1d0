"""The output folder of a bulk run: four NDJSON files, a checkpoint, and the manifest at the end.

Lines are appended in input order. Every ``checkpoint_seconds`` the files are flushed to disk and the
checkpoint (``.enricher-bulk.json``: the input's names and sizes, the options, how far the run got and
how long each file was then) is replaced atomically. A resumed run cuts each file back to its length at
the last checkpoint and goes on from the line after it, so a run killed at any moment and resumed writes
the same bytes as a run that was never stopped.

The manifest (``manifest.json``) has the shape of a FHIR Bulk Data status response (``transactionTime``,
``request``, ``requiresAccessToken``, ``output`` and ``error`` with a ``type``, ``url`` and ``count`` per
file), so the folder can be handed to a server's ``$import`` or a data lake loader as an export would be.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from service.bulk.source import Position
from service.bulk.work import Output

OUTPUT_TYPES = ("DiagnosticReport", "Observation", "Provenance")
ERROR_TYPE = "OperationOutcome"
CHECKPOINT = ".enricher-bulk.json"
MANIFEST = "manifest.json"


class ResumeError(Exception):
    """The output folder cannot be written or resumed as asked (the message says why)."""


@dataclass
class Counts:
    reports: int = 0  # lines enriched
    findings: int = 0  # Observations written
    provenances: int = 0  # reports with findings
    errors: int = 0  # lines refused (OperationOutcomes)

    def add(self, output: Output) -> None:
        if output.outcome:
            self.errors += 1
        else:
            self.reports += 1
            self.findings += output.findings
            self.provenances += bool(output.provenance)


@dataclass
class Checkpoint:
    settings: dict  # input signature and options: a resumed run must match them
    position: Position = field(default_factory=Position)
    sizes: dict = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)
    done: bool = False

    def to_json(self) -> dict:
        return {"settings": self.settings, "position": [self.position.file, self.position.line],
                "sizes": self.sizes, "counts": vars(self.counts), "done": self.done}

    @classmethod
    def from_json(cls, data: dict) -> Checkpoint:
        return cls(data["settings"], Position(*data["position"]), data["sizes"], Counts(**data["counts"]),
                   data["done"])


def _file_name(resource_type: str) -> str:
    return f"{resource_type}.ndjson"


class OutputFolder:
    """Writes a run's output files in order, with checkpoints (see the module doc)."""

    def __init__(self, folder: str | Path, settings: dict, resume: bool, checkpoint_seconds: float = 1.0):
        self.folder = Path(folder)
        self.checkpoint_seconds = checkpoint_seconds
        self.checkpoint = self._start(settings, resume)
        self._handles = {}
        for kind in (*OUTPUT_TYPES, ERROR_TYPE):
            path = self.folder / _file_name(kind)
            size = self.checkpoint.sizes.get(kind, 0)
            self._handles[kind] = handle = open(path, "r+b" if size else "wb")
            handle.truncate(size)  # what was written after the last checkpoint is written again
            handle.seek(size)
        self._last = time.monotonic()

    def _start(self, settings: dict, resume: bool) -> Checkpoint:
        path = self.folder / CHECKPOINT
        if resume and path.is_file():
            checkpoint = Checkpoint.from_json(json.loads(path.read_text(encoding="utf-8")))
            if checkpoint.settings != settings:
                raise ResumeError(f"{self.folder} holds a run of other input or options; resume it with those, "
                                  "or write to an empty folder")
            for kind in (*OUTPUT_TYPES, ERROR_TYPE):
                path = self.folder / _file_name(kind)
                if (path.stat().st_size if path.exists() else 0) < checkpoint.sizes.get(kind, 0):
                    raise ResumeError(f"{_file_name(kind)} is shorter than at the last checkpoint; start again "
                                      "in an empty folder")
            return checkpoint
        self.folder.mkdir(parents=True, exist_ok=True)
        taken = [name for name in (CHECKPOINT, MANIFEST, *map(_file_name, (*OUTPUT_TYPES, ERROR_TYPE)))
                 if (self.folder / name).exists()]
        if taken:
            raise ResumeError(f"{self.folder} already holds a run's files ({', '.join(taken)}); "
                              "use --resume to go on with it, or an empty folder")
        return Checkpoint(settings)

    @property
    def position(self) -> Position:
        return self.checkpoint.position

    @property
    def counts(self) -> Counts:
        return self.checkpoint.counts

    def write(self, file: int, number: int, output: Output) -> None:
        for kind, data in (("DiagnosticReport", output.report), ("Observation", output.observations),
                           ("Provenance", output.provenance), (ERROR_TYPE, output.outcome)):
            if data:
                self._handles[kind].write(data)
        self.checkpoint.counts.add(output)
        self.checkpoint.position = Position(file, number)
        if time.monotonic() - self._last >= self.checkpoint_seconds:
            self.save()

    def append(self, parts: dict[str, Path], counts: Counts, position: Position) -> None:
        """Append the files of many lines at once (a piece's part files, by output type)."""
        for kind, path in parts.items():
            _append_file(path, self._handles[kind])
        total = self.checkpoint.counts
        for name, value in vars(counts).items():
            setattr(total, name, getattr(total, name) + value)
        self.checkpoint.position = position
        if time.monotonic() - self._last >= self.checkpoint_seconds:
            self.save()

    def save(self) -> None:
        """Flush the files to disk, then record how far they go."""
        for handle in self._handles.values():
            handle.flush()
            os.fsync(handle.fileno())
        self.checkpoint.sizes = {kind: handle.tell() for kind, handle in self._handles.items()}
        _replace(self.folder / CHECKPOINT, json.dumps(self.checkpoint.to_json(), indent=1).encode("utf-8"))
        self._last = time.monotonic()

    def finish(self, request: str, transaction_time: str, extension: dict) -> dict:
        """Mark the run done and write the manifest (returned)."""
        self.checkpoint.done = True
        self.save()
        for handle in self._handles.values():
            handle.close()
        manifest = self.manifest(request, transaction_time, extension)
        _replace(self.folder / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode("utf-8"))
        return manifest

    def close(self) -> None:
        for handle in self._handles.values():
            if not handle.closed:
                handle.close()

    def manifest(self, request: str, transaction_time: str, extension: dict) -> dict:
        counts = self.checkpoint.counts
        by_type = {"DiagnosticReport": counts.reports, "Observation": counts.findings,
                   "Provenance": counts.provenances, ERROR_TYPE: counts.errors}

        def item(kind: str) -> dict:
            url = (self.folder / _file_name(kind)).resolve().as_uri()
            return {"type": kind, "url": url, "count": by_type[kind]}

        return {
            "transactionTime": transaction_time,
            "request": request,
            "requiresAccessToken": False,
            "output": [item(kind) for kind in OUTPUT_TYPES if by_type[kind]],
            "error": [item(ERROR_TYPE)] if by_type[ERROR_TYPE] else [],
            "extension": extension,
        }


def _append_file(path: Path, handle) -> None:
    """Append the file at ``path`` to the open file ``handle``: a copy inside the kernel where the system
    has one (``copy_file_range``), so the bytes never pass through this process."""
    handle.flush()
    at = handle.tell()
    with open(path, "rb") as part:
        size = os.fstat(part.fileno()).st_size
        copied = 0
        try:
            while copied < size:
                step = os.copy_file_range(part.fileno(), handle.fileno(), size - copied, copied, at + copied)
                if step == 0:
                    break
                copied += step
        except (AttributeError, OSError):  # no such call, or not between these file systems
            pass
        if copied < size:
            part.seek(copied)
            handle.seek(at + copied)
            shutil.copyfileobj(part, handle, 1 << 20)
            return
    handle.seek(at + copied)  # where the next write goes (the handle's own position did not move)


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, temporary.with_name(path.name))
