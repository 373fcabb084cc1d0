"""Run the application under gunicorn through its Python API (``enricher serve``).

The app is built once in the master (``preload_app``) so the code maps, templates and models are
loaded before the workers fork and shared between them.

Decisions:
- Workers are threaded (gunicorn's ``gthread``, ``ENRICHER_THREADS`` threads each): a slow client holds
  one thread, not a whole worker, and a thread reading a request gives up when the whole request (line,
  headers and body) has not arrived within ``ENRICHER_READ_TIMEOUT`` seconds (408). The work itself is
  CPU-bound, so the threads add no throughput; they keep ``/healthz`` and short requests answered while
  others wait on the network.
- A connection that ends is closed gracefully (half-closed, then drained for up to 2 s until the client
  closes) by the thread that served it, not by the worker's main loop, which accepts new connections: a
  client that stays open after its answer must not hold up every other connection of the worker.
- Gunicorn's own answers (a request it cannot parse, headers too large, a worker timed out) are
  ``application/problem+json`` written here; they echo nothing of the request, and their log lines hold
  the error type only. Gunicorn's access log is off: the application logs one line per request without the
  path or query (``service.api.observe``). The control socket (``gunicornc``) is disabled.
- Prometheus multiprocess files live in a directory the master owns (``PROMETHEUS_MULTIPROC_DIR``, made
  here when unset): files of an earlier run are removed before the workers start, a worker's files are
  marked dead when it exits, and the directory is removed only by the master as it exits (a worker leaving,
  for whatever reason, never removes it).
- A threaded worker's heartbeat comes from its main loop, which keeps running while a request thread is
  stuck; so a worker stops its heartbeat while any request has been in the application longer than
  ``ENRICHER_TIMEOUT``, and the master aborts it (within ``ENRICHER_TIMEOUT`` more). A worker so aborted
  logs and counts each request it was serving and answers it 503 before it dies
  (``service.api.observe.abandon_in_flight``). The engine's own budget (``ENRICHER_ENGINE_BUDGET_SECONDS``)
  ends slow reports long before this; the heartbeat is the backstop for anything else.
- A worker that dies without running its abort handler (killed after the timeout while a thread held the
  interpreter lock, or by the out-of-memory killer) leaves its requests' ids on a board in memory shared
  with the master (``service.api.board``); the master logs and counts them when it reaps the worker.
"""

from __future__ import annotations

import atexit
import gc
import ipaddress
import json
import logging
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.http import errors as http_errors
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker
from werkzeug.exceptions import RequestTimeout
from werkzeug.http import HTTP_STATUS_CODES

log = logging.getLogger("service.server")

# Gunicorn's parse errors that are not a plain 400.
_PARSE_ERROR_STATUS = (
    (http_errors.LimitRequestLine, 414),
    (http_errors.LimitRequestHeaders, 431),
    (http_errors.ExpectationFailed, 417),
    (http_errors.UnsupportedTransferCoding, 501),
    (http_errors.ForbiddenProxyRequest, 403),
    (http_errors.ConfigurationProblem, 500),
)
_DETAILS = {
    400: "The request could not be read.",
    403: "This request is not allowed.",
    408: "The request did not arrive in time.",
    414: "The request line is longer than this server accepts.",
    417: "This server cannot meet the request's expectation.",
    431: "The request's header fields are larger than this server accepts.",
    500: "The server could not process the request; the failure has been logged.",
    501: "This transfer coding is not supported.",
}


class ReadTimedOut(RequestTimeout):
    """The request did not arrive whole within the read timeout (HTTP 408)."""


