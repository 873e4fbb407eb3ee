"""bench.audit: `onehall audit` over N log entries beside `onehall verify` of the same entries.

The entries are bench.log's seal-use leaves (signed with a fixed key, checkpoints every quarter);
the registry database holds them as the log and, for each, its seal_uses row as the record states
it, so the audit folds, checks every signature (same parallel path and workers as verify) and
compares every row. Prints `audit_s_at_N` and `verify_s_at_N` (wall seconds, median of runs), their
ratio (target <= 1.5), and the CPU seconds of each (the machine may be shared).

    python -m bench.audit [--n 1000000] [--runs 1] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.log_export import cpu_s, build_export, run_verify
from bench.log_records import seal_use_record, size_label
from signing.export import iter_entries, read_checkpoints, read_keys


def build_registry(export: Path, db: Path) -> None:
    """A registry database holding the export's entries as its log, and one row per seal use."""
    from registry.db import make_engine
    from registry.models import Base
    from signing import merkle
    from signing.note import parse_checkpoint

    engine = make_engine(f"sqlite:///{db}")
    Base.metadata.create_all(engine)
    engine.dispose()
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    entries, uses = [], []
    for line in iter_entries(export):
        i = line.index
        entries.append((i, line.leaf, merkle.leaf_hash(line.leaf).hex(), "seal_use", str(i), "2024-05-01 08:00:00"))
        r = seal_use_record(i)
        uses.append(
            (
                i,
                r["seal"],
                r["person"],
                r["item"],
                r["case"],
                r["document_sha256"],
                r["place"],
                "2024-05-01 08:00:00.000000",
                r["decision_id"],
                r["authorization"],
                None,
                i,
                entries[-1][2],
            )
        )
        if len(entries) >= 50000:
            _flush(con, entries, uses)
    _flush(con, entries, uses)
    name, note = read_checkpoints(export)[-1]
    cp = parse_checkpoint(note.split("\n\n", 1)[0] + "\n")
    con.execute(
        "INSERT INTO checkpoints (tree_size, root_hash, note, created_at) VALUES (?, ?, ?, ?)",
        (cp.size, cp.root.hex(), note, "2024-05-01 08:00:00"),
    )
    con.commit()
    con.close()


def _flush(con, entries, uses) -> None:
    con.executemany(
        'INSERT INTO log_entries ("index", leaf, leaf_hash, kind, ref, appended_at) VALUES (?, ?, ?, ?, ?, ?)', entries
    )
    con.executemany(
        'INSERT INTO seal_uses (id, seal, person, item, "case", document_sha256, place, at, decision_id, '
        "authorization, acting_for, log_index, leaf_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        uses,
    )
    con.commit()
    entries.clear()
    uses.clear()


def run_audit_once(db: Path, keys, workers: int) -> tuple[float, float, int]:
    from registry.audit import run_audit
    from registry.db import make_engine, session_factory

    engine = make_engine(f"sqlite:///{db}")
    c0, t0 = cpu_s(), time.perf_counter()
    with session_factory(engine)() as session:
        report = run_audit(session, keys, None, incremental=False, workers=workers)
    elapsed, cpu = time.perf_counter() - t0, cpu_s() - c0
    engine.dispose()
    assert report.ok, (report.problems[:3], [d.text() for d in report.differences[:3]])
    return elapsed, cpu, report.signatures_checked


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    label = size_label(args.n)
    with tempfile.TemporaryDirectory(prefix="onehall-audit-") as tmp:
        work = Path(tmp)
        built = build_export(work / "export", args.n, args.workers)
        t0 = time.perf_counter()
        build_registry(work / "export", work / "registry.db")
        keys = list(read_keys(work / "export").values())
        out = {"n": args.n, "export": built, "registry_build_s": round(time.perf_counter() - t0, 1)}
        aud, ver = [], []
        for _ in range(args.runs):  # alternate, so that load from elsewhere falls on both alike
            aud.append(run_audit_once(work / "registry.db", keys, args.workers))
            ver.append(run_verify(work / "export", args.workers))
    audit_s, verify_s = statistics.median(a[0] for a in aud), statistics.median(v[0] for v in ver)
    out.update(
        {
            f"audit_s_at_{label}": round(audit_s, 2),
            f"verify_s_at_{label}": round(verify_s, 2),
            "audit_ratio": round(audit_s / verify_s, 3),
            f"audit_cpu_s_at_{label}": round(statistics.median(a[1] for a in aud), 2),
            f"verify_cpu_s_at_{label}": round(statistics.median(v[1] for v in ver), 2),
            "audit_signatures_checked": aud[0][2],
            "runs": args.runs,
            "workers": args.workers,
        }
    )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
