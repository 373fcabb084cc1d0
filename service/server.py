"""Run the application under gunicorn through its Python API (``enricher serve``).

The app is built once in the master (``preload_app``) so the code maps, templates and models are
loaded before the workers fork and shared between them. Gunicorn's own access log is off: the
application logs one line per request without the path or query (see ``service.api.observe``).
"""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication


class EnricherServer(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from service.app import create_app

        return create_app()


def _child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def run_gunicorn(bind: str, workers: int, timeout: int, log_level: str) -> None:
    EnricherServer({
        "bind": bind,
        "workers": workers,
        "worker_class": "sync",
        "timeout": timeout,
        "graceful_timeout": timeout,
        "preload_app": True,
        "loglevel": log_level.lower(),
        "accesslog": None,
        "child_exit": _child_exit,
        "proc_name": "enricher",
    }).run()