class DeadlineSocket:
    """A client socket whose reads share one deadline per request: a client that trickles bytes cannot hold
    a thread longer than the read timeout. Everything else is the socket's own."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self.deadline: float | None = None
        self.expired = False

    def recv(self, size: int, *flags) -> bytes:
        if self.deadline is None:
            return self._sock.recv(size, *flags)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.expired = True
            raise ReadTimedOut()
        previous = self._sock.gettimeout()
        self._sock.settimeout(remaining)
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError:
            self.expired = True
            raise ReadTimedOut() from None
        finally:
            self._sock.settimeout(previous)

    def __getattr__(self, name):
        return getattr(self._sock, name)


_CLOSED = object()  # EnricherWorker.handle's result for a connection it has closed itself


class EnricherWorker(ThreadWorker):
    """gunicorn's threaded worker with a per-request read deadline and error answers of our own."""

    read_timeout = 10.0

    def handle(self, conn):
        if not self.cfg.is_ssl and not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock)
        if isinstance(conn.sock, DeadlineSocket):
            conn.sock.deadline = time.monotonic() + self.read_timeout
            conn.sock.expired = False
        result = super().handle(conn)
        if result:  # kept alive, or handed back to the poller to wait for its first bytes
            return result
        # gunicorn closes a finished connection gracefully (half-close, then read what the client still sends
        # until it closes, for up to 2 s) in finish_request, on the main loop that also accepts connections:
        # a client that stays open after its answer (a slow one after its 408) held every new connection of
        # this worker, /healthz included, for those 2 s. This request's own thread lingers instead.
        if isinstance(conn.sock, DeadlineSocket):
            conn.sock.deadline = None  # the linger has its own bound (an expired deadline would end it in an error)
        conn.close(graceful=True)
        return _CLOSED

    def finish_request(self, conn, fs):
        if not fs.cancelled() and fs.exception() is None and fs.result() is _CLOSED:
            self.nr_conns -= 1  # closed by its thread (handle)
            return
        super().finish_request(conn, fs)

    def handle_request(self, req, conn):
        sock = conn.sock
        try:
            keepalive = super().handle_request(req, conn)
        finally:
            if isinstance(sock, DeadlineSocket):
                sock.deadline = None  # gunicorn bounds the drain of an unread body itself
        # A request cut off by the read deadline leaves the rest of its body unread: close, do not drain.
        return keepalive and not (isinstance(sock, DeadlineSocket) and sock.expired)

    def notify(self):
        from service.api.observe import in_flight

        if overdue(in_flight(), time.perf_counter(), self.cfg.timeout):
            return  # no heartbeat: the master aborts this worker and its stuck request
        super().notify()

    def handle_error(self, req, client, addr, exc):
        """Gunicorn's error page replaced: problem+json naming the status only; the log has the error type."""
        status = error_status(exc)
        event = {"event": "bad-request" if status < 500 else "server-error", "status": status,
                 "error": type(exc).__name__}
        if status >= 500:
            event["frames"] = _frames(exc)
        log.warning(json.dumps(event))
        _count(self.wsgi, status)
        try:
            write_nonblock(client, problem_response(status))
        except Exception:  # the client is gone: nothing to answer
            pass


def overdue(requests, now: float, limit: float) -> bool:
    """Has any request been in the application longer than ``limit`` seconds (``started``: perf_counter)?"""
    return bool(limit) and any(now - request.started > limit for request in requests)


def error_status(exc: BaseException) -> int:
    if isinstance(exc, RequestTimeout):
        return 408
    if isinstance(exc, (http_errors.InvalidResponseHeader, http_errors.InvalidResponseHeaderName)):
        return 500
    for kind, status in _PARSE_ERROR_STATUS:
        if isinstance(exc, kind):
            return status
    return 400 if isinstance(exc, http_errors.ParseException) else 500


