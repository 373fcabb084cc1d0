"""The real server (``enricher serve``: gunicorn, two threaded workers) under the abuse of issue 11: workers
killed mid-request, slow clients, requests gunicorn itself refuses. One server for the module; each test
is bounded to a few seconds."""

from __future__ import annotations

import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPORT_PATH = Path(__file__).resolve().parents[1] / "api" / "data" / "lumbar-mri-report.json"
ENRICH = "/fhir/DiagnosticReport/$enrich"
READ_TIMEOUT = 2.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log: Path):
        self.process, self.port, self.log = process, port, log

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 30) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            connection.close()

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.request("GET", "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(self.log.read_text(errors="replace")[-3000:])
            time.sleep(0.2)

    def wait_workers(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.workers()) < count:
            assert time.monotonic() < deadline, "the master did not replace its workers"
            time.sleep(0.1)

    def raw(self, data: bytes, timeout: float = 10) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as conn:
            conn.sendall(data)
            return read_all(conn)


def read_all(conn: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    except (ConnectionResetError, TimeoutError):
        pass
    return b"".join(chunks)


def start_server(log: Path, **settings: str) -> Server:
    port = free_port()
    env = {**os.environ, "ENRICHER_LOG_LEVEL": "INFO", **settings}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port),
                                    "--workers", "2"], env=env, stdout=sink, stderr=subprocess.STDOUT)
    running = Server(process, port, log)
    try:
        running.wait_healthy()
        running.wait_workers(2)
    except BaseException:
        stop_server(running)
        raise
    return running


def stop_server(running: Server) -> None:
    running.process.terminate()
    try:
        running.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("server") / "server.log",
                           ENRICHER_READ_TIMEOUT=str(READ_TIMEOUT), ENRICHER_THREADS="8")
    try:
        yield running
    finally:
        stop_server(running)


