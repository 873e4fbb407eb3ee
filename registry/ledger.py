"""The signed Merkle log as stored in the registry (docs/design.md §7, §9): storage and append.

Along Tessera's seams: this module appends (`SignedLog.append`), registry.checkpointer signs
and awaits checkpoints, registry.log_reader builds proofs and receipts.

`SignedLog.append` writes the record's leaf, and the complete-subtree nodes it finishes,
inside the caller's transaction: no record without a leaf, no leaf without a record. One
writer at a time: SQLite filings begin IMMEDIATE (registry.db.write_lock: the database's
single writer lock); PostgreSQL takes a transaction-scoped advisory lock. The tree size, the
last leaf and the right-edge nodes are read in one statement inside that transaction, so
concurrent workers produce one gap-free order and no append reads the tree node by node.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from registry.act_log import note_act
from registry.checkpointer import LOG_BODY, Checkpointer, LogSettings, tree_size
from registry.db import utcnow
from registry.errors import FieldError, Invalid
from registry.fastsql import BulkInsert, Prepared, connection
from registry.log_tail import TAIL, CommittedTail, edge_after, lock_and_read_tail, lock_log
from registry.models import Checkpoint, LogEntry, LogNode, RecordSalt
from registry.services.context import Logged
from signing import merkle
from signing.commitment import commit, new_salt
from signing.errors import KeyStoreError
from signing.keys import KeyStore
from signing.records import make_leaf
from signing.tiles import MAX_ENTRY

if TYPE_CHECKING:  # pragma: no cover
    from registry.log_reader import LogReader

__all__ = [
    "LOG_BODY",
    "LogSettings",
    "OwnLeaves",
    "RecordTooLarge",
    "SignedLog",
    "lock_log",
    "node_getter",
    "own_leaves",
    "tree_size",
]

_NODE = select(LogNode.hash).where(LogNode.level == bindparam("level"), LogNode.index == bindparam("index"))
_INSERT_ENTRY = BulkInsert(LogEntry.__table__)
_INSERT_NODES = BulkInsert(LogNode.__table__)
_INSERT_SALTS = BulkInsert(RecordSalt.__table__)


class RecordTooLarge(Invalid):
    """A signed leaf longer than a tlog-tiles entry can hold (65,535 bytes): refused, nothing written."""

    title = "记录过大"

    def __init__(self, size: int) -> None:
        message = (
            f"签名后的日志条目为 {size} 字节，超过上限 {MAX_ENTRY} 字节（一条日志条目最多 {MAX_ENTRY} 字节），"
            "未写入任何内容；请缩短内容后重新提交"
        )
        super().__init__(message, [FieldError("record", message)])
        self.size = size


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
                conn = connection(session)
                prepared = Prepared.of(_NODE, conn.dialect)
                cursor = conn.connection.cursor()
            cursor.execute(prepared.sql, prepared.params(level=level, index=index))
            rows = cursor.fetchall()
            if not rows:
                raise LookupError(f"log node {key} missing: the stored tree is damaged")
            h = cache[key] = bytes(rows[0][0])
        return h

    return get


class SignedLog:
    """Implements registry.services.context.Ledger over the database.

    `checkpointer` (registry.checkpointer.Checkpointer) signs and awaits checkpoints (the
    `latest_checkpoint`, `publish_checkpoint` and `await_checkpoint` methods are its own);
    `reader` (registry.log_reader.LogReader) builds proofs and receipts."""

    def __init__(self, keys: KeyStore, commitment_key: bytes, settings: LogSettings | None = None):
        self.keys = keys
        self._commitment = commitment_key
        self.settings = settings or LogSettings()
        self._signers: dict[str, Any] = {}
        self.checkpointer = Checkpointer(
            keys, self.settings, lambda session: self._signer_in_session(session, LOG_BODY, {})
        )
        self.reader: LogReader | None = None  # registry.log_reader, wired by application.logservice
        # SQLite: (size, last leaf hash, right edge) after the last append this process committed, by
        # database (CommittedTail); the next transaction reuses the edge when the log still ends there.
        self._committed: dict[str, CommittedTail] = {}

    @property
    def commitment_key(self) -> bytes:
        """The HMAC key of personal-data commitments (from the key store when it keeps one)."""
        if not self._commitment:
            self._commitment = self.keys.commitment_key()
        return self._commitment

    # -- appending ---------------------------------------------------------------------------

    def append(
        self,
        session: Session,
        *,
        kind: str,
        body: str,
        record: dict[str, Any],
        ref: str | None = None,
        personal: dict[str, str] | None = None,
    ) -> Logged:
        in_session = None
        if getattr(self.keys, "signer_in", None) is not None:
            lock_log(session)
            # A key in custody is found (or made, and logged: an append of its own) under the lock,
            # before the tail is read: a rotation on another host is wholly before or after.
            in_session = self._signer_in_session(session, body, record)
            if not self._commitment:
                # made (once per deployment) in this transaction: a second one would wait on our lock
                self._commitment = self.keys.commitment_key_in(session)
        transaction = session.get_transaction()
        kept = session.info.get(TAIL)
        if kept is not None and transaction is not None and kept[0] is transaction:
            size, edge = kept[1], kept[2]  # this transaction appended last, under the lock it holds
        else:
            size, edge = lock_and_read_tail(session, self._committed)
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
        if len(leaf) > MAX_ENTRY:
            raise RecordTooLarge(len(leaf))
        leaf_hash = merkle.leaf_hash(leaf)
        new_nodes = merkle.nodes_completed_by_append(size, leaf_hash, _edge_getter(edge))
        # The caller's pending rows first, as before; then our rows straight to the driver (the
        # ORM's unit of work and Core's per-execute machinery cost more than the inserts, and
        # nothing of ours needs these rows as objects in the session), in one round trip.
        session.flush()
        conn = connection(session)
        with _pipeline(conn):
            _INSERT_ENTRY.run(
                conn,
                [
                    {
                        "index": size,
                        "leaf": leaf,
                        "leaf_hash": leaf_hash.hex(),
                        "kind": kind,
                        "ref": ref,
                        "appended_at": utcnow(),
                    }
                ],
            )
            _INSERT_NODES.run(conn, [{"level": lv, "index": ix, "hash": h} for lv, ix, h in new_nodes])
            _INSERT_SALTS.run(conn, [{"log_index": size, "field": f, "salt": s} for f, s in salts])
        session.info[TAIL] = (
            session.get_transaction(),
            size + 1,
            edge_after(size, edge, new_nodes),
            leaf_hash.hex(),
            self._committed,
        )
        note_act(session, act=kind, log_index=size, leaf_hash=leaf_hash.hex(), body=body, key_id=signer.key_id)
        own = session.info.get(_OWN_LEAVES)
        if own is not None:
            own.leaves.append((size, leaf, leaf_hash))
        # The record hash is the RFC 9162 leaf hash: the entry's identity in the log and on /verify.
        return Logged(
            index=size,
            leaf_hash=leaf_hash.hex(),
            record_hash=leaf_hash.hex(),
            signature=base64.b64encode(signer.value).decode(),
        )

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

    # -- checkpoints (registry.checkpointer) ----------------------------------------------------

    def latest_checkpoint(self, session: Session) -> Checkpoint | None:
        return self.checkpointer.latest(session)

    def publish_checkpoint(self, session: Session) -> Checkpoint | None:
        """Sign and store a checkpoint of the current tree if it grew; None if nothing new."""
        return self.checkpointer.publish(session)

    def await_checkpoint(self, sessions, index: int, wait_ms: int) -> Checkpoint:
        """A checkpoint covering leaf `index`: an existing one, or one published now (bounded wait)."""
        return self.checkpointer.await_covering(sessions, index, wait_ms)


_OWN_LEAVES = "onehall_own_leaves"


class OwnLeaves:
    """The leaves one transaction appended, as (index, leaf, leaf hash) in append order: what a worker
    folds into its signed facts once the transaction committed (application.policy.PolicyHost.fold_own),
    instead of reading back what it has just written. Any rollback in the transaction, a savepoint's
    too, voids the list: the worker then reads the log as usual."""

    __slots__ = ("leaves", "void")

    def __init__(self) -> None:
        self.leaves: list[tuple[int, bytes, bytes]] = []
        self.void = False

    @property
    def committed(self) -> list[tuple[int, bytes, bytes]]:
        return [] if self.void else self.leaves


def own_leaves(session: Session) -> OwnLeaves:
    """Start keeping the leaves `session`'s transaction appends (registry.ledger.OwnLeaves)."""
    own = session.info[_OWN_LEAVES] = OwnLeaves()
    return own


@event.listens_for(Session, "after_soft_rollback")
def _void_own_leaves(session: Session, _previous) -> None:
    session.info.pop(TAIL, None)
    own = session.info.get(_OWN_LEAVES)
    if own is not None:
        own.void = True


def _edge_getter(edge: dict[int, bytes]):
    def get(level: int, index: int) -> bytes:
        h = edge.get(level)
        if h is None:  # pragma: no cover - nodes_completed_by_append asks only for right-edge nodes
            raise LookupError(f"log node ({level}, {index}) is not on the right edge")
        return h

    return get


class _pipeline:
    """PostgreSQL: the statements inside go to the server in one round trip (psycopg pipeline);
    errors still raise at the end of the block. Other databases: nothing."""

    def __init__(self, conn) -> None:
        dbapi = conn.connection.dbapi_connection
        self._cm = dbapi.pipeline() if conn.dialect.name == "postgresql" else None

    def __enter__(self):
        return None if self._cm is None else self._cm.__enter__()

    def __exit__(self, *exc):
        return None if self._cm is None else self._cm.__exit__(*exc)


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
