"""The pieces a Spark run cuts a file into: read one after the other with the local reader, they give
the lines and line numbers of the whole file, wherever the cuts fall (no Spark needed)."""

from __future__ import annotations

import pytest

from bulk_helpers import write_ndjson
from service.bulk.source import Position, read_lines
from service.bulk.spark import pieces

MAX_LINE = 300
LINES = [b'{"a":1}', b"", b"x" * 1000, b'{"b":"' + b"y" * 250 + b'"}', b"   ", b'{"c":3}\r', b"z" * 301,
         *[b'{"n":%d}' % n for n in range(40)], b"", b"w" * 5000, b'{"end":true}']


def whole(path, after=0):
    with open(path, "rb") as handle:
        return list(read_lines(handle, MAX_LINE, after))


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
    monkeypatch.setattr("service.bulk.spark._SCAN", 256)  # line ends found across the scan's chunks
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
