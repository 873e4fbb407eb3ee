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

JSON by python-json-logger (a maintained formatter for the standard logging module). The request
line, written for every request (most of them a window's decision, answered in some 50 µs), goes
straight to that same handler's stream as the formatter would write it when nothing else listens
to `onehall.requests` (the usual case: configure's handler alone); through the logging machinery
otherwise (a test's handler, a root handler, a filter).
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import logging.handlers
import os
import re
import sys
import time
from typing import Any

import orjson
from pythonjsonlogger.json import JsonFormatter

ONEHALL = logging.getLogger("onehall")
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


class _Ids:
    """Request ids: 32 hex digits, a random half per process and a counter (unique without a
    system call per request, as uuid4 makes)."""

    def __init__(self) -> None:
        self._pid = -1
        self._prefix = ""
        self._count = itertools.count()

    def next(self) -> str:
        if self._pid != os.getpid():  # a forked worker draws its own half
            self._pid, self._prefix, self._count = os.getpid(), os.urandom(8).hex(), itertools.count()
        return f"{self._prefix}{next(self._count) & 0xFFFFFFFFFFFFFFFF:016x}"


_IDS = _Ids()
_JSON_HANDLER: logging.Handler | None = None  # configure()'s
_LINE_FIELDS = {"level": "INFO", "logger": REQUESTS.name, "message": "request"}


def _direct_handler() -> logging.Handler | None:
    """configure()'s handler when it alone would write a request line, else None."""
    h = _JSON_HANDLER
    if (
        h is None
        or REQUESTS.handlers
        or REQUESTS.filters
        or not REQUESTS.propagate
        or logging.root.handlers
        or len(ONEHALL.handlers) != 1
        or ONEHALL.handlers[0] is not h
        or ONEHALL.filters
        or logging.root.manager.disable >= logging.INFO
        or h.level > logging.INFO
    ):
        return None
    return h


def _asctime(now: float) -> str:
    """logging.Formatter.formatTime's default text (what the JSON formatter writes as `time`)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + f",{int(now % 1 * 1000):03d}"


def _write_line(h: logging.StreamHandler, fields: dict[str, Any]) -> None:
    line = orjson.dumps({"time": _asctime(time.time()), **_LINE_FIELDS, **fields}).decode() + "\n"
    h.acquire()
    try:
        if isinstance(h, logging.handlers.WatchedFileHandler):
            h.reopenIfNeeded()
        h.stream.write(line)
        h.stream.flush()
    except Exception:  # as logging does: a failed log write never fails the request
        sys.stderr.write("onehall: a request log line could not be written\n")
    finally:
        h.release()


class RequestLog:
    """WSGI middleware: a request id for every request and one JSON line when it is answered."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Any):
        given = environ.get("HTTP_X_REQUEST_ID", "")
        rid = given if given and _SANE_ID.match(given) else _IDS.next()
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
                fields = {
                    "request_id": rid,
                    "user": user,
                    "role": role,
                    "method": environ.get("REQUEST_METHOD"),
                    "path": environ.get("PATH_INFO"),
                    "status": status[0],
                    "outcome": outcome(status[0]),
                    "client": environ.get("REMOTE_ADDR"),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                }
                direct = _direct_handler()
                if direct is not None:
                    _write_line(direct, fields)  # type: ignore[arg-type]
                else:
                    REQUESTS.info("request", extra=fields)
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
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


def handler(path: str | None) -> logging.Handler:
    """JSON lines to `path` (reopened when logrotate moves it: WatchedFileHandler) or stderr."""
    h: logging.Handler = (
        logging.handlers.WatchedFileHandler(path, encoding="utf-8") if path else logging.StreamHandler(sys.stderr)
    )
    h.setFormatter(formatter())
    h.addFilter(RequestContext())
    return h


def configure(settings: Any) -> None:
    """Route every `onehall.*` logger to one JSON handler (once per process)."""
    global _JSON_HANDLER
    root = ONEHALL
    if any(getattr(h, "_onehall_json", False) for h in root.handlers):
        return
    path = getattr(settings, "log_file", None)
    h = handler(path)
    h._onehall_json = True  # type: ignore[attr-defined]
    _JSON_HANDLER = h
    root.addHandler(h)
    root.setLevel(logging.INFO)
    if path:  # the JSON lines go to the file; the operator's console keeps the scheduler's one line a pass
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
        logging.getLogger("onehall.scheduler").addHandler(console)


def logrotate_config(path: str, days: int) -> str:
    """A logrotate stanza keeping `days` daily files of the JSON log (retention, 网络安全法 第二十一条)."""
    return (
        f"{path} {{\n    daily\n    rotate {days}\n    maxage {days}\n    dateext\n    compress\n"
        f"    delaycompress\n    missingok\n    notifempty\n}}\n"
    )
