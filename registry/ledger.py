"""The signed Merkle log as stored in the registry (docs/design.md §7, §9).

`SignedLog.append` writes the record's leaf, and the complete-subtree nodes it finishes,
inside the caller's transaction: no record without a leaf, no leaf without a record. One
writer at a time: SQLite filings begin IMMEDIATE (the database's single writer lock);
PostgreSQL takes a transaction-scoped advisory lock. The tree size is read inside that
transaction, so concurrent workers produce one gap-free order.
"""
from __future__ import annotations

import base64
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.act_log import note_act
from registry.db import lock_key, utcnow, write_lock
from registry.fastsql import BulkInsert, Prepared
from registry.models import Checkpoint, LogEntry, LogNode, RecordSalt
from registry.services.context import Logged
from signing import merkle
from signing.commitment import commit, new_salt
from signing.errors import KeyStoreError
from signing.keys import ALG_SM2, KeyStore
from signing.note import format_checkpoint, sign_note
from signing.note_sm2 import LOG_SM2_BODY, add_sm2_signature
from signing.records import make_leaf

LOG_BODY = "log"


def tree_size(session: Session) -> int:
    last = session.scalar(select(func.max(LogEntry.index)))
    return 0 if last is None else last + 1


_NODE = select(LogNode.hash).where(LogNode.level == bindparam("level"), LogNode.index == bindparam("index"))
_TAIL = select(LogEntry.index, LogEntry.leaf_hash).order_by(LogEntry.index.desc()).limit(1)
_INSERT_ENTRY = BulkInsert(LogEntry.__table__)
_INSERT_NODES = BulkInsert(LogNode.__table__)
_INSERT_SALTS = BulkInsert(RecordSalt.__table__)


def node_getter(session: Session, cache: dict[tuple[int, int], bytes] | None = None):
    """`get(level, index)` over stored nodes, for the signing.merkle proof functions.

    A proof reads about 2·log2(n) nodes one at a time (some 40 at a million entries), so the
    per-read cost is the proof's cost: each read is one primary-key lookup run on the DBAPI
    cursor of the session's own connection (same transaction), with the SQL SQLAlchemy
    compiled once per dialect. Through Connection.execute a read costs ~30 µs; here ~5 µs.
    """
    cache = {} if cache is None else cache
    cursor = prepared = None

    def get(level: int, index: int) -> bytes:
        nonlocal cursor, prepared
        key = (level, index)
        h = cache.get(key)
        if h is None:
            if cursor is None:
                conn = session.connection()
                prepared = Prepared.of(_NODE, conn.dialect)
                cursor = conn.connection.cursor()
            cursor.execute(prepared.sql, prepared.params(level=level, index=index))
            rows = cursor.fetchall()
            if not rows:
                raise LookupError(f"log node {key} missing: the stored tree is damaged")
            h = cache[key] = bytes(rows[0][0])
        return h

    return get


@dataclass
class LogSettings:
    origin: str = "onehall.xiangtan/log"
    checkpoint_interval_ms: int = 200
    checkpoint_max_entries: int = 256
    checkpoint_dir: Path | None = None