def slow_request(port: int, head: bytes, body: bytes = b"") -> socket.socket:
    """A connection that has sent ``head`` and will get ``body`` one byte at a time from ``trickle``."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(head)
    return conn


SLOW_BODY_HEAD = (b"POST " + ENRICH.encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
                  b"Content-Type: application/fhir+json\r\nContent-Length: 1000\r\n\r\n")


def test_four_one_byte_a_second_clients_do_not_starve_healthz(server):
    """Four clients send a byte a second (two from the request line on, two in the body) until the read
    timeout answers them 408; the server then lingers on each closing connection (draining what the client
    may still send, up to 2 s) before it closes it. ``/healthz`` is probed several times a second through all
    of it, the lingering included (it once ran in the worker's main loop, which also accepts connections)."""
    clients = [slow_request(server.port, SLOW_BODY_HEAD) for _ in range(2)]
    clients += [slow_request(server.port, b"P") for _ in range(2)]  # slow from the request line on
    body_senders = clients[:2]
    answered: list[socket.socket] = []
    latencies = []
    started = time.monotonic()
    linger = 2.0  # gunicorn.util.close_graceful's
    tick = 0
    while time.monotonic() < started + READ_TIMEOUT + linger + 1.0:
        if time.monotonic() >= started + tick:
            for conn in clients:
                if conn in answered:
                    continue
                if select.select([conn], [], [], 0)[0]:  # the answer is there: stop sending, keep it open
                    answered.append(conn)
                else:
                    conn.sendall(b"O" if conn not in body_senders else b"{" if tick == 0 else b" ")
            tick += 1
        before = time.monotonic()
        assert server.request("GET", "/healthz", timeout=5)[0] == 200
        latencies.append(time.monotonic() - before)
        time.sleep(0.2)
    assert max(latencies) < 1.0, [round(latency, 2) for latency in latencies]
    assert len(answered) == len(clients)
    # The read timeout ends each slow request with a 408 that echoes nothing.
    for conn in clients:
        answer = read_all(conn)
        conn.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"problem+json" in answer or b"OperationOutcome" in answer
    assert server.request("GET", "/healthz", timeout=5)[0] == 200


def test_killing_every_worker_mid_request_poisons_nothing(server, report_bytes=REPORT_PATH.read_bytes()):
    in_flight = [slow_request(server.port, SLOW_BODY_HEAD.replace(
        b"Host: localhost\r\n", b"Host: localhost\r\nX-Request-ID: killed-%d\r\n" % number) + b"{")
        for number in range(2)]
    time.sleep(0.5)  # the requests are in the application, reading their bodies
    killed = server.workers()
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    for conn in in_flight:
        read_all(conn)  # cut off: no answer
        conn.close()
    server.wait_healthy(timeout=30)
    statuses = [server.request("POST", ENRICH, report_bytes, {"Content-Type": "application/fhir+json"})[0]
                for _ in range(100)]
    assert statuses == [200] * 100
    assert not set(killed) & set(server.workers())
    status, _, metrics = server.request("GET", "/metrics")
    assert status == 200 and b"enricher_http_requests_total" in metrics
    assert server.request("GET", "/healthz")[0] == 200
    log = server.log.read_text(errors="replace")
    assert "FileNotFoundError" not in log
    # The master logged the requests the killed workers were serving, by id only.
    abandoned = [json.loads(line) for line in log.splitlines() if '"request-abandoned"' in line]
    assert {"killed-0", "killed-1"} <= {entry["request_id"] for entry in abandoned}
    assert all(entry["route"] == ENRICH for entry in abandoned)


def test_an_aborted_worker_answers_logs_and_counts_its_requests(server):
    """What gunicorn does to a worker past its timeout (SIGABRT), done by hand."""
    head = SLOW_BODY_HEAD.replace(b"Host: localhost\r\n", b"Host: localhost\r\nX-Request-ID: abandoned-1\r\n")
    conn = slow_request(server.port, head + b"{")
    time.sleep(0.3)
    for pid in server.workers():
        os.kill(pid, signal.SIGABRT)
    answer = read_all(conn)
    conn.close()
    assert answer.startswith(b"HTTP/1.1 503"), answer[:200]
    assert b"X-Request-ID: abandoned-1" in answer and b'"code":"timeout"' in answer
    server.wait_healthy(timeout=30)
    server.wait_workers(2)
    log = server.log.read_text(errors="replace")
    line = next(line for line in log.splitlines() if '"request-timeout"' in line and "abandoned-1" in line)
    assert json.loads(line)["route"] == ENRICH
    metrics = server.request("GET", "/metrics")[2].decode()
    assert any(line.startswith("enricher_http_request_timeouts_total{") and not line.endswith(" 0.0")
               for line in metrics.splitlines())


def test_a_request_past_the_worker_timeout_is_answered_logged_and_counted(tmp_path):
    """A request still in the application after ENRICHER_TIMEOUT (here: a body trickling in, with a read
    timeout longer than the worker timeout) stops its worker's heartbeat; the master aborts the worker."""
    running = start_server(tmp_path / "server.log", ENRICHER_TIMEOUT="2", ENRICHER_ENGINE_BUDGET_SECONDS="1",
                           ENRICHER_READ_TIMEOUT="20")
    try:
        head = SLOW_BODY_HEAD.replace(b"Host: localhost\r\n", b"Host: localhost\r\nX-Request-ID: overdue-1\r\n")
        conn = slow_request(running.port, head + b"{")
        started = time.monotonic()
        answer = read_all(conn)
        conn.close()
        assert answer.startswith(b"HTTP/1.1 503"), answer[:200]
        assert time.monotonic() - started < 10
        running.wait_healthy(timeout=30)
        running.wait_workers(2)
        assert [running.request("GET", "/healthz")[0] for _ in range(20)] == [200] * 20
        log = running.log.read_text(errors="replace")
        assert any('"request-timeout"' in line and "overdue-1" in line for line in log.splitlines())
        assert "WORKER TIMEOUT" in log
    finally:
        stop_server(running)


@pytest.mark.parametrize("raw, status", [
    (b"GET /secret-name?patient=Jane+Roe HTTP/1.1\x00\r\nHost: x\r\n\r\n", 400),
    (b"GET /" + b"jane-roe" * 1000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Patient: " + b"Jane Roe " * 1200 + b"\r\n\r\n", 431),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-Jane-Roe-%d: 1\r\n" % i for i in range(120)) + b"\r\n",
     431),
])
def test_gunicorn_refusals_are_problem_json_and_echo_nothing(server, raw, status):
    answer = server.raw(raw)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d" % status), head
    assert b"application/problem+json" in head
    problem = json.loads(body)
    assert problem["status"] == status
    lowered = answer.lower()
    assert b"jane" not in lowered and b"secret" not in lowered and b"patient" not in lowered
    log = server.log.read_text(errors="replace").lower()
    assert "jane" not in log and "secret-name" not in log


def test_no_query_string_in_the_logs(server):
    assert server.request("GET", "/healthz?patient=Jane-Roe")[0] == 200
    assert server.request("GET", "/no-such-page?patient=Jane-Roe")[0] == 404
    assert "Jane-Roe" not in server.log.read_text(errors="replace")


def test_the_master_listens_on_no_control_socket(server):
    inodes = set()
    for fd in Path(f"/proc/{server.process.pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    unix = [line.split() for line in Path("/proc/net/unix").read_text().splitlines()[1:]]
    paths = [fields[7] for fields in unix if len(fields) > 7 and fields[6] in inodes]
    assert not [path for path in paths if "gunicorn" in path or path.endswith(".ctl")], paths
