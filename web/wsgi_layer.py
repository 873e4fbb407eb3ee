"""How onehall's Flask app meets HTTP: JSON bodies, security headers, session cookies.

Each piece does what Flask's default does, more cheaply on the path every window's decision
request takes (the API answers bearer-token clients that send no cookie).
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'",
}


class OrjsonProvider(DefaultJSONProvider):
    """JSON responses serialized by orjson (about ten times json.dumps: every window's decision
    answer goes through here). The output is what Flask's compact provider writes: UTF-8, keys
    in insertion order, dates and times through Flask's own default (HTTP dates)."""

    ensure_ascii = False
    sort_keys = False
    _OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

    def writes_compact(self) -> bool:
        """False where Flask would indent (debug mode, or compact set False): then Flask does."""
        return not ((self.compact is None and self._app.debug) or self.compact is False)

    def response(self, *args: Any, **kwargs: Any):
        if not self.writes_compact():
            return super().response(*args, **kwargs)
        return self._app.response_class(self.encode(self._prepare_response_obj(args, kwargs)), mimetype=self.mimetype)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Request bodies parsed by orjson: a body nested beyond 1,024 levels is a ValueError
        (a 4xx), where the standard library's parser would raise RecursionError (a 500)."""
        if kwargs:
            return super().loads(s, **kwargs)
        return orjson.loads(s)

    def encode(self, obj: Any) -> bytes:
        """The bytes of a JSON response body (also used by web.api.fastpath)."""
        return orjson.dumps(obj, default=self.default, option=self._OPTIONS | orjson.OPT_APPEND_NEWLINE)


class OnehallFlask(Flask):
    json_provider_class = OrjsonProvider


class SecurityHeaders:
    """WSGI middleware adding SECURITY_HEADERS to every response that lacks them.

    At the WSGI layer the check is one pass over a plain list; the same in an after_request
    hook costs four scans of werkzeug's Headers, on every window's decision request.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app
        self._missing = [(k.lower(), k, v) for k, v in SECURITY_HEADERS.items()]

    def __call__(self, environ: dict, start_response: Any):
        def start(status: str, headers: list, exc_info: Any = None):
            present = {name.lower() for name, _ in headers}
            headers.extend((k, v) for low, k, v in self._missing if low not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


class CookieSessionWhenPresent(SecureCookieSessionInterface):
    """The signed-cookie session, built only for requests that send a cookie.

    API clients authenticate by bearer token and send none: they get an empty session without
    a signing serializer being made, and an untouched empty session writes no cookie.
    """

    def open_session(self, app: Flask, request: Any):
        if "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if not session and not session.modified:
            # A bearer-token answer is not stored by shared caches (RFC 9111 §3.5), so it needs
            # no "Vary: Cookie"; anything else that looked at the session does.
            if session.accessed and not request.environ.get("HTTP_AUTHORIZATION"):
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