class SignedLog:
    """Implements registry.services.context.Ledger over the database."""

    def __init__(self, keys: KeyStore, commitment_key: bytes, settings: LogSettings | None = None):
        self.keys = keys
        self._commitment = commitment_key
        self.settings = settings or LogSettings()
        self._frontier_lock = threading.Lock()
        # (tree size, hash of its last leaf, the right-edge nodes): see _cached_frontier
        self._frontier: tuple[int, str, dict[tuple[int, int], bytes]] | None = None
        self._checkpoint_lock = threading.Lock()
        self._signers: dict[str, Any] = {}

    @property
    def commitment_key(self) -> bytes:
        """The HMAC key of personal-data commitments (from the key store when it keeps one)."""
        if not self._commitment:
            self._commitment = self.keys.commitment_key()
        return self._commitment

    # -- appending ---------------------------------------------------------------------------

    def append(self, session: Session, *, kind: str, body: str, record: dict[str, Any],
               ref: str | None = None, personal: dict[str, str] | None = None) -> Logged:
        lock_log(session)
        # A key in custody is found (or made, and logged: an append of its own) before the tail is read.
        in_session = self._signer_in_session(session, body, record)
        if in_session is not None and not self._commitment:
            # made (once per deployment) in this transaction: a second one would wait on our lock
            self._commitment = self.keys.commitment_key_in(session)
        size, last_hash = _tail(session)
        salts: list[tuple[str, bytes]] = []
        if personal:
            commitments = {}
            for field, value in sorted(personal.items()):
                salt = new_salt()
                salts.append((field, salt))
                commitments[field] = commit(value, salt, self.commitment_key)
            record = {**record, "commitments": commitments}
        record = {**record, "log_index": size}
        if in_session is not None:
            signer = _Capture(in_session)
            leaf = make_leaf(record, signer)
        else:
            signer, leaf = self._sign(body, record)
        leaf_hash = merkle.leaf_hash(leaf)
        known = self._cached_frontier(size, last_hash)
        get = node_getter(session, known)
        new_nodes = merkle.nodes_completed_by_append(size, leaf_hash, get)
        # The caller's pending rows first, as before; then our rows straight to the driver (the
        # ORM's unit of work and Core's per-execute machinery cost more than the inserts, and
        # nothing of ours needs these rows as objects in the session).
        session.flush()
        conn = session.connection()
        _INSERT_ENTRY.run(conn, [{"index": size, "leaf": leaf, "leaf_hash": leaf_hash.hex(), "kind": kind,
                                  "ref": ref, "appended_at": utcnow()}])
        _INSERT_NODES.run(conn, [{"level": lv, "index": ix, "hash": h} for lv, ix, h in new_nodes])
        _INSERT_SALTS.run(conn, [{"log_index": size, "field": f, "salt": s} for f, s in salts])
        # The next frontier is the old one plus what this append completed: no reads.
        known.update(((lv, ix), h) for lv, ix, h in new_nodes)
        self._remember_frontier(size + 1, leaf_hash.hex(), get)
        note_act(session, act=kind, log_index=size, leaf_hash=leaf_hash.hex(), body=body, key_id=signer.key_id)
        # The record hash is the RFC 9162 leaf hash: the entry's identity in the log and on /verify.
        return Logged(index=size, leaf_hash=leaf_hash.hex(), record_hash=leaf_hash.hex(),
                      signature=base64.b64encode(signer.value).decode())

    def _signer_in_session(self, session: Session, body: str, record: dict[str, Any]):
        """Keys in the database (registry.custody): the body's current signer as of this
        transaction, which holds the log's writer lock; None for a key store of files."""
        signer_in = getattr(self.keys, "signer_in", None)
        return None if signer_in is None else signer_in(session, body, at=_record_time(record))

    def _sign(self, body: str, record: dict[str, Any]) -> tuple["_Capture", bytes]:
        """The leaf of `record`, signed with the current key of `body` (created if it has none).

        KeyStore.signer builds a new signer object each time; keep the last one per body.
        Its `sign` checks, every time, that the key is still current, so a rotation in
        another worker is seen at once: the retired signer refuses and the new key signs.
        """
        cached = self._signers.get(body)
        if cached is not None:
            signer = _Capture(cached)
            try:
                return signer, make_leaf(record, signer)
            except KeyStoreError:
                self._signers.pop(body, None)
        self.keys.ensure(body, at=_record_time(record))
        signer = _Capture(self._signers.setdefault(body, self.keys.signer(body)))
        return signer, make_leaf(record, signer)

    def _cached_frontier(self, size: int, last_hash: str | None) -> dict[tuple[int, int], bytes]:
        """The right-edge nodes of our last append, if the stored tree still ends with it.

        Checking the size alone is not enough: our append may have been rolled back and
        another worker may have committed a different leaf at that index since. Earlier
        leaves are committed and never change, so the last leaf's hash decides.
        """
        with self._frontier_lock:
            if self._frontier is not None and self._frontier[:2] == (size, last_hash):
                return dict(self._frontier[2])
        return {}

    def _remember_frontier(self, size: int, last_hash: str, get) -> None:
        # The left siblings the next appends need are the complete subtrees along the right edge.
        frontier: dict[tuple[int, int], bytes] = {}
        start = 0
        remaining = size
        while remaining:
            level = remaining.bit_length() - 1
            index = start >> level
            try:
                frontier[(level, index)] = get(level, index)
            except LookupError:  # pragma: no cover - damaged store; don't cache
                return
            start += 1 << level
            remaining -= 1 << level
        with self._frontier_lock:
            self._frontier = (size, last_hash, frontier)

    # -- checkpoints -------------------------------------------------------------------------

    def latest_checkpoint(self, session: Session) -> Checkpoint | None:
        return session.scalar(select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1))

    def publish_checkpoint(self, session: Session) -> Checkpoint | None:
        """Sign and store a checkpoint of the current tree if it grew; None if nothing new."""
        lock_log(session)
        signer = self._signer_in_session(session, LOG_BODY, {})
        size = tree_size(session)
        latest = self.latest_checkpoint(session)
        if size == 0 or (latest is not None and latest.tree_size >= size):
            return None
        root = merkle.root_at(size, node_getter(session))
        if signer is None:
            self.keys.ensure(LOG_BODY)
            signer = self.keys.signer(LOG_BODY)
        body = format_checkpoint(self.settings.origin, size, root)
        note = sign_note(body, self.settings.origin, signer)
        sm2_key = self.keys.current(LOG_SM2_BODY)
        if sm2_key is not None and sm2_key.alg == ALG_SM2:  # a 国密 line beside it, once the log has an SM2 key
            note = add_sm2_signature(note, self.settings.origin, self.keys.signer(LOG_SM2_BODY))
        cp = Checkpoint(tree_size=size, root_hash=root.hex(), note=note, created_at=utcnow())
        session.add(cp)
        session.flush()
        self._write_outside(cp)
        return cp

    def _write_outside(self, cp: Checkpoint) -> None:
        """Checkpoints are also kept outside the database, where a tamperer of it can't reach."""
        directory = self.settings.checkpoint_dir
        if directory is None:
            return
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{cp.tree_size:012d}.note"
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(cp.note, encoding="utf-8")
        os.replace(tmp, path)

    def await_checkpoint(self, sessions, index: int, wait_ms: int) -> Checkpoint:
        """A checkpoint covering leaf `index`: an existing one, or one published now.

        Checkpoints are batched: a new one is signed at most every `checkpoint_interval_ms`,
        so receipts that arrive together share one; the wait is bounded by `wait_ms`.
        """
        deadline = time.monotonic() + wait_ms / 1000
        while True:
            with sessions() as session:
                latest = self.latest_checkpoint(session)
                if latest is not None and latest.tree_size > index:
                    return latest
                age_ms = (utcnow() - latest.created_at).total_seconds() * 1000 if latest else 1e9
            if age_ms >= self.settings.checkpoint_interval_ms or time.monotonic() >= deadline:
                with self._checkpoint_lock:
                    try:
                        with sessions() as session, session.begin():
                            # Like a filing: on SQLite take the write lock up front, or a
                            # filing committed by another worker after our first read makes
                            # the insert fail ("database is locked": a stale WAL snapshot).
                            write_lock(session)
                            cp = self.publish_checkpoint(session)
                    except IntegrityError:  # another worker published the same size first
                        cp = None
                if cp is not None and cp.tree_size > index:
                    return cp
            if time.monotonic() >= deadline + 5:
                raise TimeoutError("no checkpoint covers the entry")
            time.sleep(min(0.01, max(0.0, self.settings.checkpoint_interval_ms / 1000 - age_ms / 1000)))


def _tail(session: Session) -> tuple[int, str | None]:
    """The tree size and the hash of the last leaf (one indexed read, like tree_size)."""
    conn = session.connection()
    prepared = Prepared.of(_TAIL, conn.dialect)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(prepared.sql, prepared.params())
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return (0, None) if not rows else (rows[0][0] + 1, rows[0][1])


class _Capture:
    """A signer that keeps the signature it made (make_leaf returns only the leaf bytes)."""

    def __init__(self, signer) -> None:
        self._signer = signer
        self.key_id, self.alg, self.public_key_raw = signer.key_id, signer.alg, signer.public_key_raw
        self.value = b""

    def sign(self, data: bytes) -> bytes:
        self.value = self._signer.sign(data)
        return self.value


def _record_time(record: dict[str, Any]) -> datetime:
    """A body's first key is valid from its first record's time, so that record verifies."""
    raw = record.get("filed_at")
    if isinstance(raw, str):
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return utcnow()


def lock_log(session: Session) -> None:
    """Take the single-writer lock of the log for this transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(bind, "log")})
    # SQLite: filings begin IMMEDIATE, which already holds the database's write lock.
