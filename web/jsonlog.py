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
straight to that same handler as the formatter would write it when nothing else listens to
`onehall.requests` (the usual case: configure's handler alone); through the logging machinery
otherwise (a test's handler, a root handler, a filter). Straight lines are queued on the handler
and written together, at most FLUSH_S later, by one thread per process: before any other line
the handler writes, and at exit (a request thread pays neither the write nor the flush).
"""

from __future__ import annotations

import atexit
import collections
import contextvars
import itertools
import logging
import logging.handlers
import os
import re
import sys
import threading
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
        self.draw()
        os.register_at_fork(after_in_child=self.draw)  # a forked worker draws its own half

    def draw(self) -> None:
        self._prefix, self._count = os.urandom(8).hex(), itertools.count()

    def next(self) -> str:
        return f"{self._prefix}{next(self._count) & 0xFFFFFFFFFFFFFFFF:016x}"


_IDS = _Ids()
FLUSH_S = 0.05  # the longest a request line waits in its handler's queue
_JSON_HANDLER: logging.Handler | None = None  # configure()'s
_LINE_FIELDS = {"level": "INFO", "logger": REQUESTS.name, "message": "request"}


def _direct_handler() -> _Queued | None:
    """configure()'s handler when it alone would write a request line, else None."""
    h = _JSON_HANDLER
    if (
        h is None
        or not isinstance(h, _Queued)
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


_SECOND: tuple[int, str] = (-1, "")  # (whole second, its line head): strftime once a second
_MILLIS = tuple(f",{ms:03d}" for ms in range(1000))
# What follows the time in a straight request line: the fields the JSON formatter writes before the
# record's own (level, logger, message), as orjson writes them, then the record's fields.
_AFTER_TIME = '",' + orjson.dumps(_LINE_FIELDS).decode()[1:-1] + ","


def _line_head(now: float) -> str:
    """'{"time":"' and the time as logging.Formatter.formatTime writes it by default (the JSON
    formatter's `time`): the second's text made once a second, the milliseconds from a table
    (the request line is written for every request)."""
    global _SECOND
    second, head = _SECOND
    whole = int(now)
    if whole != second:
        head = '{"time":"' + time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        _SECOND = (whole, head)
    return head + _MILLIS[int((now - whole) * 1000)]


class _Queued:
    """A handler that also writes request lines queued by RequestLog (`queue`), in order: before
    each line it emits itself, on flush, by the flusher thread and at exit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue: collections.deque[str] = collections.deque()

    def write_queued(self) -> None:
        if not self.queue:
            return
        h: Any = self
        h.acquire()
        try:
            lines = []
            while self.queue:
                lines.append(self.queue.popleft())
            if isinstance(h, logging.handlers.WatchedFileHandler):
                h.reopenIfNeeded()
            h.stream.write("".join(lines))
            h.stream.flush()
        except Exception:  # as logging does: a failed log write never fails the request
            sys.stderr.write("onehall: request log lines could not be written\n")
        finally:
            h.release()

    def emit(self, record: logging.LogRecord) -> None:
        self.write_queued()
        super().emit(record)  # type: ignore[misc]

    def flush(self) -> None:
        self.write_queued()
        super().flush()  # type: ignore[misc]


class _QueuedStream(_Queued, logging.StreamHandler):
    pass


class _QueuedFile(_Queued, logging.handlers.WatchedFileHandler):
    pass


class _Flusher:
    """One thread per process writing the queued request lines, FLUSH_S after the first one."""

    def __init__(self) -> None:
        self.handlers: set[_Queued] = set()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._pid = -1

    def wake(self, h: _Queued) -> None:
        if h not in self.handlers or self._pid != os.getpid():
            with self._lock:
                self.handlers.add(h)
                if self._pid != os.getpid():  # none yet, or forked: this process's own thread
                    self._wake = threading.Event()
                    threading.Thread(target=self._run, args=(self._wake,), name="onehall-log", daemon=True).start()
                    self._pid = os.getpid()
        self._wake.set()

    def _run(self, wake: threading.Event) -> None:
        while True:
            wake.wait()
            time.sleep(FLUSH_S)
            wake.clear()  # lines queued from here on wake the next round
            self.write_all()

    def write_all(self) -> None:
        for h in list(self.handlers):
            h.write_queued()

    def forked(self) -> None:
        """In a forked child: no thread yet, and the parent's queued lines are the parent's to write."""
        self._pid, self._wake, self._lock = -1, threading.Event(), threading.Lock()
        for h in self.handlers:
            h.queue.clear()


_FLUSHER = _Flusher()
atexit.register(_FLUSHER.write_all)
os.register_at_fork(after_in_child=_FLUSHER.forked)


def _write_line(h: _Queued, fields: dict[str, Any]) -> None:
    # {"time": ..., **_LINE_FIELDS, **fields} as orjson writes it, without building that dict
    h.queue.append(_line_head(time.time()) + _AFTER_TIME + orjson.dumps(fields).decode()[1:] + "\n")
    if not _FLUSHER._wake.is_set():
        _FLUSHER.wake(h)


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
                    _write_line(direct, fields)
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
    h: logging.Handler = _QueuedFile(path, encoding="utf-8") if path else _QueuedStream(sys.stderr)
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
