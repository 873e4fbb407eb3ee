"""`onehall witness serve`: the C2SP tlog-witness HTTP interface over signing.witness.

One route, ``POST <prefix>/add-checkpoint``. The protocol's decisions (which status for
which refusal) are made in signing.witness; this module maps them onto HTTP: the 200
answer is the cosignature line, a 409 answer the known size as ``text/x.tlog.size``.
A plain WSGI app (werkzeug, already Flask's), so any WSGI server can run it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from signing.witness import MAX_REQUEST_BYTES, Witness, WitnessRefusal

log = logging.getLogger("onehall.witness")
TEXT = "text/plain; charset=utf-8"


def witness_app(witness: Witness, prefix: str = ""):
    """The WSGI application of one witness."""
    path = prefix.rstrip("/") + "/add-checkpoint"

    def app(environ, start_response) -> Iterable[bytes]:
        request = Request(environ)
        if request.path != path:
            response = Response("not found\n", 404, content_type=TEXT)
        elif request.method != "POST":
            response = Response("use POST\n", 405, content_type=TEXT, headers={"Allow": "POST"})
        elif (request.content_length or 0) > MAX_REQUEST_BYTES:
            response = Response("request too large\n", 413, content_type=TEXT)
        else:
            response = _add_checkpoint(witness, request.get_data(cache=False))
        return response(environ, start_response)

    return app


def _add_checkpoint(witness: Witness, body: bytes) -> Response:
    try:
        line = witness.add_checkpoint(body)
    except WitnessRefusal as exc:
        log.info("add-checkpoint refused (%d): %s", exc.status, exc)
        if exc.status == 409 and exc.known_size is not None:
            return Response(f"{exc.known_size}\n", 409, content_type="text/x.tlog.size")
        return Response(f"{exc}\n", exc.status, content_type=TEXT)
    return Response(line, 200, content_type=TEXT)


class WitnessServer:
    """A threaded HTTP server of one witness on ``host:port`` (port 0: any free port)."""

    def __init__(self, witness: Witness, host: str = "127.0.0.1", port: int = 0, prefix: str = "") -> None:
        self.witness = witness
        self._server = make_server(host, port, witness_app(witness, prefix), threaded=True)
        self.host, self.port = host, self._server.server_port
        self.url = f"http://{host}:{self.port}{prefix.rstrip('/')}"
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> "WitnessServer":
        self._thread = threading.Thread(target=self._server.serve_forever, name="witness", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
