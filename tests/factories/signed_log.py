"""The signed log over a real database (SQLite and PostgreSQL), driven like production.

A `LogHarness`: an empty schema, a key store in tmp, a `SignedLog` that keeps its checkpoints
outside the database (as application.logservice sets it up), helpers to append, publish
checkpoints, export (the same query and writer as `onehall log export`) and run the `onehall`
command as a subprocess with the ONEHALL_* environment pointing at this database.
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import make_engine, session_factory, write_lock
from registry.ledger import LogSettings, SignedLog
from registry.models import Base, Checkpoint, LogEntry, LogNode
from signing import merkle
from signing.export import ExportMeta, write_export
from signing.keys import KeyStore
from tests.factories.processes import PROJECT_ROOT, clean_env, onehall_exe, run

PASSPHRASE = b"log-test-passphrase"
ORIGIN = "onehall.xiangtan/log"  # application.config.Settings.log_origin, which the CLI exports under
BODY = "gov_service"


class LogHarness:
    def __init__(self, url: str, schema: str | None, root: Path) -> None:
        self.url, self.schema, self.root = url, schema, root
        self.key_dir = root / "keys"
        # application.logservice keeps checkpoints in key_dir.parent / "checkpoints": the same place,
        # so the CLI (a Runtime of its own) and this harness write to one outside directory.
        self.outside = root / "checkpoints"
        self.engine = make_engine(url, schema=schema)
        Base.metadata.create_all(self.engine)
        self.sessions = session_factory(self.engine)
        self.keys = KeyStore(self.key_dir, PASSPHRASE)
        self.log = self.new_log()
        self._n = 0

    def new_log(self) -> SignedLog:
        """Another SignedLog over the same keys: what a second worker process holds."""
        return SignedLog(self.keys, b"k" * 32, LogSettings(origin=ORIGIN, checkpoint_dir=self.outside))

    @contextmanager
    def filing(self) -> Iterator[Session]:
        """One filing transaction, as application.runtime.Runtime.filing opens it."""
        with self.sessions() as session, session.begin():
            write_lock(session)
            yield session

    def append(self, count: int = 1, log: SignedLog | None = None) -> list[int]:
        log = log or self.log
        out = []
        for _ in range(count):
            with self.filing() as session:
                logged = log.append(session, kind="test", body=BODY, record=self.record())
            out.append(logged.index)
        return out

    def record(self) -> dict:
        self._n += 1
        return {
            "type": "test",
            "filed_at": "2024-05-01T08:00:00Z",
            "filed_by": BODY,
            "n": self._n,
            "note": f"record number {self._n:05d} of the tamper test",
        }

    def checkpoint(self) -> Checkpoint | None:
        with self.filing() as session:
            return self.log.publish_checkpoint(session)

    def build(self, total: int, checkpoint_every: int) -> list[int]:
        """`total` signed records, a checkpoint after every `checkpoint_every` and at the end."""
        sizes = []
        while self.size() < total:
            self.append(min(checkpoint_every, total - self.size()))
            sizes.append(self.checkpoint().tree_size)
        return sizes

    # -- reading --------------------------------------------------------------------------

    def size(self) -> int:
        with self.sessions() as s:
            last = s.scalar(select(LogEntry.index).order_by(LogEntry.index.desc()).limit(1))
        return 0 if last is None else last + 1

    def indices(self) -> list[int]:
        with self.sessions() as s:
            return list(s.scalars(select(LogEntry.index).order_by(LogEntry.index)))

    def export(self, directory: Path) -> int:
        """What `onehall log export` writes (web/cli_log.py): (index, leaf) pairs in order."""
        self.keys.ensure("log")
        with self.sessions() as s:
            rows = [
                (i, bytes(leaf))
                for i, leaf in s.execute(select(LogEntry.index, LogEntry.leaf).order_by(LogEntry.index))
            ]
            notes = list(s.scalars(select(Checkpoint.note).order_by(Checkpoint.tree_size)))
        return write_export(
            directory,
            rows,
            notes,
            self.keys.public_keys(),
            ExportMeta(ORIGIN, self.keys.current("log").key_id, ORIGIN),
            progress=False,
        )

    def vkey(self) -> str:
        """The log's C2SP verifier key, as `onehall keys vkey` prints it (pinned by verify)."""
        from signing.note import vkey

        return vkey(ORIGIN, self.keys.ensure("log").public_key)

    def assert_nodes_consistent(self) -> int:
        """Every stored node is the hash the leaves give, and no complete subtree is missing."""
        with self.sessions() as s:
            leaves = [bytes(x) for x in s.scalars(select(LogEntry.leaf).order_by(LogEntry.index))]
            nodes = {(lv, ix): bytes(h) for lv, ix, h in s.execute(select(LogNode.level, LogNode.index, LogNode.hash))}
        tree = merkle.MemoryTree.from_entries(leaves)
        expected = {}
        level = 0
        while (tree.size >> level) > 0:
            for ix in range(tree.size >> level):
                expected[(level, ix)] = tree.get(level, ix)
            level += 1
        wrong = sorted(k for k in expected if nodes.get(k) != expected[k])
        extra = sorted(set(nodes) - set(expected))
        assert not wrong and not extra, f"wrong or missing nodes {wrong[:10]}, extra nodes {extra[:10]}"
        return tree.size

    # -- the command line -----------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = clean_env()
        # The harness keeps its keys in a folder (signing.keys.KeyStore): so do its subprocesses.
        env.update(
            ONEHALL_DATABASE_URL=self.url,
            ONEHALL_KEY_DIR=str(self.key_dir),
            ONEHALL_KEY_STORE="files",
            ONEHALL_KEY_PASSPHRASE=PASSPHRASE.decode(),
            ONEHALL_INSTANCE=str(self.root / "instance"),
        )
        if self.schema:
            env["ONEHALL_DATABASE_SCHEMA"] = self.schema
        return env

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return run([onehall_exe(), *args], env=self.env(), timeout=timeout)

    def script(self, module: str, *args: str, **kw) -> subprocess.Popen:
        """`python -m module args` with this database's environment, stdout piped."""
        return subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=PROJECT_ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kw,
        )

    def close(self) -> None:
        self.engine.dispose()
