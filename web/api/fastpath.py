"""The window's question answered below Flask: POST /api/v1/decisions on its usual path.

Every window asks before it acts, so this one request is most of what a worker serves
(docs/design.md §8: an answer in microseconds). Flask's request machinery (context push and pop,
URL matching, hooks, response object) costs a worker more than the engine's answer itself.
This WSGI layer answers the ordinary case directly: a bearer token that is known, a JSON
object body that validates, references that exist. It uses the very pieces the Flask route
uses (web.auth's token cache; the route's spec, guard and body check, web.api.routing;
decision_views.answer; the app's JSON provider), so the answer is the same bytes.

Anything else passes through untouched to the Flask route, with the body it had: a missing or
unknown token, a cookie, another content type, a body that is not valid, an unknown reference,
any error. Problems (401, 413, 422, 500) are therefore written in one place only, the route.
"""

from __future__ import annotations

import io
import logging
from typing import Any, Callable, Iterable

from pydantic import ValidationError

from rules.errors import UnknownReference
from web.jsonlog import note_principal
from web.wsgi_layer import SECURITY_HEADERS

log = logging.getLogger(__name__)

PATH = "/api/v1/decisions"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]


class DecisionFastPath:
    """WSGI middleware answering clean decision requests; the rest go on to `wsgi_app` (the app's
    security headers over Flask). It sits outside that layer and sends the same headers itself,
    listed once here, so its answers skip the layer's per-response check."""

    def __init__(self, app: Any, wsgi_app: WSGIApp, *, runtime: Any, token_cache: Any) -> None:
        from web.api import decision_views, routing  # the route's own declaration, guard and answer

        self.app = app  # its JSON provider (same parser, same bytes) and config
        self.wsgi_app = wsgi_app
        self.runtime = runtime
        self.token_cache = token_cache
        self.spec = routing.spec_for("POST", PATH.removeprefix("/api/v1"))
        self.refusal = routing.refusal
        self.validated_body = routing.validated_body
        self.answer = decision_views.answer
        self._headers = [("Content-Type", "application/json"), *SECURITY_HEADERS.items()]

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        body = self._answer(environ)
        if body is None:
            return self.wsgi_app(environ, start_response)
        start_response("200 OK", [*self._headers, ("Content-Length", str(len(body)))])
        return [body]

    def _answer(self, environ: dict) -> bytes | None:
        """The answer's bytes, or None to let the Flask route handle this request."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("Bearer ") or "HTTP_COOKIE" in environ:
            return None
        content_type = environ.get("CONTENT_TYPE", "")
        if content_type.partition(";")[0].strip().lower() != "application/json":
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None  # chunked or missing: werkzeug knows how to read those
        app = self.app
        max_body = app.config["MAX_CONTENT_LENGTH"]
        if length < 0 or (max_body is not None and length > max_body) or not app.json.writes_compact():
            return None
        try:
            principal = self.token_cache.lookup(self.runtime, header[7:].strip())
            if principal is None or self.refusal(self.spec, principal) is not None:
                return None  # before reading the body: the route answers who may not ask
            note_principal(environ, principal)
        except Exception:
            log.debug("decision fast path: token lookup failed", exc_info=True)
            return None
        raw = environ["wsgi.input"].read(length)
        # From here on the body has been consumed: hand the route a fresh stream of it.
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            request = self.validated_body(self.spec, app.json.loads(raw))
            return app.json.encode(self.answer(self.runtime, request))
        except (ValueError, ValidationError, UnknownReference):  # BadBody is a ValueError
            return None  # the route answers with the problem that names the field
        except Exception:
            # Unexpected: the route runs again and answers (or logs) it the one way errors go.
            log.debug("decision fast path fell through", exc_info=True)
            return None
