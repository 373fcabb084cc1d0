"""The pieces a run cuts its input into (Spark's, decided at the start, and the local workers', found as
the input is read): read one after the other with the local reader, they give the lines and line
numbers of the whole file, wherever the cuts fall (no Spark needed)."""

from __future__ import annotations

import pytest

from bulk_helpers import write_ndjson
from service.bulk.pieces import _lines, cut
from service.bulk.source import Position, open_binary, read_lines
from service.bulk.spark import pieces
from service.bulk.work import Job

MAX_LINE = 300
LINES = [b'{"a":1}', b"", b"x" * 1000, b'{"b":"' + b"y" * 250 + b'"}', b"   ", b'{"c":3}\r', b"z" * 301,
         *[b'{"n":%d}' % n for n in range(40)], b"", b"w" * 5000, b'{"end":true}']


def by_pieces(found, after=0):
    lines = []
    for piece in found:
        with open(piece.path, "rb") as handle:
            handle.seek(piece.start)
            lines += read_lines(handle, MAX_LINE, max(after, piece.after), piece.first, piece.end)
    return lines


@pytest.mark.parametrize("cores", [1, 2, 3, 7, 50, 400])
@pytest.mark.parametrize("ending", [b"\n", b""])
def test_pieces_read_as_the_whole_file(tmp_path, monkeypatch, cores, ending):
    monkeypatch.setattr("service.bulk.spark.PIECE_BYTES", 700)
    monkeypatch.setattr("service.bulk.pieces._SCAN", 256)  # line ends found across the scan's chunks
    path = tmp_path / "a.ndjson"
    path.write_bytes(b"\n".join(LINES) + ending)
    found = pieces([path], Position(), cores)
    assert by_pieces(found) == whole(path)
    assert [piece.start for piece in found] == sorted({piece.start for piece in found})
    for piece, after in zip(found, found[1:]):
        assert (piece.end, piece.last) == (after.start, after.first)
        assert path.read_bytes()[:after.start].count(b"\n") == after.first
        assert after.start == 0 or path.read_bytes()[after.start - 1:after.start] == b"\n"


def test_a_resumed_run_reads_only_what_is_left(tmp_path, monkeypatch):
    monkeypatch.setattr("service.bulk.spark.PIECE_BYTES", 200)
    first = write_ndjson(tmp_path / "a.ndjson", [b'{"n":%d}' % n for n in range(100)])
    second = write_ndjson(tmp_path / "b.ndjson.gz", [b'{"m":%d}' % n for n in range(10)])
    found = pieces([first, second], Position(0, 60), 2)
    assert found[0].first <= 60 < found[0].last
    assert by_pieces([piece for piece in found if piece.file == 0]) == whole(first, 60)
    assert [(piece.file, piece.start, piece.end, piece.first) for piece in found if piece.file == 1] == \
        [(1, 0, None, 0)]
    assert found[-1].done_bytes == first.stat().st_size + second.stat().st_size


def lines_of(found):
    """The lines of each file's local pieces as the workers read them (``service.bulk.pieces._lines``)."""
    job = Job(("en",), "2026-01-01T00:00:00Z", ("a",), MAX_LINE, 1000, 10, 10, 1.0)
    return {file: [line for piece in found if piece.file == file for line in _lines(piece, job)]
            for file in (0, 1)}


@pytest.mark.parametrize("piece_bytes", [1, 50, 256, 700, 100_000])
@pytest.mark.parametrize("ending", [b"\n", b""])
def test_local_pieces_read_as_the_whole_files(tmp_path, monkeypatch, piece_bytes, ending):
    monkeypatch.setattr("service.bulk.pieces._SCAN", 256)
    plain = tmp_path / "a.ndjson"
    plain.write_bytes(b"\n".join(LINES) + ending)
    packed = write_ndjson(tmp_path / "b.ndjson.gz", LINES)
    found = list(cut([plain, packed], Position(), piece_bytes, MAX_LINE))
    assert [piece.index for piece in found] == list(range(len(found)))
    assert lines_of(found) == {0: whole(plain), 1: whole(packed)}
    assert found[-1].done_bytes == plain.stat().st_size + packed.stat().st_size
    for piece, after in zip(found, found[1:]):
        if piece.file == after.file:
            assert piece.last == after.first
            if after.lines is None:
                assert (piece.end, plain.read_bytes()[:after.start].count(b"\n")) == (after.start, after.first)
    if piece_bytes <= 256:
        assert sum(piece.file == 1 for piece in found) >= 3  # a .gz file is cut too


def whole(path, after=0):
    with open_binary(path) as handle:
        return list(read_lines(handle, MAX_LINE, after))


@pytest.mark.parametrize("resume_at", [Position(0, 0), Position(0, 9), Position(0, 49), Position(1, 30),
                                       Position(1, 60)])
def test_local_pieces_from_a_resume_point(tmp_path, resume_at):
    first = write_ndjson(tmp_path / "a.ndjson", LINES)
    second = write_ndjson(tmp_path / "b.ndjson.gz", [b'{"m":%d}' % n for n in range(50)])
    found = list(cut([first, second], resume_at, 120, MAX_LINE))
    expected = {0: whole(first, resume_at.line) if resume_at.file == 0 else [],
                1: whole(second, resume_at.line if resume_at.file == 1 else 0)}
    assert lines_of(found) == expected
    assert all(piece.file >= resume_at.file for piece in found)
