"""The log's side of C2SP tlog-witness: POST add-checkpoint to one witness over HTTP.

Keep-alive connections (the spec asks clients to use them), one per witness URL, reused
across rounds; a broken connection is reopened once. The answer is classified, not
judged: cosignature lines, the witness's known size (409), or a refusal with its status.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from dataclasses import dataclass

from signing.witness import format_add_checkpoint

USER_AGENT = "onehall-witness-client/1"


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = ""

    @property
    def known_size(self) -> int | None:
        """The size a 409 answer reports (text/x.tlog.size), or None."""
        if self.status != 409 or not self.content_type.startswith("text/x.tlog.size"):
            return None
        text = self.body.strip()
        return int(text) if text.isdigit() and len(text) < 20 else None


class WitnessTransport:
    """Sends add-checkpoint requests to one witness at ``url`` (its submission prefix)."""

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"witness URL {url!r} is not http(s)://host[:port][/prefix]")
        self.url = url
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._path = parts.path.rstrip("/") + "/add-checkpoint"
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def add_checkpoint(self, old_size: int, proof: list[bytes], note: str) -> Answer:
        body = format_add_checkpoint(old_size, proof, note)
        with self._lock:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    conn.request(
                        "POST",
                        self._path,
                        body=body,
                        headers={"Content-Type": "text/plain; charset=utf-8", "User-Agent": USER_AGENT},
                    )
                    r = conn.getresponse()
                    data = r.read(1 << 16).decode("utf-8", errors="replace")
                    if r.getheader("Connection", "").lower() == "close":
                        self.close()
                    return Answer(r.status, data, r.getheader("Content-Type", ""))
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    self.close()  # a kept-alive connection the server closed: reopen once
                    if attempt == 2:
                        raise
                except Exception:
                    self.close()
                    raise
        raise AssertionError("unreachable")

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
