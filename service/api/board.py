"""The requests a worker is serving, in memory its gunicorn master can read after the worker is gone.

A worker can die without a word: the master's SIGKILL after a timeout the worker could not answer (a
thread holding the interpreter lock in one long regular-expression match never lets the abort handler
run), or the kernel's out-of-memory killer. The master makes one ``Board`` per worker before forking it
(an anonymous shared ``mmap``, one fixed slot per thread); the worker writes each request's id, method
and route into its thread's slot when the request starts and clears it when it ends (plain memory writes,
no system call); the master reads what is left when the worker exits, and logs and counts those requests.
Ids, methods and routes only: nothing of a request's content.
"""

from __future__ import annotations

import json
import mmap
import threading
import time

SLOT_BYTES = 512


class Board:
    def __init__(self, slots: int):
        self.slots = max(1, slots)
        self.memory = mmap.mmap(-1, self.slots * SLOT_BYTES)
        self._by_thread: dict[int, int] = {}
        self._lock = threading.Lock()

    def _slot(self) -> int | None:
        ident = threading.get_ident()
        slot = self._by_thread.get(ident)
        if slot is None:
            with self._lock:
                slot = self._by_thread.setdefault(ident, len(self._by_thread))
        return slot if slot < self.slots else None

    def put(self, request_id: str, method: str, route: str) -> None:
        slot = self._slot()
        if slot is None:
            return
        record = json.dumps([request_id, method, route, time.time()]).encode("utf-8")[:SLOT_BYTES - 1]
        start = slot * SLOT_BYTES
        self.memory[start:start + SLOT_BYTES] = record.ljust(SLOT_BYTES, b"\0")

    def clear(self) -> None:
        slot = self._slot()
        if slot is not None:
            self.memory[slot * SLOT_BYTES] = 0

    def clear_all(self) -> None:
        for slot in range(self.slots):
            self.memory[slot * SLOT_BYTES] = 0

    def read(self) -> list[dict]:
        """The requests still on the board: ``request_id``, ``method``, ``route``, ``seconds`` in flight."""
        now = time.time()
        found = []
        for slot in range(self.slots):
            raw = self.memory[slot * SLOT_BYTES:(slot + 1) * SLOT_BYTES].split(b"\0", 1)[0]
            if not raw:
                continue
            try:
                request_id, method, route, started = json.loads(raw)
            except (ValueError, TypeError):
                continue
            found.append({"request_id": request_id, "method": method, "route": route,
                          "seconds": round(now - started, 3)})
        return found

    def close(self) -> None:
        self.memory.close()
