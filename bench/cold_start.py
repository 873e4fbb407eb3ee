"""Cold start (issue 14.9): process start -> first decision answered, facts already in the database.

The workload of bench.workload is written as signed log records into a fresh SQLite registry (the
rows a worker never reads for a decision are left out, but people's rows are there for their names),
with a checkpoint over it. Then a new `python` process per run creates the app and answers one
decision: the first run folds the whole log and writes the authenticated snapshot (application.snapshot);
the later runs start from it. Prints the figures for bench.decisions:
`first_answer_s_at_N` (median of the runs from a snapshot), `first_answer_cold_s_at_N` (the first
run, folding the log), `rss_mb_at_N` (the answering worker's peak resident memory).

    python -m bench.cold_start 100000 [--runs 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import workload as W

PASSPHRASE = b"bench-cold-start"


def _settings(work: Path):
    from application.config import Settings

    return Settings(
        instance_dir=work / "instance",
        database_url=f"sqlite:///{work / 'onehall.db'}",
        key_dir=work / "keys",
        key_passphrase=PASSPHRASE,
        secret_key="bench",
        testing=True,
    )


def _iso(value):
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _reference(record_type: str, fact: dict, copied: tuple[str, ...], /, **fixed: Any) -> tuple[str, str, dict]:
    """A gov-service filing of reference data: the `copied` fields of the workload's fact, then `fixed`."""
    return record_type, "gov_service", {**{k: fact[k] for k in copied}, **fixed}


def records(snap: dict):
    """(record type, signing body, record) of the workload, in filing order."""
    for d in snap["departments"]:
        yield _reference(
            "department",
            d,
            ("code", "name"),
            group="city_department",
            kind=d.get("kind", "department"),
            entry_phase=None,
            low_volume=False,
            placeholder=False,
        )
    for h in snap["halls"]:
        yield _reference("hall", h, ("code", "name", "kind"), host_department=None)
    for p in snap["places"]:
        yield _reference(
            "place", p, ("code", "name", "kind"), hall=p.get("hall"), department=None, function_section=None
        )
    for p in snap["people"]:
        yield _reference("person", p, ("id", "department"), section=None, position=p["position"])
    for it in snap["items"]:
        yield (
            "item_filing",
            "gov_service",
            {
                "item": it["code"],
                "version": 1,
                "status": "published",
                "directory_item": None,
                "name": it["name"],
                "department": it["department"],
                "item_type": it["item_type"],
                "on_application": True,
                "case_type": it["case_type"],
                "report_up": False,
                "joint": it["joint"],
                "partners": [],
                "complexity": it["complexity"],
                "statutory_limit": None,
                "promised_limit": None,
                "promised_limit_2017": None,
                "fees": [{"code": f["code"], "name": "费"} for f in it["fees"]],
                "materials": [],
                "online_depth": "on_site",
                "function_section": None,
                "entry": it["entry"],
                "effective_from": _iso(it["effective_from"]),
            },
        )
    for a in snap["authorizations"]:
        yield (
            "authorization",
            f"dept:{a['grantor']}",
            {
                "id": a["id"],
                "grantor": a["grantor"],
                "grantee": a["grantee"],
                "post": a["post"],
                "backs": a["backs"],
                "powers": list(a["powers"]),
                "items": a["items"],
                "valid_from": _iso(a["valid_from"]),
                "valid_to": _iso(a["valid_to"]),
                "late_filed": False,
            },
        )
    for x in snap["absences"]:
        yield (
            "absence",
            "gov_service",
            {"id": x["id"], "person": x["person"], "from": _iso(x["from"]), "to": _iso(x["to"]), "late_filed": False},
        )


