"""bench.log_concurrent (docs/design.md §12.8): concurrent appenders on PostgreSQL against raw writers.

Prints one JSON object; each figure the median of `--runs` runs, baselines in the same run:

- `append_per_s_4`: 4 processes appending signed seal-use records (SignedLog.append, one
  filing transaction each, holding the log's advisory lock), all released by one barrier;
  throughput = all appends / (last finish - first start).
- `raw_insert_per_s_4`: 4 processes inserting a row of the leaf's size, each transaction
  taking the same advisory lock (registry.db.lock_key(engine, "log")) first: the cost of the
  serialisation itself. `ratio_4` = append / raw (target >= 0.8).
- `append_per_s_1` and `ratio_4_vs_1`: one appender alone, and what the 4 give over it.

Both commit durably before a writer counts its row: the raw writers with the server's synchronous
commit inside the lock; the appenders as onehall commits a filing on PostgreSQL (registry.ledger):
the append's transaction commits without waiting for the fsync, so the lock is free sooner, and the
filing returns once a WAL-flushing statement covers its commit (shared by appenders that commit close
together). Run base and change alternately on a shared machine, several times, and report medians.

    python -m bench.log_concurrent --database-url postgresql://postgres@127.0.0.1:5432/test [--appends 500]

Also runs on SQLite without --database-url (the lock is then the database's write lock).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text

from bench.log import RawRow, _Database, _RawBase
from bench.log_records import BODY, ORIGIN, seal_use_record
from registry.db import lock_key, make_engine, session_factory, write_lock
from registry.ledger import LogSettings, SignedLog
from registry.models import Base
from signing.keys import KeyStore

PASSPHRASE = b"bench-passphrase"


def _worker(kind: str, url: str, schema: str | None, key_dir: str, first: int, n: int, size: int, barrier, out) -> None:
    engine = make_engine(url, schema=schema)
    sessions = session_factory(engine)
    keys = KeyStore(key_dir, PASSPHRASE)
    log = SignedLog(keys, b"k" * 32, LogSettings(origin=ORIGIN))
    for body in (BODY, "log"):
        keys.signer(body)
    data = os.urandom(size)
    key = lock_key(engine, "log")

    def one(i: int) -> None:
        with sessions() as session, session.begin():
            write_lock(session)
            if kind == "append":
                log.append(
                    session,
                    kind="seal_use",
                    body=BODY,
                    record=seal_use_record(i),
                    ref=str(i),
                    personal={"person_name": "张建国"},
                )
            else:
                if engine.dialect.name == "postgresql":
                    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
                session.add(RawRow(id=i, data=data))

    for i in range(first, first + 5):  # warm up: pool, statement caches, key decryption
        one(i)
    barrier.wait()
    t0 = time.perf_counter()
    for i in range(first + 5, first + 5 + n):
        one(i)
    out.put((t0, time.perf_counter()))
    engine.dispose()


def run(kind: str, url: str | None, processes: int, n: int, size: int) -> float:
    """Rows per second of `processes` writers doing `n` each."""
    with tempfile.TemporaryDirectory(prefix="bench-logc-") as tmp:
        db = _Database(Path(tmp), url)
        try:
            Base.metadata.create_all(db.engine)
            _RawBase.metadata.create_all(db.engine)
            key_dir = Path(tmp) / "keys"
            keys = KeyStore(key_dir, PASSPHRASE)
            for body in (BODY, "log"):
                keys.ensure(body, at=datetime(2024, 1, 1, tzinfo=timezone.utc))
            ctx = multiprocessing.get_context("spawn")
            barrier, out = ctx.Barrier(processes), ctx.Queue()
            procs = [
                ctx.Process(
                    target=_worker, args=(kind, db.url, db.schema, str(key_dir), p * (n + 10), n, size, barrier, out)
                )
                for p in range(processes)
            ]
            for p in procs:
                p.start()
            spans = [out.get(timeout=600) for _ in procs]
            for p in procs:
                p.join()
            return processes * n / (max(e for _, e in spans) - min(s for s, _ in spans))
        finally:
            db.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url")
    ap.add_argument("--appends", type=int, default=500, help="per process")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size", type=int, default=700, help="bytes of a raw row (about a leaf)")
    args = ap.parse_args(argv)
    figures: dict[str, list[float]] = {"append_per_s_4": [], "raw_insert_per_s_4": [], "append_per_s_1": []}
    load = [os.getloadavg()[0]]
    for _ in range(max(1, args.runs)):
        figures["raw_insert_per_s_4"].append(run("raw", args.database_url, 4, args.appends, args.size))
        figures["append_per_s_4"].append(run("append", args.database_url, 4, args.appends, args.size))
        figures["append_per_s_1"].append(run("append", args.database_url, 1, args.appends, args.size))
    load.append(os.getloadavg()[0])
    out = {k: round(statistics.median(v), 1) for k, v in figures.items()}
    out.update(
        bench="log_concurrent",
        backend="postgresql" if args.database_url else "sqlite",
        appends_per_process=args.appends,
        runs=args.runs,
        cpus=os.cpu_count(),
        ratio_4=round(out["append_per_s_4"] / out["raw_insert_per_s_4"], 3),
        ratio_4_vs_1=round(out["append_per_s_4"] / out["append_per_s_1"], 3),
        loadavg_1m_start_end=[round(x, 2) for x in load],
    )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
