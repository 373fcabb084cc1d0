"""The board of requests in flight: what a worker writes there, its master reads after the worker is gone."""

from __future__ import annotations

import os

from service.api.board import Board


def test_a_request_is_on_the_board_until_it_ends():
    board = Board(2)
    board.put("req-1", "POST", "/fhir/DiagnosticReport/$enrich")
    [entry] = board.read()
    assert (entry["request_id"], entry["method"], entry["route"]) == ("req-1", "POST", "/fhir/DiagnosticReport/$enrich")
    board.clear()
    assert board.read() == []


def test_the_master_reads_what_a_killed_child_left():
    board = Board(4)
    pid = os.fork()
    if pid == 0:  # the worker: a request starts and the process dies without any clean-up
        board.put("left-behind", "POST", "/api/v1/extract")
        os._exit(0)
    os.waitpid(pid, 0)
    assert [entry["request_id"] for entry in board.read()] == ["left-behind"]
    board.close()
