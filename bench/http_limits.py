"""bench.http_limits (issue 14): the decision endpoint against the server's own limit, direct and
through nginx.

`wsgi_rps`: a bare WSGI callable (bench.bare_app --wsgi: no framework, reads the body, answers
the same JSON bytes) under the very gunicorn of `onehall serve` (web.server: same worker
class, workers, threads); `decision_rps`: `onehall serve` answering the decision mix of
bench.http (a demo database). Both driven by wrk at the same connections, alternating runs,
medians, with the CPU each server's processes spent per request (a view the machine's load
does not skew). Then the same two behind Debian's nginx (one upstream each, keepalive to the
upstream): `decision_rps_nginx`, `wsgi_rps_nginx`. Targets: decision >= 0.8x wsgi, both ways.

Between the two, `framed_rps`: the same bare callable inside the frame every onehall answer
carries (the security headers, the request id, the JSON request line; bench.bare_app --framed).
`framed_ratio` (framed / wsgi) is the most any decision could reach under this frame, and
`decision_own_cpu_us_per_req` (decision's CPU per request less the framed one's) is what the
decision itself costs the server: token, body, engine, Chinese reasons, answer, decision log.

    python -m bench.http_limits [--duration 5] [--runs 5] [--connections 16] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
from contextlib import contextmanager
from pathlib import Path

from bench.http import decision_setup
from bench.http_serve import HOST, WORKERS, bare_app_cmd, ensure_wrk, free_port, onehall_cmd, run_wrk, server

NGINX_CONF = """worker_processes 1;
error_log {root}/error.log;
pid {root}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/body; proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fcgi; uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
    upstream app {{ server 127.0.0.1:{upstream}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


@contextmanager
def nginx_in_front(upstream: int, root: Path):
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (root / "nginx.conf").write_text(NGINX_CONF.format(root=root, upstream=upstream, port=port))
    cmd = [exe, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"]
    with server(cmd, port, root, root / "nginx.out") as proc:
        yield port, proc


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--database-url")
    args = ap.parse_args(argv)
    wrk = ensure_wrk()
    load = [os.getloadavg()[0]]
    runs: dict[str, list[float]] = {
        "decision_rps": [],
        "wsgi_rps": [],
        "framed_rps": [],
        "decision_rps_nginx": [],
        "wsgi_rps_nginx": [],
    }
    cpu: dict[str, list[float]] = {"decision_rps": [], "wsgi_rps": [], "framed_rps": []}
    with decision_setup("onehall-bench-limits-", args.database_url) as (tmp, work, script):
        p_app, p_wsgi, p_framed = free_port(), free_port(), free_port()
        app_cmd = onehall_cmd("serve", "--host", HOST, "--port", str(p_app), "--workers", str(WORKERS))
        wsgi_cmd = bare_app_cmd(p_wsgi, tmp / "answer.json", "--wsgi")
        framed_cmd = bare_app_cmd(p_framed, tmp / "answer.json", "--framed")
        here = Path(__file__).resolve().parents[1]
        with (
            server(app_cmd, p_app, tmp, tmp / "serve.log") as app_proc,
            server(wsgi_cmd, p_wsgi, here, tmp / "wsgi.log") as wsgi_proc,
            server(framed_cmd, p_framed, here, tmp / "framed.log") as framed_proc,
            nginx_in_front(p_app, tmp / "nginx-app") as (n_app, _),
            nginx_in_front(p_wsgi, tmp / "nginx-wsgi") as (n_wsgi, _),
        ):
            targets = {
                "decision_rps": p_app,
                "wsgi_rps": p_wsgi,
                "framed_rps": p_framed,
                "decision_rps_nginx": n_app,
                "wsgi_rps_nginx": n_wsgi,
            }
            for port in targets.values():
                run_wrk(wrk, port, script, args.warmup, args.connections)
            # the server's CPU per request
            groups = {"decision_rps": app_proc.pid, "wsgi_rps": wsgi_proc.pid, "framed_rps": framed_proc.pid}
            for _ in range(args.runs):
                for key, port in targets.items():
                    r = run_wrk(wrk, port, script, args.duration, args.connections, groups.get(key))
                    runs[key].append(r["rps"])
                    if key in groups:
                        cpu[key].append(r["cpu_us_per_req"])
    load.append(os.getloadavg()[0])
    out = {k: round(statistics.median(v), 1) for k, v in runs.items()}
    out.update(
        bench="http_limits",
        workers=WORKERS,
        connections=args.connections,
        runs=args.runs,
        ratio=round(out["decision_rps"] / out["wsgi_rps"], 3),
        ratio_nginx=round(out["decision_rps_nginx"] / out["wsgi_rps_nginx"], 3),
        framed_ratio=round(out["framed_rps"] / out["wsgi_rps"], 3),
        targets={
            "decision_ge_0.8x_wsgi": out["decision_rps"] >= 0.8 * out["wsgi_rps"],
            "nginx_decision_ge_0.8x_wsgi": out["decision_rps_nginx"] >= 0.8 * out["wsgi_rps_nginx"],
        },
        **{k.removesuffix("_rps") + "_cpu_us_per_req": round(statistics.median(v), 1) for k, v in cpu.items()},
        decision_own_cpu_us_per_req=round(
            statistics.median(d - f for d, f in zip(cpu["decision_rps"], cpu["framed_rps"], strict=True)), 1
        ),
        all_runs={k: [round(x, 1) for x in v] for k, v in runs.items()},
        loadavg_1m_start_end=[round(x, 2) for x in load],
        cpus=os.cpu_count(),
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
