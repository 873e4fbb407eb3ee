"""Logs as JSON lines, one per request and one per signed act (docs/design.md §12.5).

- `RequestLog`, the outermost WSGI layer, gives every request an id (the proxy's
  `X-Request-Id` when it sent a sane one, else a new one), answers it in `X-Request-Id`, and
  writes one line to the `onehall.requests` logger: method, path, status, outcome, client,
  duration, and the user and role the request was authenticated as (web.auth and the decision
  fast path leave the principal in the WSGI environ).
- Signed acts (every append to the signed log) are written at commit by registry.act_log to
  `onehall.acts`; `RequestContext` adds the request id, user and role of the request they
  belong to (none for the scheduler or the CLI).
- `configure(settings)` sends these lines, and every other `onehall.*` line, as JSON to
  `ONEHALL_LOG_FILE` (reopened when logrotate moves it) or to standard error. The access log
  (gunicorn's, standard output or `ONEHALL_ACCESS_LOG`) stays apart.

JSON by python-json-logger (a maintained formatter for the standard logging module).
"""
from __future__ import annotations

import contextvars
import logging
import logging.handlers
import re
import sys
import time
import uuid
from typing import Any

from pythonjsonlogger.json import JsonFormatter

REQUESTS = logging.getLogger("onehall.requests")
PRINCIPAL_KEY = "onehall.principal"
_CURRENT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("onehall_request", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def outcome(status: int) -> str:
    if status < 400:
        return "ok"
    if status in (401, 403):
        return "refused"
    if status < 500:
        return "rejected"
    return "error"


class RequestLog:
    """WSGI middleware: a request id for every request and one JSON line when it is answered."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Any):
        given = environ.get("HTTP_X_REQUEST_ID", "")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        context = {"request_id": rid}
        environ["onehall.request_id"] = rid
        token = _CURRENT.set(context)
        started = time.perf_counter()
        status = [500]

        def start(status_line: str, headers: list, exc_info: Any = None):
            status[0] = int(status_line[:3])
            headers.append(("X-Request-Id", rid))
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            principal = environ.get(PRINCIPAL_KEY)
            user = getattr(principal, "name", None)
            role = getattr(principal, "role", None)
            context.update(user=user, role=role)
            if REQUESTS.isEnabledFor(logging.INFO):
                REQUESTS.info("request", extra={
                    "request_id": rid, "user": user, "role": role, "method": environ.get("REQUEST_METHOD"),
                    "path": environ.get("PATH_INFO"), "status": status[0], "outcome": outcome(status[0]),
                    "client": environ.get("REMOTE_ADDR"),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3)})
            _CURRENT.reset(token)


def note_principal(environ: dict, principal: Any) -> None:
    """Called where a request is authenticated: the request line and the acts name the user."""
    environ[PRINCIPAL_KEY] = principal
    context = _CURRENT.get()
    if context is not None and principal is not None:
        context.update(user=getattr(principal, "name", None), role=getattr(principal, "role", None))


class RequestContext(logging.Filter):
    """Adds the current request's id, user and role to lines logged while it is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _CURRENT.get()
        if context is not None:
            for key in ("request_id", "user", "role"):
                if not hasattr(record, key):
                    setattr(record, key, context.get(key))
        return True


def formatter() -> JsonFormatter:
    return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         json_ensure_ascii=False)


def handler(path: str | None) -> logging.Handler:
    """JSON lines to `path` (reopened when logrotate moves it: WatchedFileHandler) or stderr."""
    h: logging.Handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8") if path else \
        logging.StreamHandler(sys.stderr)
    h.setFormatter(formatter())
    h.addFilter(RequestContext())
    return h


def configure(settings: Any) -> None:
    """Route every `onehall.*` logger to one JSON handler (once per process)."""
    root = logging.getLogger("onehall")
    if any(getattr(h, "_onehall_json", False) for h in root.handlers):
        return
    path = getattr(settings, "log_file", None)
    h = handler(path)
    h._onehall_json = True  # type: ignore[attr-defined]
    root.addHandler(h)
    root.setLevel(logging.INFO)
    if path:  # the JSON lines go to the file; the operator's console keeps the scheduler's one line a pass
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
        logging.getLogger("onehall.scheduler").addHandler(console)


def logrotate_config(path: str, days: int) -> str:
    """A logrotate stanza keeping `days` daily files of the JSON log (retention, 网络安全法 第二十一条)."""
    return (f"{path} {{\n    daily\n    rotate {days}\n    maxage {days}\n    dateext\n    compress\n"
            f"    delaycompress\n    missingok\n    notifempty\n}}\n")
