"""Reading the log's leaves for the engine's facts, each proven to be what a signed checkpoint covers
(docs/design.md §12.3; issue 13.1 with issue 14.9).

The engine's facts are folded from the leaf bytes (registry.signed_facts), never from the rows of
the registry tables. The leaves themselves are rows too (`log_entries`), so a reader proves them:
- it holds the right edge of the tree (signing.frontier) at a size it trusts (0, or an
  authenticated snapshot's) and hashes every leaf it folds from its bytes, so the root it computes
  depends on those bytes alone, never on a stored node or a stored leaf hash;
- that root, at the newest checkpoint's size, must be the root the checkpoint's signed note states,
  under a log key the caller trusts (`trust`): an edited, inserted or removed leaf below a signed
  checkpoint stops the reader (LogTampered), whatever else was edited with it;
- a leaf past the newest checkpoint (logged in the last moments) must hash to its stored leaf
  hash, and is proven in the same way when a checkpoint covers it (`settle`, at every refresh);
- a log shorter than its newest checkpoint (a deleted revocation at its end) is refused too.
Signatures of the records themselves are checked by the audit (registry.audit), not here.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from registry.fastsql import run as _run
from registry.models import Checkpoint, LogEntry
from signing.frontier import Frontier
from signing.merkle import leaf_hash

Trust = Callable[[str, int, bytes], None]  # (note, size, root): raise LogTampered unless it is a trusted note of them


class LogTampered(RuntimeError):
    """The stored leaves are not the ones the signed checkpoints cover: facts folded from them are refused."""


def iter_leaves(
    session: Session, start: int = 0, end: int | None = None, batch: int = 5000, kinds: tuple[str, ...] | None = None
) -> Iterator[tuple[int, bytes, str]]:
    """(index, leaf, stored leaf hash) of the stored log from `start` (only records of `kinds`, when
    given), in order, read in batches."""
    position = start
    while True:
        stmt = select(LogEntry.index, LogEntry.leaf, LogEntry.leaf_hash).where(LogEntry.index >= position)
        if end is not None:
            stmt = stmt.where(LogEntry.index < end)
        if kinds is not None:
            stmt = stmt.where(LogEntry.kind.in_(kinds))
        rows = session.execute(stmt.order_by(LogEntry.index).limit(batch)).all()
        for index, leaf, stored in rows:
            yield index, bytes(leaf), stored
        if len(rows) < batch:
            return
        position = rows[-1][0] + 1


def iter_records(
    session: Session, start: int = 0, end: int | None = None, batch: int = 5000, kinds: tuple[str, ...] | None = None
) -> Iterator[tuple[int, bytes, dict[str, Any]]]:
    """(index, leaf, record) of the stored log from `start` (of `kinds`, when given), unproven (the
    audit's reading: it checks every signature and names what differs)."""
    for index, leaf, _ in iter_leaves(session, start, end, batch, kinds):
        yield index, leaf, json.loads(leaf)["record"]


_BATCH = 5000
# A worker reads the log's tail on every refresh and under every filing's lock: these run on the DBAPI
# cursor of the session's connection (registry.fastsql), compiled once per dialect.
_LEAVES_FROM = (
    select(LogEntry.index, LogEntry.leaf, LogEntry.leaf_hash)
    .where(LogEntry.index >= bindparam("start"))
    .order_by(LogEntry.index)
    .limit(_BATCH)
)
_LEAVES_BETWEEN = (
    select(LogEntry.index, LogEntry.leaf, LogEntry.leaf_hash)
    .where(LogEntry.index >= bindparam("start"), LogEntry.index < bindparam("end"))
    .order_by(LogEntry.index)
    .limit(_BATCH)
)
_NEWEST_CHECKPOINT = select(func.max(Checkpoint.tree_size))
_COVERING = (
    select(Checkpoint.tree_size, Checkpoint.root_hash, Checkpoint.note)
    .where(Checkpoint.tree_size > bindparam("low"), Checkpoint.tree_size <= bindparam("high"))
    .order_by(Checkpoint.tree_size.desc())
    .limit(1)
)


def _scalar(session: Session, stmt, **params: Any) -> Any:
    rows = _run(session, stmt, **params)
    return rows[0][0] if rows else None


def _first(session: Session, stmt, **params: Any) -> Any:
    rows = _run(session, stmt, **params)
    return rows[0] if rows else None


def _leaves_after(session: Session, start: int, end: int | None) -> Iterator[tuple[int, bytes, str]]:
    """iter_leaves of the whole log from `start` (to `end`), on the DBAPI cursor."""
    position = start
    while True:
        if end is None:
            rows = _run(session, _LEAVES_FROM, start=position)
        else:
            rows = _run(session, _LEAVES_BETWEEN, start=position, end=end)
        for index, leaf, stored in rows:
            yield index, bytes(leaf), stored
        if len(rows) < _BATCH:
            return
        position = rows[-1][0] + 1


class ProvenLeaves:
    """The leaves folded so far: `proven` up to the newest checkpoint checked, `pending` past it."""

    __slots__ = ("proven", "pending", "trust")

    def __init__(self, proven: Frontier | None = None, trust: Trust | None = None) -> None:
        self.proven = proven or Frontier()
        self.pending: list[bytes] = []  # leaf hashes past `proven`, computed from their bytes
        self.trust = trust

    @property
    def size(self) -> int:
        return self.proven.size + len(self.pending)

    def records(self, session: Session, end: int | None = None) -> Iterator[tuple[int, bytes, dict[str, Any]]]:
        """(index, leaf, record) of the leaves after the ones folded so far (up to `end`), each hashed on
        the way, then proven against the newest checkpoint they reach (LogTampered if not). Read to the
        end, the log must reach the newest checkpoint: a truncated log is refused too."""
        newest = None
        while True:
            before = self.size
            for index, leaf, stored in _leaves_after(session, self.size, end):
                if index != self.size:
                    raise LogTampered(f"日志第 {self.size} 条缺失：登记库中的日志不连续")
                h = leaf_hash(leaf)
                if h.hex() != stored:
                    raise LogTampered(f"日志第 {index} 条的内容与其登记的叶子哈希不符：该条已被改动")
                self.pending.append(h)
                yield index, leaf, json.loads(leaf)["record"]
            newest = _scalar(session, _NEWEST_CHECKPOINT) or 0
            if end is not None or newest <= self.size:
                break
            if self.size == before:  # (else leaves were appended while we read: read on)
                raise LogTampered(f"登记库中的日志只有 {self.size} 条，少于已签名检查点所含的 {newest} 条：日志被截断")
        self.settle(session, newest)

    def fold_own(self, leaves: list[tuple[int, bytes, bytes]]) -> list[tuple[int, dict[str, Any]]]:
        """(index, record) of the leaves a worker has just appended and committed itself, given as
        (index, leaf, leaf hash) in log order: taken into `pending` without reading them back (their
        hashes were computed from the very bytes written), when they follow the leaves folded so far;
        else nothing (the next refresh reads what is missing). They are proven like any pending leaf,
        against the first checkpoint that covers them (`settle`)."""
        if not leaves or leaves[0][0] != self.size or any(i != self.size + k for k, (i, _, _) in enumerate(leaves)):
            return []
        out = []
        for index, leaf, h in leaves:
            self.pending.append(h)
            out.append((index, json.loads(leaf)["record"]))
        return out

    def settle(self, session: Session, newest: int | None = None) -> None:
        """Prove the pending leaves up to the newest checkpoint that covers some of them (`newest`: the
        size of the newest checkpoint, when the caller has just read it)."""
        if not self.pending or (newest is not None and newest <= self.proven.size):
            return
        row = _first(session, _COVERING, low=self.proven.size, high=self.size)
        if row is None:
            return
        size, root_hex, note = row[0], row[1], row[2]
        frontier, taken = self.proven.copy(), size - self.proven.size
        for h in self.pending[:taken]:
            frontier.append_hash(h)
        root = frontier.root()
        if root.hex() != root_hex:
            raise LogTampered(f"日志前 {size} 条的内容与已签名的检查点（树大小 {size}）不符：日志已被改动")
        if self.trust is not None:
            self.trust(note, size, root)
        self.proven = frontier
        del self.pending[:taken]
