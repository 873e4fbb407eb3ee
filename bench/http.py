"""bench.http (docs/design.md §11): `onehall serve` against a bare Flask endpoint, over HTTP, with wrk.

Both run under the same WSGI server with the same settings (web.server: gunicorn, gthread,
2 workers): `onehall serve` over a fresh demo SQLite database (`onehall init --demo` in a
temporary instance), and bench.bare_app answering every request with a recorded decision
answer (same JSON object, same size). onehall answers these requests in web.api.fastpath,
below Flask (the route's schema, answer and encoder, without the request context); the bare
endpoint is a Flask route, as docs/design.md §11 defines it. wrk drives each at 16 connections with a Lua script that
POSTs realistic decision requests (people and items of the demo, about half allowed) with a
bearer token. Five short runs each, alternating, medians reported.

Beside the throughput, the CPU the server's processes spent per request (utime + stime of its
process group, from /proc): `decision_cpu_us_per_req`, `bare_cpu_us_per_req` and
`cpu_ratio` = bare / decision. On a shared machine whose speed drifts between runs these show
the work itself, as bench.log's CPU figures do.

update_ms: an absence is filed through the API on one connection; decisions are then polled on
fresh connections (so either worker may answer) until the answer reflects it; median of five.

Prints one JSON object. Loopback only; the servers are stopped at the end.

    python -m bench.http [--duration 5] [--runs 5] [--connections 16] [--keep] [--database-url URL]

`--database-url` runs onehall on PostgreSQL (a scratch schema, dropped at the end); the
bare endpoint has no database either way.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

from bench.http_serve import (
    HOST,
    WORKERS,
    bare_app_cmd,
    drop_schema,
    ensure_wrk,
    free_port,
    onehall_cmd,
    prepare_instance,
    run_wrk,
    server,
    write_script,
)

MIX_SIZE = 200  # distinct request bodies in the Lua script
UPDATE_TRIALS = 5
UPDATE_TIMEOUT_S = 10.0
CONSISTENT_POLLS = 20  # after the first fresh answer, this many more must all be fresh

# --- the instance and its workload ----------------------------------------------------------------


@contextmanager
def decision_setup(
    prefix: str, database_url: str | None = None, keep: bool = False
) -> Iterator[tuple[Path, dict[str, Any], Path]]:
    """(folder, workload, wrk script) over a fresh demo instance (a scratch schema on `database_url`),
    with the typical answer in `answer.json` for the bare servers; removed afterwards unless `keep`."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    schema = None
    try:
        schema = prepare_instance(tmp, database_url)
        work = build_workload()
        (tmp / "answer.json").write_text(json.dumps(work["answer"], ensure_ascii=False), encoding="utf-8")
        script = tmp / "decisions.lua"
        write_script(script, work["token"], work["mix"])
        yield tmp, work, script
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
            if schema and database_url:
                drop_schema(database_url, schema)