def problem_response(status: int, detail: str | None = None) -> bytes:
    """A whole HTTP/1.1 response with an RFC 9457 body that says nothing about the request."""
    title = HTTP_STATUS_CODES.get(status, "Error")
    body = json.dumps({"type": "about:blank", "title": title, "status": status,
                       "detail": detail or _DETAILS.get(status, title + ".")}).encode("utf-8")
    head = (f"HTTP/1.1 {status} {title}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def _frames(exc: BaseException) -> list[str]:
    import traceback

    return [f"{frame.filename}:{frame.lineno}:{frame.name}" for frame in traceback.extract_tb(exc.__traceback__)][-12:]


def _count(app, status: int) -> None:
    """Count an answer gunicorn gave before the application saw the request."""
    try:
        app.extensions["enricher.metrics"].requests.labels(route="<unparsed>", method="OTHER",
                                                           status=str(status)).inc()
    except Exception:  # metrics must never turn an error answer into a crash
        pass


GC_THRESHOLD = (10_000, 50, 100)  # the workers' collector (gc.set_threshold), set in the master before they fork


class EnricherServer(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from service.app import create_app

        app = create_app()
        # What start-up made (code maps, templates, the R4B models) lives as long as the process: frozen, the
        # collector no longer walks it at each full collection, and the workers' copies of its pages stay
        # shared with the master (a collection writes to every object it walks).
        gc.collect()
        gc.freeze()
        # A request makes many short-lived containers (the Bundle's dicts, findings, the page's context): at the
        # default thresholds (700, 10, 10) the collector took 0.19 ms CPU of a typical request, at these 0.07 ms
        # (measured in one process); what waits longer for a collection is a few MB at most.
        gc.set_threshold(*GC_THRESHOLD)
        return app


# --- hooks ---------------------------------------------------------------------------------------------


def _pre_fork(server, worker) -> None:
    from service.api.board import Board

    worker.board = Board(server.cfg.threads)


def _post_fork(server, worker) -> None:
    from service.api.observe import use_board

    # The worker inherits the master's exit handlers; removing the metrics directory is the master's alone.
    atexit.unregister(shutil.rmtree)
    atexit.unregister(_remove_metrics_dir)
    use_board(worker.board)


def _worker_abort(worker) -> None:
    from service.api.observe import abandon_in_flight

    abandon_in_flight(worker.wsgi)


def _child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
    timed_out = getattr(worker, "aborted", False)
    if timed_out:
        log.error(json.dumps({"event": "worker-timeout", "pid": worker.pid}))
    board = getattr(worker, "board", None)
    if board is not None:
        try:
            from service.api.observe import record_abandoned

            record_abandoned(server.app.wsgi(), board.read(), timed_out)
        finally:
            board.close()


# --- start-up checks ------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Is ``host`` reachable from this machine only? ``localhost`` and loopback addresses; any other name,
    and the wildcard addresses (``0.0.0.0``, ``::``), are not."""
    if host.strip().lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_refusal(host: str, auth_enabled: bool, insecure: bool) -> str | None:
    """Why the service must not start on ``host``: bound beyond loopback with no authentication, unless the
    operator said ``--insecure`` (or ``ENRICHER_INSECURE=1``). ``None`` when it may start."""
    if auth_enabled or insecure or is_loopback(host):
        return None
    return (f"refusing to listen on {host} without authentication: set ENRICHER_JWT_ISSUER, ENRICHER_JWT_AUDIENCE "
            "and ENRICHER_JWT_JWKS_URL (or ENRICHER_JWT_PUBLIC_KEY), or ENRICHER_API_KEY_HASHES; or, to serve "
            "without authentication behind something that provides it, pass --insecure (ENRICHER_INSECURE=1)")


# --- the metrics directory -----------------------------------------------------------------------------


def prepare_metrics_dir() -> str:
    """The master's Prometheus multiprocess directory: ``PROMETHEUS_MULTIPROC_DIR`` emptied of an earlier
    run's files, or a new temporary one removed when the master exits. Call before prometheus_client loads."""
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink(missing_ok=True)
        return str(directory)
    directory = tempfile.mkdtemp(prefix="enricher-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    atexit.register(_remove_metrics_dir, directory, os.getpid())
    return directory


def _remove_metrics_dir(directory: str, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)


def run_gunicorn(bind: str, workers: int, timeout: int, log_level: str) -> None:
    from service.config import Settings

    settings = Settings.from_environ()
    prepare_metrics_dir()
    EnricherWorker.read_timeout = settings.read_timeout_seconds
    EnricherServer({
        "bind": bind,
        "workers": workers,
        "worker_class": EnricherWorker,
        "threads": settings.threads,
        "timeout": timeout,
        "graceful_timeout": timeout,
        "keepalive": 5,
        "preload_app": True,
        "loglevel": log_level.lower(),
        "accesslog": None,
        # Should anyone turn gunicorn's access log on: the path without its query string.
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)s',
        "control_socket_disable": True,
        "pre_fork": _pre_fork,
        "post_fork": _post_fork,
        "worker_abort": _worker_abort,
        "child_exit": _child_exit,
        "proc_name": "enricher",
    }).run()