def build(work: Path, n: int) -> dict:
    """A registry holding the workload at `n` authorizations as signed records; returns a question."""
    from sqlalchemy import insert

    from registry import migrate
    from registry.ledger import node_getter, tree_size
    from registry.models import Department, LogEntry, LogNode, Person
    from signing import merkle
    from signing.records import make_leaf
    from application.bootstrap import publish_checkpoint
    from application.packs import ensure_active_pack
    from application.runtime import Runtime

    snap = W.build(n)
    rt = Runtime.create(_settings(work))
    migrate.upgrade(rt.engine)
    ensure_active_pack(rt)
    keys = rt.signing_keys
    signers: dict = {}
    for body in {body for _, body, _ in records(snap)}:  # keys in custody are made in their own transactions
        keys.ensure(body, at=W.T0 - W.DAY)
        signers[body] = keys.signer(body)
    with rt.sessions() as session, session.begin():
        session.execute(
            insert(Department),
            [
                {"code": d["code"], "name": d["name"], "group": "city_department", "kind": d.get("kind", "department")}
                for d in snap["departments"]
            ],
        )
        session.execute(
            insert(Person),
            [
                {"id": p["id"], "name": p["name"], "department": p["department"], "position": p["position"]}
                for p in snap["people"]
            ],
        )
        size = tree_size(session)
        cache: dict = {}
        get = node_getter(session, cache)
        entries, nodes = [], []
        for kind, body, rec in records(snap):
            rec = {**rec, "type": kind, "filed_at": _iso(W.T0), "filed_by": body, "log_index": size}
            leaf = make_leaf(rec, signers[body])
            h = merkle.leaf_hash(leaf)
            new = merkle.nodes_completed_by_append(size, h, get)
            cache.update(((lv, ix), hh) for lv, ix, hh in new)
            entries.append({"index": size, "leaf": leaf, "leaf_hash": h.hex(), "kind": kind, "ref": None})
            nodes.extend({"level": lv, "index": ix, "hash": hh} for lv, ix, hh in new)
            size += 1
            if len(entries) >= 20000:
                session.execute(insert(LogEntry), entries)
                session.execute(insert(LogNode), nodes)
                entries, nodes = [], []
        if entries:
            session.execute(insert(LogEntry), entries)
            session.execute(insert(LogNode), nodes)
    publish_checkpoint(rt)
    rt.close()
    person, action, item = W.requests(snap, 1)[0]
    return {"person": person, "action": action, "item": item, "log_size": size}


def child(work: Path, question: dict) -> None:
    """One worker's start: create the app, answer one decision, report."""
    from web.app import create_app

    app = create_app(_settings(work))
    rt = app.extensions["onehall"]
    answer = rt.policy.decide(question["person"], question["action"], question["item"], at=W.AT, known_at=W.KNOWN)
    print(
        json.dumps(
            {
                "allowed": answer["allowed"],
                "start": rt.policy.start_info,
                "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        ),
        flush=True,
    )
    os._exit(0)  # the answer is out: do not wait for the decision writer's thread


def measure(work: Path, question: dict) -> tuple[float, dict]:
    """(wall seconds, the child's report with its CPU seconds): the machine may be shared, and the
    CPU time is the work itself whatever else runs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # A deployed worker runs from compiled modules (an install writes them): the child may write and
    # use __pycache__ even where this shell sets PYTHONDONTWRITEBYTECODE (else each start compiles ~700 modules).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.cold_start", "--child", str(work), json.dumps(question)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    info["cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return elapsed, info


def run(n: int, runs: int = 3, workdir: Path | None = None) -> dict:
    """The figures at `n`; with `workdir`, the registry built there is kept (and reused if present)."""
    with tempfile.TemporaryDirectory(prefix="onehall-cold-") as tmp:
        work = Path(workdir) if workdir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        if (work / "question.json").exists():
            question = json.loads((work / "question.json").read_text())
        else:
            question = build(work, n)
            (work / "question.json").write_text(json.dumps(question))
        for old in (work / "instance" / "snapshots").glob("*.snap"):
            old.unlink()  # the first run folds the whole log
        out = {
            f"cold_start_build_s_at_{n}": round(time.perf_counter() - t0, 1),
            f"log_size_at_{n}": question["log_size"],
        }
        cold, info = measure(work, question)
        assert info["start"]["from"] == "log", info
        cold_cpu, cold_rss = info["cpu_s"], info["rss_mb"]
        warm, cpu, rss = [], [], []
        for _ in range(runs):
            elapsed, info = measure(work, question)
            assert info["start"]["from"] == "snapshot", info
            warm.append(elapsed)
            cpu.append(info["cpu_s"])
            rss.append(info["rss_mb"])
        snaps = list((work / "instance" / "snapshots").glob("*.snap"))
        out.update(
            {
                f"first_answer_s_at_{n}": round(statistics.median(warm), 2),
                f"first_answer_cpu_s_at_{n}": round(statistics.median(cpu), 2),
                f"first_answer_cold_s_at_{n}": round(cold, 2),
                f"first_answer_cold_cpu_s_at_{n}": round(cold_cpu, 2),
                f"rss_mb_at_{n}": statistics.median(rss),
                f"rss_mb_cold_at_{n}": cold_rss,
                f"snapshot_mb_at_{n}": round(sum(p.stat().st_size for p in snaps) / 2**20, 1),
            }
        )
        return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", nargs="?", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", type=Path, help="keep the built registry here (reused when present)")
    ap.add_argument("--child", nargs=2, metavar=("WORKDIR", "QUESTION"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(Path(args.child[0]), json.loads(args.child[1]))
        return 0
    print(json.dumps(run(args.n, args.runs, args.workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
