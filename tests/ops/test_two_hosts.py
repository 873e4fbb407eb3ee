"""Two `onehall serve` hosts behind Debian's nginx on one PostgreSQL database (docs/design.md §12.5).

Each host has its own instance folder and no key files; both serve one log with one key per
body. Through nginx: filings and seal uses land on both hosts, every receipt verifies under
the one log key, and the /verify limit is counted per client address (clients on different
127.0.0.x addresses; nginx passes the address on, the hosts trust it from 127.0.0.1 only).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.models import CustodyKey, LogEntry
from signing.receipt import verify_receipt
from signing.records import parse_leaf
from tests.factories.databases import PG_URL
from tests.factories.processes import clean_env, onehall_exe, start
from tests.factories.world import hold_case, world  # noqa: F401  (the fixture)
from tests.factories.api import authorization, seal_setup, seal_use_body
from application.limits import RECEIPT_CHECK

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = [
    pytest.mark.skipif(
        NGINX is None, reason="nginx is not installed (Debian package nginx-light: .ci/run installs it)"
    ),
    pytest.mark.skipif(not PG_URL, reason="ONEHALL_TEST_DATABASE_URL is not set: two hosts need PostgreSQL"),
    pytest.mark.slow,
]


@pytest.fixture
def backend():
    return "postgresql"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Host:
    """`onehall serve --port 0` (an ephemeral port, read from its start line)."""

    def __init__(self, env: dict[str, str], root: Path) -> None:
        self.proc = start(
            [onehall_exe(), "serve", "--host", "127.0.0.1", "--port", "0", "--workers", "1"], cwd=root, env=env
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.port = self._listening()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def _listening(self) -> int:
        while True:
            try:
                line = self.lines.get(timeout=120)
            except queue.Empty:
                raise AssertionError("onehall serve did not start:\n" + "".join(self.log)) from None
            self.log.append(line)
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)  # web.server's start line
            if found:
                return int(found.group(1))

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


NGINX_CONF = """
worker_processes 1;
error_log {root}/error.log;
pid {root}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/body; proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fcgi; uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
    upstream onehall {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://onehall;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def call(port: int, method: str, path: str, body=None, token=None, client="127.0.0.2"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(client, 0))
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, (json.loads(data) if data else None), res.getheader("X-Upstream")


def test_two_hosts_behind_nginx_serve_one_log_with_one_key_per_body(rt, client, world, tmp_path):  # noqa: F811
    a, a_id = seal_setup(rt, client, world)  # the world, through an in-process app
    for n in (0, 3, 4, 5):  # the other cases the seal uses name (seal_setup holds 1, 2)
        hold_case(rt, f"XT2026-{n:04d}", "FGW-001")
    settings = rt.settings
    env = clean_env() | {
        "ONEHALL_ENV": "production",
        "ONEHALL_DATABASE_URL": settings.database_url,
        "ONEHALL_DATABASE_SCHEMA": settings.database_schema,
        "ONEHALL_KEY_PASSPHRASE": "test-passphrase",
        "ONEHALL_SECRET_KEY": "two-hosts-secret",
        "ONEHALL_LOG_ORIGIN": settings.log_origin,
        "ONEHALL_TRUSTED_PROXIES": "127.0.0.1",
    }
    hosts = []
    nginx = None
    try:
        for name in ("host-a", "host-b"):
            root = tmp_path / name
            root.mkdir()
            hosts.append(
                Host(env | {"ONEHALL_INSTANCE": str(root / "instance"), "ONEHALL_KEY_DIR": str(root / "keys")}, root)
            )
        port = free_port()
        ngx = tmp_path / "nginx"
        ngx.mkdir()
        (ngx / "nginx.conf").write_text(NGINX_CONF.format(root=ngx, a=hosts[0].port, b=hosts[1].port, port=port))
        nginx = subprocess.Popen(
            [NGINX, "-p", str(ngx), "-c", str(ngx / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for _ in range(600):  # until nginx answers (bounded)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                threading.Event().wait(0.05)
        upstreams = set()
        status, answer, up = call(
            port,
            "POST",
            "/api/v1/authorizations",
            token=world["tokens"]["fgw"],
            body=authorization("FGW", world["people"]["b"], "B", backs=a_id, valid_from="2019-01-01T00:00:00+08:00"),
        )
        assert status == 201, answer
        upstreams.add(up)
        receipts = []
        for n in range(6):
            doc = hashlib.sha256(f"批复文件 {n}".encode()).hexdigest()
            status, answer, up = call(
                port,
                "POST",
                "/api/v1/seal-uses",
                token=world["tokens"]["zhang"],
                body=seal_use_body(a, f"XT2026-{n:04d}", doc),
            )
            assert status == 201, answer
            upstreams.add(up)
            receipts.append(answer["receipt"])
        assert len(upstreams) == 2, upstreams  # both hosts served acts
        with rt.reading() as session:
            log_keys = list(session.scalars(select(CustodyKey).where(CustodyKey.body == "log")))
            current = session.execute(
                select(CustodyKey.body, func.count()).where(CustodyKey.valid_to.is_(None)).group_by(CustodyKey.body)
            ).all()
            leaves = [
                (i, bytes(leaf))
                for i, leaf in session.execute(select(LogEntry.index, LogEntry.leaf).order_by(LogEntry.index))
            ]
        assert len(log_keys) == 1 and all(count == 1 for _, count in current)  # one key per body
        assert [i for i, _ in leaves] == list(range(len(leaves)))  # one log, no gap
        signers: dict[str, set[str]] = {}
        for _, leaf in leaves:
            record, sig = parse_leaf(leaf)
            signers.setdefault(record.get("filed_by") or record.get("type"), set()).add(sig.key_id)
        assert all(len(ids) == 1 for ids in signers.values()), signers
        for receipt in receipts:  # every receipt verifies under the one log key
            assert verify_receipt(receipt, trusted_log_key=bytes(log_keys[0].public_key)).leaf_index >= 0
        # the /verify limit, per citizen: one address exhausts its own allowance only
        leaf_hash = receipts[0]["leaf_hash"]
        seen = [
            call(port, "GET", f"/api/v1/verify/{leaf_hash}", client="127.0.0.2") for _ in range(RECEIPT_CHECK.count)
        ]
        assert all(s == 200 and body["sealed"] is True for s, body, _ in seen)
        assert len({up for _, _, up in seen}) == 2  # counted across both hosts
        assert call(port, "GET", f"/api/v1/verify/{leaf_hash}", client="127.0.0.2")[0] == 429
        assert call(port, "GET", f"/api/v1/verify/{leaf_hash}", client="127.0.0.3")[0] == 200
    finally:
        if nginx is not None:
            os.killpg(nginx.pid, signal.SIGTERM)
            nginx.wait(timeout=30)
        for host in hosts:
            host.stop()
    assert not list(tmp_path.rglob("*.pem"))  # no host keeps keys of its own
