"""`onehall serve`: gunicorn with several workers; each keeps its own decision index (§9)."""

from __future__ import annotations

import gc

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from web import jsonlog
        from web.app import create_app

        app = create_app()
        jsonlog.configure(app.extensions["onehall"].settings)
        return app


def _ready_worker(worker) -> None:
    """Build the worker's decision index before it takes requests, then freeze the heap.

    The engine, the pack and the libraries are a large heap of long-lived objects; after
    gc.freeze() the cyclic collector no longer walks them on every full collection, which
    the objects of each request (and the decision-log queue) would otherwise trigger."""
    app = worker.wsgi
    runtime = getattr(app, "extensions", {}).get("onehall")
    if runtime is not None:
        try:
            runtime.policy
        except Exception as exc:  # e.g. no active pack yet: the first question reports it
            worker.log.warning("decision index not built at start: %s", exc)
    gc.freeze()


def _close_worker(server, worker) -> None:
    """A worker that stops (restart, Ctrl-C, SIGTERM) writes the decisions it has answered but not
    yet logged: the decision writer is a daemon thread, and the interpreter's exit would drop its
    last batch (up to DECISION_FLUSH_S of answers) without this."""
    runtime = getattr(worker.wsgi, "extensions", {}).get("onehall")
    if runtime is not None:
        runtime.close()


def _say_where(host: str, port: int):
    """One readable line once the server listens (gunicorn's own start-up lines are warnings-only)."""

    def when_ready(server) -> None:
        shown, bound = ("127.0.0.1" if host in ("0.0.0.0", "::") else host), port
        try:
            bound = server.LISTENERS[0].sock.getsockname()[1]  # the real port when 0 was asked
        except (AttributeError, IndexError, OSError):
            pass
        print(f"onehall 已启动：请用浏览器打开 http://{shown}:{bound}/ （按 Ctrl-C 停止）", flush=True)

    return when_ready


def serve(host: str, port: int, workers: int, access_log: str | None = None) -> None:
    """gunicorn's access log (standard output or ONEHALL_ACCESS_LOG) apart from the JSON lines."""
    _Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "accesslog": access_log or "-",
            "loglevel": "warning",
            "timeout": 60,
            "control_socket_disable": True,
            "when_ready": _say_where(host, port),
            "post_worker_init": _ready_worker,
            "worker_exit": _close_worker,
        }
    ).run()
