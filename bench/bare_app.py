"""The baseline of bench.http: a bare Flask endpoint that answers POST /api/v1/decisions with a
fixed JSON object (a real decision answer recorded by bench.http, so the same size), served by
the very server code of `onehall serve` (web.server: gunicorn, gthread workers, same options).

    python -m bench.bare_app --port 5001 --workers 2 --answer answer.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from flask import Flask, request


def create_bare_app(answer: dict[str, Any]) -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = False  # as onehall's app
    app.json.sort_keys = False

    @app.post("/api/v1/decisions")
    def decide():
        request.get_json(silent=True)  # a bare endpoint still reads its body
        return answer

    return app


def create_bare_wsgi(answer: dict[str, Any], extra_headers: tuple[tuple[str, str], ...] = ()):
    """The server's own limit: a bare WSGI callable, no framework, that reads the body and
    answers the same JSON bytes (bench.http_limits' `wsgi_rps`)."""
    body = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    headers = [("Content-Type", "application/json"), *extra_headers, ("Content-Length", str(len(body)))]

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            environ["wsgi.input"].read(length)
        start_response("200 OK", list(headers))
        return [body]

    return app


def create_framed_wsgi(answer: dict[str, Any]):
    """The bare WSGI callable inside the frame every onehall answer carries: the security headers
    (web.wsgi_layer) and the request id and JSON request line (web.jsonlog.RequestLog, configured
    as `onehall serve` configures it). bench.http_limits' `framed_rps`: what is left of the
    server's limit for the decision itself."""
    from application.config import Settings
    from web import jsonlog
    from web.wsgi_layer import SECURITY_HEADERS

    jsonlog.configure(Settings())
    app = create_bare_wsgi(answer, tuple(SECURITY_HEADERS.items()))
    return jsonlog.RequestLog(app)


def serve(host: str, port: int, workers: int, answer: dict[str, Any], wsgi: bool = False, framed: bool = False) -> None:
    """web.server.serve with its application swapped for the bare one: the same WSGI server,
    worker class, threads, timeout and access log as `onehall serve`."""
    import web.server

    class _Bare(web.server._Server):
        def load(self):
            if framed:
                return create_framed_wsgi(answer)
            return create_bare_wsgi(answer) if wsgi else create_bare_app(answer)

    web.server._Server = _Bare
    web.server.serve(host, port, workers)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--answer", type=Path, required=True, help="a JSON file: the object every request gets")
    parser.add_argument("--wsgi", action="store_true", help="a bare WSGI callable instead of a Flask route")
    parser.add_argument("--framed", action="store_true", help="the WSGI callable in onehall's request log and headers")
    args = parser.parse_args(argv)
    serve(
        args.host, args.port, args.workers, json.loads(args.answer.read_text(encoding="utf-8")), args.wsgi, args.framed
    )


if __name__ == "__main__":
    main()
