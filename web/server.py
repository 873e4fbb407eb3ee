"""`onehall serve`: gunicorn with several workers; each keeps its own decision index (§9)."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from web.app import create_app
        return create_app()


def serve(host: str, port: int, workers: int) -> None:
    _Server({"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread", "threads": 4,
             "accesslog": "-", "timeout": 60, "control_socket_disable": True}).run()
