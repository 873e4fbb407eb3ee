"""bench.log (docs/design.md §11): the signed log against a plain insert, proofs and offline verification.

Prints one JSON object. Each figure is the median of 5 runs (`--runs`), baselines measured
in the same run on the same machine:

- `append_per_s` (docs/design.md §11: signed appends with receipt): seal-use records appended through
  `SignedLog.append` (signed, with a personal-data commitment, as a seal use files them), each
  in its own filing transaction holding the log's writer lock (BEGIN IMMEDIATE on SQLite, the
  advisory lock on PostgreSQL), with a checkpoint published after every 256 appends (what
  makes their receipts ready: `checkpoint_max_entries`). `append_no_checkpoint_per_s` is the
  same stream without the checkpoints.
- `raw_insert_per_s`: one row holding as many bytes as the average leaf, inserted through the
  same layer (registry.db engine and sessions, so the same journal mode and pragmas, the same
  BEGIN IMMEDIATE, one row per transaction, one writer); `ratio` = append / raw.
- `case_accept_per_s` (docs/design.md §12.8): acceptances through the door, POST /cases decided, the
  case and its first step recorded and logged (bench.cases, SQLite, each request handed to the app
  as a WSGI server hands it); `case_accept_ratio` = case_accept / case_raw_insert (target >= 0.4: an
  acceptance writes two records), `case_raw_insert_per_s` being raw_insert's runs made between the
  acceptance runs (the same load for both). `case_accept_via_test_client_per_s`: the same through
  Werkzeug's test client (the client's own work included), runs interleaved with the first.
- `proof_ms_at_1m`: an inclusion proof plus a consistency proof read from the stored nodes
  (`registry.ledger.node_getter`, a session per request as the API opens it) at tree size
  1,000,000 in SQLite; the node table is bulk-loaded from precomputed hashes, not appended.
- `sm2_sign_per_s` (docs/design.md §12.8): SM2 signatures per CPU second through `signing.sm2` (the
  binding onehall uses), beside `openssl_sm2_sign_per_s` from `openssl speed -seconds 1 sm2`
  (which divides by user CPU time by default), runs interleaved; `sm2_sign_vs_openssl` is
  the ratio. `sm2_append_per_s` is `append_per_s` with an SM2 body key and
  `ed25519_append_per_s` the same stream with an Ed25519 key, interleaved in the same run;
  `sm2_append_vs_ed25519` is their ratio.
- `verify_s_at_1m`: `signing.verify.verify_export` of a 1,000,000-entry export (workers=2);
  `sig_verify_s_at_1m`: `signing.verify.check_signatures` alone, same parallelism;
  `verify_ratio` = verify / sig_verify. The entries are seal-use leaves signed with a fixed key
  (canonical bytes built from a template, checked against signing.canonical on a sample).
  Beside the wall-clock figures, `verify_cpu_s_at_1m` and `sig_verify_cpu_s_at_1m` (CPU of the
  main process and its workers) and `loadavg_1m_start_end`: on a shared machine the CPU
  figures show the work itself when other processes skew the wall clock.

- `witness_round_ms` (bench/witness_round.py): the scheduler's witness round, add-checkpoint to
  two local witnesses (`onehall witness serve` processes), beside `publish_checkpoint_ms`.

    python -m bench.log [--quick] [--database-url URL] [--runs 5] [--verify-runs 5] [--profile]
                        [--sections append,sm2,proof,verify,witness]

`--quick` uses 100,000 nodes and 10,000 entries (keys say the size: `proof_ms_at_100k`);
`--database-url` runs the append and raw figures on PostgreSQL (a scratch schema, dropped);
`--profile` prints a cProfile of the append loop to standard error. A full run with 5 runs of
the two 1M verify figures takes over half an hour on 2 cores (each is 1-4 minutes);
`--verify-runs 1` brings it to about 6-10 minutes.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Integer, LargeBinary, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from registry.db import make_engine, session_factory, write_lock
from registry.ledger import LogSettings, SignedLog, node_getter
from registry.models import Base, LogNode
from bench.log_export import section_verify
from bench.log_records import BODY, CHECKPOINT_EVERY, ORIGIN, median, size_label, seal_use_record
from bench.log_sm2 import section_sm2
from signing import merkle
from signing.keys import ALG_ED25519, KeyStore

# -- databases -------------------------------------------------------------------------------


class _Database:
    """A fresh database for one run: a SQLite file in a temporary directory, or a scratch
    PostgreSQL schema; the engine and sessions of registry.db either way."""

    def __init__(self, workdir: Path, url: str | None) -> None:
        self.schema = None
        if url:
            self.url = url
            self.schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            admin.dispose()
        else:
            self.url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        self.engine = make_engine(self.url, schema=self.schema)
        self.sessions = session_factory(self.engine)

    def writing(self):
        """A filing transaction, begun as application.runtime.Runtime.filing begins it."""
        session = self.sessions()
        session.begin()
        write_lock(session)
        return session

    def close(self) -> None:
        self.engine.dispose()
        if self.schema:
            admin = make_engine(self.url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            admin.dispose()


class _RawBase(DeclarativeBase):
    pass


class RawRow(_RawBase):
    """The baseline: a plain row as large as a leaf."""

    __tablename__ = "bench_raw"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


# -- appends against raw inserts ---------------------------------------------------------------


def run_appends(workdir: Path, url: str | None, n: int, receipts: bool, profile: bool = False, alg: str = ALG_ED25519):
    """Seconds for `n` appends, the body signing with an `alg` key."""
    db = _Database(workdir, url)
    try:
        Base.metadata.create_all(db.engine)
        keys = KeyStore(workdir / f"keys-{uuid.uuid4().hex[:8]}", b"bench-passphrase")
        log = SignedLog(keys, b"k" * 32, LogSettings(origin=ORIGIN, checkpoint_dir=workdir / "checkpoints"))
        for body, body_alg in ((BODY, alg), ("log", ALG_ED25519)):  # key creation, decryption: not appends
            keys.ensure(body, at=datetime(2024, 1, 1, tzinfo=timezone.utc), alg=body_alg)
            keys.signer(body)
        records = [seal_use_record(i) for i in range(n + 10)]
        for rec in records[:10]:  # warm the connection pool, statement caches and frontier
            _append(db, log, rec)
        prof = cProfile.Profile() if profile else None
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        for i, rec in enumerate(records[10:], start=1):
            _append(db, log, rec)
            if receipts and i % CHECKPOINT_EVERY == 0:
                session = db.writing()
                with session:
                    log.publish_checkpoint(session)
                    session.commit()
        if prof:
            prof.disable()
        elapsed = time.perf_counter() - t0
        if prof:
            pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
        return elapsed
    finally:
        db.close()


def _append(db: _Database, log: SignedLog, rec: dict) -> None:
    session = db.writing()
    with session:
        log.append(
            session, kind="seal_use", body=BODY, record=rec, ref=str(rec["id"]), personal={"person_name": "张建国"}
        )
        session.commit()


def run_raw(workdir: Path, url: str | None, n: int, size: int) -> float:
    db = _Database(workdir, url)
    try:
        _RawBase.metadata.create_all(db.engine)
        rows = [os.urandom(size) for _ in range(n + 10)]
        for i in range(10):
            _raw(db, i, rows[i])
        t0 = time.perf_counter()
        for i in range(10, n + 10):
            _raw(db, i, rows[i])
        return time.perf_counter() - t0
    finally:
        db.close()


def _raw(db: _Database, i: int, data: bytes) -> None:
    session = db.writing()
    with session:
        session.add(RawRow(id=i, data=data))
        session.commit()


def measure_leaf_len(workdir: Path) -> int:
    """Length of a seal-use leaf as SignedLog.append stores it (one append to a scratch log)."""
    from registry.models import LogEntry

    db = _Database(workdir, None)
    try:
        Base.metadata.create_all(db.engine)
        keys = KeyStore(workdir / "keys-len", b"bench-passphrase")
        log = SignedLog(keys, b"k" * 32, LogSettings(origin=ORIGIN))
        keys.ensure(BODY, at=datetime(2024, 1, 1, tzinfo=timezone.utc))
        _append(db, log, seal_use_record(123456))
        with db.sessions() as s:
            return len(s.get(LogEntry, 0).leaf)
    finally:
        db.close()


# -- proofs at a million ----------------------------------------------------------------------


def build_node_table(path: Path, n: int) -> tuple[bytes, dict]:
    """A SQLite log_nodes table of an n-leaf tree, bulk-loaded; returns the root and timings."""
    t0 = time.perf_counter()
    sha = hashlib.sha256
    level = [sha(b"\x00" + i.to_bytes(8, "big")).digest() for i in range(n)]
    levels = [level]
    while len(level) > 1:
        level = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        levels.append(level)
    t_hash = time.perf_counter() - t0
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine, tables=[LogNode.__table__])
    t1 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("BEGIN")
        for lv, hashes in enumerate(levels):
            cur.executemany(
                'INSERT INTO log_nodes (level, "index", hash) VALUES (?, ?, ?)',
                ((lv, ix, h) for ix, h in enumerate(hashes)),
            )
        cur.execute("COMMIT")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
    finally:
        raw.close()
    engine.dispose()
    t_load = time.perf_counter() - t1
    root = merkle.root_at(n, lambda lv, ix: levels[lv][ix])
    return root, {"hash_s": round(t_hash, 2), "load_s": round(t_load, 2), "nodes": sum(len(x) for x in levels)}


def run_proofs(path: Path, n: int, root: bytes, requests: int, seed: int) -> dict:
    """Median milliseconds of (inclusion + consistency) per request, each in its own session."""
    engine = make_engine(f"sqlite:///{path}")
    sessions = session_factory(engine)
    rng = random.Random(seed)
    both, inc, con = [], [], []
    try:
        for _ in range(requests):
            index, m = rng.randrange(n), rng.randrange(1, n)
            t0 = time.perf_counter()
            with sessions() as s:
                ip = merkle.inclusion_proof(index, n, node_getter(s))
                t1 = time.perf_counter()
                cp = merkle.consistency_proof(m, n, node_getter(s))
            t2 = time.perf_counter()
            both.append(t2 - t0)
            inc.append(t1 - t0)
            con.append(t2 - t1)
            # Check the answer (outside the timing): the proof leads to the known root.
            merkle.verify_inclusion(hashlib.sha256(b"\x00" + index.to_bytes(8, "big")).digest(), index, n, ip, root)
            assert len(cp) > 0
    finally:
        engine.dispose()
    return {"both": median(both) * 1000, "inclusion": median(inc) * 1000, "consistency": median(con) * 1000}


def section_append(work: Path, url: str | None, appends: int, runs: int, profile: bool) -> dict:
    leaf_len = measure_leaf_len(work)
    if profile:
        run_appends(work, url, appends, receipts=True, profile=True)
    # Interleave the variants so that drift in the machine hits all of them alike.
    app_s, rcp_s, raw_s = [], [], []
    for _ in range(runs):
        app_s.append(run_appends(work, url, appends, receipts=False))
        raw_s.append(run_raw(work, url, appends, leaf_len))
        rcp_s.append(run_appends(work, url, appends, receipts=True))
    bare_per_s = appends / median(app_s)
    append_per_s = appends / median(rcp_s)
    raw_per_s = appends / median(raw_s)
    return {
        "appends_per_run": appends,
        "leaf_bytes": leaf_len,
        "append_per_s": round(append_per_s, 1),
        "append_no_checkpoint_per_s": round(bare_per_s, 1),
        "raw_insert_per_s": round(raw_per_s, 1),
        "ratio": round(append_per_s / raw_per_s, 3),
        "no_checkpoint_ratio": round(bare_per_s / raw_per_s, 3),
    }


def section_cases(work: Path, n: int, runs: int) -> dict:
    """`case_accept_per_s` (docs/design.md §12.8): POST /cases decided, recorded and logged (bench.cases),
    SQLite; each run on a fresh database, the median reported. Its baseline, `case_raw_insert_per_s`:
    `n` raw inserts (as run_raw) run between the acceptance runs, so that the two figures of the ratio
    meet the same load on a shared machine (the append section's raw runs come minutes earlier)."""
    from bench import cases

    leaf_len = measure_leaf_len(work)
    rates, via_client, raw_s = [], [], []
    for r in range(runs):
        d = work / f"cases-{r}"
        d.mkdir()
        rates.append(cases.run(d, n))
        raw_s.append(run_raw(work, None, n, leaf_len))
        d = work / f"cases-client-{r}"
        d.mkdir()
        via_client.append(cases.run(d, n, via_test_client=True))
    rate, raw_per_s = median(rates), n / median(raw_s)
    return {
        "case_accept_per_s": round(rate, 1),
        "case_accept_via_test_client_per_s": round(median(via_client), 1),
        "case_accepts_per_run": n,
        "case_raw_insert_per_s": round(raw_per_s, 1),
        "case_accept_ratio": round(rate / raw_per_s, 3),
    }


def section_proof(work: Path, n: int, runs: int) -> dict:
    label = size_label(n)
    nodes_db = work / "nodes.db"
    root, build = build_node_table(nodes_db, n)
    proofs = [run_proofs(nodes_db, n, root, requests=200, seed=r) for r in range(runs)]
    return {
        f"proof_ms_at_{label}": round(median([p["both"] for p in proofs]), 3),
        f"inclusion_ms_at_{label}": round(median([p["inclusion"] for p in proofs]), 3),
        f"consistency_ms_at_{label}": round(median([p["consistency"] for p in proofs]), 3),
        "node_table": build,
    }


# -- main -------------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small run (< 60 s)")
    ap.add_argument("--database-url", help="append/raw figures on this PostgreSQL server (scratch schema)")
    ap.add_argument("--runs", type=int, default=5, help="runs per figure (median reported)")
    ap.add_argument("--verify-runs", type=int, default=None, help="runs of the two verify figures")
    ap.add_argument("--appends", type=int, default=None, help="appends (and raw inserts) per run")
    ap.add_argument("--workers", type=int, default=2, help="verifier processes")
    ap.add_argument("--profile", action="store_true", help="cProfile one append run to stderr")
    ap.add_argument(
        "--sections",
        default="append,cases,sm2,proof,verify,witness",
        help="comma-separated subset of append,cases,sm2,proof,verify,witness (default: all)",
    )
    args = ap.parse_args(argv)

    runs = max(1, args.runs)
    verify_runs = max(1, args.verify_runs or runs)
    appends = args.appends or (500 if args.quick else 2000)
    tree_n = 100_000 if args.quick else 1_000_000
    export_n = 10_000 if args.quick else 1_000_000
    out: dict = {
        "bench": "log",
        "quick": args.quick,
        "runs": runs,
        "backend": "postgresql" if args.database_url else "sqlite",
        "cpus": os.cpu_count(),
    }

    sections = set(args.sections.split(","))
    targets: dict = {}
    load_start = os.getloadavg()[0]  # other work on the machine skews every wall-clock figure
    with tempfile.TemporaryDirectory(prefix="bench-log-") as tmp:
        work = Path(tmp)
        if "append" in sections:
            out.update(section_append(work, args.database_url, appends, runs, args.profile))
            targets["append_ge_0.8x_raw"] = out["ratio"] >= 0.8
        if "cases" in sections and not args.database_url:
            out.update(section_cases(work, min(appends, 500), runs))
            targets["case_accept_ge_0.4x_raw"] = out["case_accept_ratio"] >= 0.4
        if "sm2" in sections:
            out.update(
                section_sm2(lambda alg: run_appends(work, args.database_url, appends, True, alg=alg), appends, runs)
            )
            if out["sm2_sign_vs_openssl"] is not None:
                targets["sm2_sign_ge_0.5x_openssl"] = out["sm2_sign_vs_openssl"] >= 0.5
        if "proof" in sections:
            label = size_label(tree_n)
            out.update(section_proof(work, tree_n, runs))
            targets["proof_le_1ms"] = out[f"proof_ms_at_{label}"] <= 1.0
        if "verify" in sections:
            out.update(section_verify(work, export_n, verify_runs, args.workers))
            targets["verify_le_1.25x_sig"] = out["verify_ratio"] <= 1.25
        if "witness" in sections:
            from bench.witness_round import section_witness

            out.update(section_witness(work, rounds=20 if args.quick else 60))
            targets["witness_round_le_50ms"] = out["witness_round_ms"] <= 50
    out["targets"] = targets
    out["loadavg_1m_start_end"] = [round(load_start, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
