"""The HTTP benchmarks' plumbing (bench.http, bench.http_limits): a demo instance, servers started
and stopped as process groups, wrk driven by a Lua script of decision requests."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

HOST = "127.0.0.1"
WORKERS = 2

LUA = r"""
local bodies = {
%(bodies)s
}
local n = #bodies
local counter = 0
local threads = {}

function setup(thread)
  thread:set("offset", counter * 37)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  i = tonumber(offset) or 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer %(token)s"
end

function request()
  i = i %% n + 1
  return wrk.format(nil, "/api/v1/decisions", nil, bodies[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d, "connect_errors": %%d, "read_errors": %%d, "write_errors": %%d, ' ..
    '"non_2xx": %%d, "timeouts": %%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


# --- the instance -----------------------------------------------------------------------------


def onehall_cmd(*args: str) -> list[str]:
    return [sys.executable, "-c", "from web.cli import main; main()", *args]


def bare_app_cmd(port: int, answer: Path, *flags: str) -> list[str]:
    """bench.bare_app on `port` with WORKERS workers, answering with the file `answer` (`flags`: e.g. --wsgi)."""
    return [
        sys.executable,
        "-m",
        "bench.bare_app",
        *flags,
        *("--host", HOST, "--port", str(port), "--workers", str(WORKERS), "--answer", str(answer)),
    ]


def prepare_instance(tmp: Path, database_url: str | None = None) -> str | None:
    """A demo instance in `tmp`: SQLite inside it, or a scratch schema on `database_url`
    (PostgreSQL). Returns the scratch schema's name (drop_schema removes it), or None."""
    os.environ["ONEHALL_INSTANCE"] = str(tmp / "instance")
    os.environ["ONEHALL_KEY_PASSPHRASE"] = "bench-http"
    for var in ("ONEHALL_DATABASE_URL", "ONEHALL_DATABASE_SCHEMA", "ONEHALL_KEY_DIR"):
        os.environ.pop(var, None)
    schema = None
    if database_url:
        from sqlalchemy import text

        from registry.db import make_engine

        schema = f"bench_http_{os.getpid()}"
        admin = make_engine(database_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        os.environ["ONEHALL_DATABASE_URL"], os.environ["ONEHALL_DATABASE_SCHEMA"] = database_url, schema
    subprocess.run(
        onehall_cmd("init", "--demo"), cwd=tmp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return schema


def drop_schema(database_url: str, schema: str) -> None:
    from sqlalchemy import text

    from registry.db import make_engine

    admin = make_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


# --- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def server(cmd: list[str], port: int, cwd: Path, log: Path) -> Iterator[subprocess.Popen]:
    """Start a server (its own process group), wait until it answers, stop it afterwards."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited ({proc.returncode}); see {log}")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=2)
                conn.request("GET", "/api/v1/openapi.json")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start on :{port}; see {log}") from None
                time.sleep(0.2)
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # gunicorn's master and its workers: the group we started
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


# --- wrk ------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "wrk"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        found = shutil.which("wrk")
    if not found:
        sys.exit("bench.http needs wrk (Debian package `wrk`): apt-get install wrk")
    return found


def write_script(path: Path, token: str, bodies: list[dict[str, Any]]) -> None:
    lines = ",\n".join("  [==[" + json.dumps(b, separators=(",", ":")) + "]==]" for b in bodies)
    path.write_text(LUA % {"bodies": lines, "token": token}, encoding="utf-8")


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) spent so far by the live processes of a process group."""
    ticks = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, pgrp, ...
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def run_wrk(
    wrk: str, port: int, script: Path, seconds: int, connections: int, server_pgid: int | None = None
) -> dict[str, Any]:
    threads = max(1, min(2, os.cpu_count() or 1))
    cpu_before = group_cpu_s(server_pgid) if server_pgid else None
    out = subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"http://{HOST}:{port}/",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    match = re.search(r"^WRKJSON (\{.*\})$", out, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    r = json.loads(match.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    if cpu_before is not None:
        r["cpu_us_per_req"] = (group_cpu_s(server_pgid) - cpu_before) / max(1, r["requests"]) * 1e6
    return r
