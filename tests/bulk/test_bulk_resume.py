"""A killed run resumes where it stopped and writes the same files as a run that never stopped; a
1 GB input is read a line at a time."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from service.bulk import pieces

from bulk_helpers import TRANSACTION_TIME, corpus_reports, output_files, write_ndjson
from service.bulk import Options, run
from service.bulk.output import CHECKPOINT
from service.bulk.pieces import PARTS, cut
from service.bulk.source import Position, read_lines
from service.cli import main


def test_a_run_killed_halfway_resumes_to_the_same_files(tmp_path):
    reports = corpus_reports(120)
    folder = tmp_path / "in"
    folder.mkdir()
    write_ndjson(folder / "a.ndjson", reports[:70])
    write_ndjson(folder / "b.ndjson.gz", reports[70:])

    out = tmp_path / "killed"
    command = [sys.executable, "-m", "service.cli", "bulk", str(folder), str(out), "--workers", "2",
               "--checkpoint-seconds", "0"]
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.PIPE)
    checkpoint = out / CHECKPOINT
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if checkpoint.is_file() and _position(checkpoint) >= (0, 20):
            break
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)  # the run and its workers, at once
    process.wait()
    stopped_at = _position(checkpoint)
    assert process.returncode == -signal.SIGKILL and stopped_at < (1, 50), "the run ended before it was killed"

    summary = run(Options(str(folder), str(out), workers=2, resume=True))
    first_time = json.loads(checkpoint.read_text())["settings"]["transactionTime"]  # kept by the resumed run
    run(Options(str(folder), str(tmp_path / "whole"), workers=1, transaction_time=first_time))
    assert output_files(out) == output_files(tmp_path / "whole")
    assert summary.reports == 120 and summary.manifest["transactionTime"] == first_time


def _position(checkpoint: Path) -> tuple[int, int]:
    try:
        return tuple(json.loads(checkpoint.read_text())["position"])
    except (OSError, ValueError):
        return (-1, -1)


def test_a_worker_that_dies_stops_the_run_and_resume_finishes_it(tmp_path, monkeypatch, capsys):
    source = write_ndjson(tmp_path / "in.ndjson", corpus_reports(60))
    run(Options(str(source), str(tmp_path / "whole"), workers=1, transaction_time=TRANSACTION_TIME))
    enrich_line = pieces.enrich_line

    def dies_on_line_45(line, file, number, job):
        if number == 45:
            os._exit(3)  # as a worker killed by the system would: no exception, no result
        return enrich_line(line, file, number, job)

    monkeypatch.setattr(pieces, "enrich_line", dies_on_line_45)  # the forked workers have it too
    monkeypatch.setattr("service.bulk.local.PIECE_BYTES", 2048)
    out = tmp_path / "out"
    command = ["bulk", str(source), str(out), "--workers", "2", "--checkpoint-seconds", "0",
               "--transaction-time", TRANSACTION_TIME]
    assert main(command) == 1
    assert "--resume" in capsys.readouterr().err
    assert 0 < _position(out / CHECKPOINT)[1] < 45
    monkeypatch.setattr(pieces, "enrich_line", enrich_line)
    assert main([*command, "--resume"]) == 0
    assert output_files(out) == output_files(tmp_path / "whole")
    assert not (out / PARTS).exists()


def test_resume_rewrites_what_followed_the_last_checkpoint(tmp_path):
    source = write_ndjson(tmp_path / "in.ndjson", corpus_reports(12))
    run(Options(str(source), str(tmp_path / "whole"), workers=1, transaction_time=TRANSACTION_TIME))
    out = tmp_path / "out"
    run(Options(str(source), str(out), workers=1, transaction_time=TRANSACTION_TIME))
    # A checkpoint taken after line 5, and output that went on past it before the run died.
    state = json.loads((out / CHECKPOINT).read_text())
    whole = output_files(tmp_path / "whole")
    sizes = {kind: _length_after(tmp_path / "whole", kind, 5) for kind in state["sizes"]}
    state.update(position=[0, 5], sizes=sizes, done=False)
    (out / CHECKPOINT).write_text(json.dumps(state))
    (out / "manifest.json").unlink()
    for kind, size in sizes.items():
        (out / f"{kind}.ndjson").write_bytes(whole[f"{kind}.ndjson"][:size] + b'{"half a line')
    run(Options(str(source), str(out), workers=2, resume=True))
    assert output_files(out) == whole


def _length_after(folder: Path, kind: str, lines: int) -> int:
    """How long ``kind``'s file was once the first ``lines`` reports were written (by their ids)."""
    ids = {f"own-{number}" for number in range(lines)}
    size = 0
    for line in (folder / f"{kind}.ndjson").read_bytes().splitlines(keepends=True):
        if not any(f'"{identity}"'.encode() in line or f"/{identity}\"".encode() in line for identity in ids):
            break
        size += len(line)
    return size


def test_lines_are_read_one_at_a_time(tmp_path):
    path = tmp_path / "big.ndjson"
    with open(path, "wb") as handle:
        handle.write(b'{"line": 1}\n')
        handle.write(b'{"huge": "' + b"x" * (40 << 20) + b'"}\n')  # 40 MB on one line
        for number in range(3, 20_003):
            handle.write(b'{"line": %d}\n' % number)
    tracemalloc.start()
    with open(path, "rb") as handle:
        numbers = [(number, line is None) for number, line in read_lines(handle, 1 << 20)]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert numbers[:3] == [(1, False), (2, True), (3, False)] and numbers[-1] == (20_002, False)
    assert peak < 8 << 20, f"reading held {peak} bytes"
    # The pieces for --workers: a plain file is only scanned for line ends, a .gz file's lines are held
    # a piece at a time.
    packed = tmp_path / "big.ndjson.gz"
    with open(path, "rb") as source, gzip.open(packed, "wb", compresslevel=1) as target:
        shutil.copyfileobj(source, target)
    for name in (path, packed):
        tracemalloc.start()
        count = sum(1 for _ in cut([name], Position(), 128 << 10, 1 << 20))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert count > 2 and peak < 8 << 20, f"cutting {name.name} held {peak} bytes"
