"""The runtime of the Flask app handling this request or command (application.runtime.Runtime)."""

from __future__ import annotations

from flask import current_app

from application.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["onehall"]