def build_workload(seed: int = 20181212) -> dict[str, Any]:
    """In-process over the demo database: tokens, a mix of decision requests (about half
    allowed, labelled by the app itself), a recorded answer for the bare app, and the
    (person, department, request) triples the update measurement flips with an absence."""
    from sqlalchemy import select

    from registry import models as m
    import vocab
    from registry.services.accounts import create_token
    from web.app import create_app

    app = create_app()
    rt = app.extensions["onehall"]
    rng = random.Random(seed)
    with rt.reading() as session:
        grants = [a for a in session.scalars(select(m.Authorization)) if a.grantee_person is not None]
        people = {p.id: p for p in session.scalars(select(m.Person))}
        items_by_dept: dict[str, list[str]] = {}
        for code, dept in session.execute(select(m.ItemVersion.code, m.ItemVersion.department)):
            items_by_dept.setdefault(dept, [])
            if code not in items_by_dept[dept]:
                items_by_dept[dept].append(code)
        windows: dict[str | None, list[str]] = {}
        for p in session.scalars(
            select(m.Place).where(m.Place.kind.in_(("department_window", "comprehensive_window")))
        ):
            windows.setdefault(p.department, []).append(p.code)
        users = {u.name: u for u in session.scalars(select(m.User))}
    all_items = [code for codes in items_by_dept.values() for code in codes]
    actions = list(vocab.ACTIONS)
    holders = [(a.grantee_person, a.grantor, list(a.powers)) for a in grants]

    candidates = []
    for _ in range(4000):
        roll = rng.random()
        person, dept, powers = rng.choice(holders)
        if roll < 0.15:  # someone without a grant, or another department's item
            person = rng.choice(list(people))
            dept = people[person].department
        items = items_by_dept.get(dept) or all_items
        item = rng.choice(items if rng.random() < 0.85 else all_items)
        action = rng.choice(powers if rng.random() < 0.8 else actions)
        body: dict[str, Any] = {"person": person, "action": action, "item": item}
        places = windows.get(dept, []) + windows.get(None, [])[:3]
        if places and rng.random() < 0.7:
            body["place"] = rng.choice(places)
        candidates.append(body)

    client = app.test_client()
    window_user = next(name for name in users if name.startswith("window-"))
    with rt.filing_session() as session:
        token = create_token(session, window_user)
    allowed, denied, answers = [], [], []
    seen = set()
    for body in candidates:
        key = json.dumps(body, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        r = client.post("/api/v1/decisions", json=body, headers={"Authorization": f"Bearer {token}"})
        if r.status_code != 200:
            continue
        answer = r.get_json()
        (allowed if answer["allowed"] else denied).append((body, answer))
        if len(allowed) >= MIX_SIZE // 2 and len(denied) >= MIX_SIZE // 2:
            break
    half = min(len(allowed), len(denied), MIX_SIZE // 2)
    mix = allowed[:half] + denied[:half]
    rng.shuffle(mix)
    answers = sorted(mix, key=lambda pair: len(json.dumps(pair[1], ensure_ascii=False).encode()))
    typical = answers[len(answers) // 2][1]

    # update_ms: requests of distinct people allowed by their own authorization (a chief
    # representative's grant, which their absence suspends; a department's own staff may still
    # work its window while absent as a chief representative, so those answers are not used)
    flips, used = [], set()
    for body, _ in allowed:
        person = body["person"]
        dept = people[person].department
        if person in used or dept.lower() not in users:
            continue
        plain = {"person": person, "action": body["action"], "item": body["item"]}
        r = client.post("/api/v1/decisions", json=plain, headers={"Authorization": f"Bearer {token}"})
        answer = r.get_json() if r.status_code == 200 else {}
        if (
            answer.get("allowed")
            and answer.get("authorization")
            and answer.get("acting_for") is None
            and _suspended_by_absence(rt, plain)
        ):
            used.add(person)
            flips.append({"person": person, "department": dept, "request": plain})
        if len(flips) >= UPDATE_TRIALS:
            break
    dept_tokens = {}
    with rt.filing_session() as session:
        for flip in flips:
            if flip["department"] not in dept_tokens:
                dept_tokens[flip["department"]] = create_token(session, flip["department"].lower())
    host = rt.policy_if_ready
    if host is not None:
        host.flush_decisions()
    rt.engine.dispose()
    return {
        "token": token,
        "mix": [body for body, _ in mix],
        "allowed_share": sum(1 for _, a in mix if a["allowed"]) / max(1, len(mix)),
        "answer": typical,
        "flips": flips,
        "dept_tokens": dept_tokens,
    }


def _suspended_by_absence(rt, request: dict[str, Any]) -> bool:
    """Would this person's absence, filed now, turn this answer into a denial? (asked of a
    private fork of the engine, so the registry is untouched)"""
    now = time.time()
    engine = rt.policy.engine
    if not hasattr(engine, "fork"):
        return True  # an engine without forks: the authorization in the answer is the evidence
    fork = engine.fork()
    fork.apply(
        {
            "kind": "absence",
            "op": "upsert",
            "record": {
                "id": 10**9,
                "person": request["person"],
                "from": now - 60,
                "to": now + 86400,
                "filed_at": now - 1,
            },
        }
    )
    return not fork.decide(request["person"], request["action"], request["item"])["allowed"]


# --- update_ms --------------------------------------------------------------------------------------


def _call(port: int, method: str, path: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)  # a fresh connection: either worker
    try:
        conn.request(
            method,
            path,
            body=json.dumps(body),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Connection": "close"},
        )
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def measure_updates(port: int, work: dict[str, Any]) -> dict[str, Any]:
    """File an absence, then poll (fresh connections, so either worker answers) until the answer
    reflects it and CONSISTENT_POLLS more answers in a row do too. A worker that never reflects it
    within UPDATE_TIMEOUT_S is a failure, reported with the request."""
    times, failures, stale_after_fresh, polls = [], [], 0, 0
    for flip in work["flips"]:
        req = flip["request"]
        status, before = _call(port, "POST", "/api/v1/decisions", work["token"], req)
        if status != 200 or not before["allowed"]:
            continue
        start_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        absence = {
            "person": flip["person"],
            "from": start_at.isoformat(),
            "to": (start_at + timedelta(days=1)).isoformat(),
            "reason": "临时外出（压测）",
        }
        status, filed = _call(port, "POST", "/api/v1/absences", work["dept_tokens"][flip["department"]], absence)
        if status != 201:
            raise RuntimeError(f"absence refused: {status} {filed}")
        committed = time.perf_counter()
        fresh_at, consistent, seen, answer = None, 0, {"fresh": 0, "stale": 0}, before
        while consistent < CONSISTENT_POLLS:
            if time.perf_counter() - committed > UPDATE_TIMEOUT_S:
                failures.append(
                    {"request": req, "absence_id": filed.get("id"), "answers": seen, "stale_answer": answer}
                )
                break
            status, answer = _call(port, "POST", "/api/v1/decisions", work["token"], req)
            polls += 1
            if status == 200 and not answer["allowed"]:
                fresh_at = fresh_at or time.perf_counter()
                consistent += 1
                seen["fresh"] += 1
            else:
                seen["stale"] += 1
                if fresh_at is not None:
                    stale_after_fresh += 1  # a worker still answering from before the absence
                    consistent = 0
        else:
            times.append((fresh_at - committed) * 1000)
    return {
        "update_ms": round(statistics.median(times), 2) if times else None,
        "update_trials": len(times),
        "update_polls": polls,
        "update_stale_after_fresh": stale_after_fresh,
        "update_failures": failures,
    }


# --- main ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="onehall serve vs a bare Flask endpoint, driven by wrk")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance (logs, database)")
    parser.add_argument("--database-url", help="run onehall on this PostgreSQL server (a scratch schema, dropped)")
    args = parser.parse_args(argv)

    wrk = ensure_wrk()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with decision_setup("onehall-bench-http-", args.database_url, args.keep) as (tmp, work, script):
        p_app, p_bare = free_port(), free_port()
        app_cmd = onehall_cmd("serve", "--host", HOST, "--port", str(p_app), "--workers", str(WORKERS))
        bare_cmd = bare_app_cmd(p_bare, tmp / "answer.json")
        env_cwd = Path(__file__).resolve().parents[1]
        decision_runs, bare_runs = [], []
        with (
            server(app_cmd, p_app, tmp, tmp / "onehall-serve.log") as app_proc,
            server(bare_cmd, p_bare, env_cwd, tmp / "bare.log") as bare_proc,
        ):
            # warm both: every worker builds its decision index on its first question
            run_wrk(wrk, p_app, script, args.warmup, args.connections)
            run_wrk(wrk, p_bare, script, args.warmup, args.connections)
            for _ in range(args.runs):
                decision_runs.append(run_wrk(wrk, p_app, script, args.duration, args.connections, app_proc.pid))
                bare_runs.append(run_wrk(wrk, p_bare, script, args.duration, args.connections, bare_proc.pid))
            updates = measure_updates(p_app, work)

    def med(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    decision_rps, bare_rps = med(decision_runs, "rps"), med(bare_runs, "rps")
    decision_p99, bare_p99 = med(decision_runs, "p99_us") / 1000, med(bare_runs, "p99_us") / 1000
    result = {
        "decision_rps": round(decision_rps, 1),
        "bare_rps": round(bare_rps, 1),
        "decision_p99_ms": round(decision_p99, 2),
        "bare_p99_ms": round(bare_p99, 2),
        "decision_p50_ms": round(med(decision_runs, "p50_us") / 1000, 2),
        "bare_p50_ms": round(med(bare_runs, "p50_us") / 1000, 2),
        "rps_ratio": round(decision_rps / bare_rps, 3),
        "p99_ratio": round(decision_p99 / bare_p99, 3),
        "decision_cpu_us_per_req": round(med(decision_runs, "cpu_us_per_req"), 1),
        "bare_cpu_us_per_req": round(med(bare_runs, "cpu_us_per_req"), 1),
        "cpu_ratio": round(med(bare_runs, "cpu_us_per_req") / med(decision_runs, "cpu_us_per_req"), 3),
        "targets": {
            "decision_rps_ge_0.8x_bare": decision_rps >= 0.8 * bare_rps,
            "decision_p99_le_1.5x_bare": decision_p99 <= 1.5 * bare_p99,
        },
        **updates,
        "errors": {
            "decision_non_2xx": sum(r["non_2xx"] for r in decision_runs),
            "bare_non_2xx": sum(r["non_2xx"] for r in bare_runs),
            "socket_errors": sum(
                r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
                for r in decision_runs + bare_runs
            ),
        },
        "setup": {
            "server": "gunicorn gthread (web.server)",
            "workers": WORKERS,
            "connections": args.connections,
            "decision_path": "web.api.fastpath (WSGI, below Flask); the bare endpoint is a Flask route",
            "wrk_threads": max(1, min(2, os.cpu_count() or 1)),
            "run_s": args.duration,
            "runs": args.runs,
            "database": f"{'postgresql' if args.database_url else 'sqlite'} (onehall init --demo)",
            "requests_in_mix": len(work["mix"]),
            "allowed_share": round(work["allowed_share"], 3),
            "answer_bytes": len(json.dumps(work["answer"], ensure_ascii=False).encode()),
            "cpus": os.cpu_count(),
            "loadavg_1m_before": round(load_before, 2),
            "total_s": round(time.perf_counter() - started, 1),
        },
        "runs": {
            "decision_rps": [round(r["rps"], 1) for r in decision_runs],
            "bare_rps": [round(r["rps"], 1) for r in bare_runs],
            "decision_p99_ms": [round(r["p99_us"] / 1000, 2) for r in decision_runs],
            "bare_p99_ms": [round(r["p99_us"] / 1000, 2) for r in bare_runs],
            "decision_cpu_us_per_req": [round(r["cpu_us_per_req"], 1) for r in decision_runs],
            "bare_cpu_us_per_req": [round(r["cpu_us_per_req"], 1) for r in bare_runs],
        },
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
