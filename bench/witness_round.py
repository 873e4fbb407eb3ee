"""bench.log's witness figures (docs/design.md §12.6, issue 16): what a witness round adds to a checkpoint.

Two witnesses run as separate processes (`onehall witness serve`, ephemeral ports); a
SQLite log gets 16 seal-use appends, then a checkpoint is published (`publish_ms`, the
baseline: sign and store it), then the scheduler's witness round submits it to both
(`witness_round_ms`: `application.witnessing.Witnessing.run`, add-checkpoint with a consistency
proof to each witness in parallel over kept-alive connections, the answers verified and
stored). Medians over the rounds, with the 95th percentile beside them.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROUNDS = 60
APPENDS_PER_ROUND = 16


class _Runtime:
    """The two things application.witnessing needs of a runtime: sessions and settings."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.settings = None

    @contextlib.contextmanager
    def reading(self):
        with self.sessions() as session:
            yield session


def _start_witness(work: Path, name: str, log_vkey: str) -> tuple[subprocess.Popen, str]:
    exe = Path(sys.executable).parent / "onehall"
    env = {**os.environ, "ONEHALL_WITNESS_PASSPHRASE": "bench"}
    proc = subprocess.Popen(
        [str(exe), "witness", "serve", str(work / name), "--name", name, "--log", log_vkey],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    line = proc.stdout.readline()  # "见证人 <vkey> 在 <url> 接受 add-checkpoint"
    words = line.split()
    if len(words) != 6 or not words[3].startswith("http://"):
        proc.kill()
        raise RuntimeError(f"witness {name} did not start: {line!r}")
    vkey, url = words[1], words[3]
    return proc, f"{vkey} {url}"


def section_witness(work: Path, rounds: int = ROUNDS) -> dict:
    from bench.log import BODY, ORIGIN, _append, _Database, seal_use_record
    from registry.ledger import LogSettings, SignedLog
    from registry.models import Base
    from signing.keys import KeyStore
    from signing.note import vkey
    from signing.policy import parse_policy
    from application.witnessing import Witnessing

    db = _Database(work, None)
    procs = []
    try:
        Base.metadata.create_all(db.engine)
        keys = KeyStore(work / f"keys-{uuid.uuid4().hex[:8]}", b"bench-passphrase")
        for body in (BODY, "log"):
            keys.ensure(body, at=datetime(2024, 1, 1, tzinfo=timezone.utc))
        log = SignedLog(keys, b"k" * 32, LogSettings(origin=ORIGIN))
        log_vkey = vkey(ORIGIN, keys.current("log").public_key)
        lines = []
        for name in ("w1.bench", "w2.bench"):
            proc, line = _start_witness(work, name, log_vkey)
            procs.append(proc)
            lines.append(f"witness {line}")
        policy = parse_policy(f"log {log_vkey}\n" + "\n".join(lines) + "\nquorum 2\n")
        witnessing = Witnessing(_Runtime(db.sessions), policy, timeout_s=5)
        publish_ms, round_ms = [], []
        n = 0
        for r in range(rounds + 3):  # the first rounds warm connections and caches
            for _ in range(APPENDS_PER_ROUND):
                _append(db, log, seal_use_record(n))
                n += 1
            t0 = time.perf_counter()
            session = db.writing()
            with session:
                log.publish_checkpoint(session)
                session.commit()
            t1 = time.perf_counter()
            result = witnessing.run()
            t2 = time.perf_counter()
            if any(w["error"] for w in result.values()):
                raise RuntimeError(f"witness round failed: {result}")
            if r >= 3:
                publish_ms.append((t1 - t0) * 1000)
                round_ms.append((t2 - t1) * 1000)
        witnessing.close()
        return {
            "witness_rounds": rounds,
            "witnesses": 2,
            "publish_checkpoint_ms": round(statistics.median(publish_ms), 2),
            "witness_round_ms": round(statistics.median(round_ms), 2),
            "witness_round_ms_p95": round(sorted(round_ms)[int(0.95 * (len(round_ms) - 1))], 2),
        }
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        db.close()
