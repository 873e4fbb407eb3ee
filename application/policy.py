"""The policy host of one worker: the rules engine over the registry's signed facts, kept current.

Each worker holds its own engine and decision index (docs/design.md §9). Its facts are the log's signed
records folded (registry.signed_facts), never the registry's rows, so an edited row changes no
answer. When the change feed moved past its mark (on SQLite one indexed read per question; on
PostgreSQL a LISTEN connection marks the host dirty, application.changes) it reads the log past the size
it has folded and applies what those records change. The active pack lives in the registry; a new
version is loaded beside the old one and swapped in atomically.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any, Callable, TypeVar

from sqlalchemy import bindparam, func, select

from registry.act_log import first_uncommitted
from registry.db import utcnow
from registry.signed_facts import SignedState, display_from_rows
from registry.signed_leaves import LogTampered
from registry.decision_log import write_decisions
from registry.models import Checkpoint, LogEntry, RegistryChange
from registry.services import packs as pack_service
from rules.decision import Decision
from rules.engine import Engine
from application.packs import PackTampered, load_stored_pack
from application.snapshot import start_engine

log = logging.getLogger(__name__)
# The log's size, its newest checkpoint and whether a pack was switched since our mark, in one
# statement (PolicyHost._nothing_new).
TAIL_PROBE = select(
    select(func.max(LogEntry.index) + 1).scalar_subquery(),
    select(func.max(Checkpoint.tree_size)).scalar_subquery(),
    select(func.count())
    .select_from(RegistryChange)
    .where(
        RegistryChange.seq > bindparam("seen"), RegistryChange.seq <= bindparam("mark"), RegistryChange.kind == "pack"
    )
    .scalar_subquery(),
)
T = TypeVar("T")
DECISION_BATCH = 200
DECISION_FLUSH_S = 0.2  # one transaction per tick: at 10³ answers a second, some 5 commits, not 20
DECISION_QUEUE_MAX = 200_000


class PolicyHost:
    def __init__(self, rt: Any):
        self.rt = rt
        self._lock = threading.Lock()
        self._mark = -1
        self._pack_id: int | None = None
        self._state: SignedState | None = None
        self._tampered: LogTampered | None = None
        self.start_info: dict[str, Any] = {}
        self.engine: Engine | None = None
        self._writer: threading.Thread | None = None
        self._closing = threading.Event()
        self.reload()
        self._start_decision_writer()

    # -- keeping current ---------------------------------------------------------------------

    def reload(self) -> None:
        """Build a fresh engine from the active pack and the folded log (from an authenticated
        snapshot and the records after it, when there is one: application.snapshot), then swap it in."""
        with self.rt.reading() as session:
            row, index = pack_service.active_publication(session)  # as logged, not the rows' flag
            if row is None:
                if index is not None:
                    raise PackTampered(f"日志第{index}条发布的规则包不在登记库中，拒绝载入")
                raise RuntimeError("没有生效的规则包：请先运行 onehall init")
            mark = session.scalar(select(func.max(RegistryChange.seq))) or 0
            pack = load_stored_pack(row, session, index)
            engine, state, self.start_info = start_engine(self.rt, session, pack)
        engine.decision_log = self._queue_decision
        with self._lock:
            self.engine, self._mark, self._pack_id, self._state = engine, mark, row.id, state

    def refresh(self) -> None:
        """Apply every record logged since our mark (any worker's), each leaf proven against the signed
        checkpoints (registry.signed_leaves): once a leaf fails its proof this host answers nothing more."""
        if self._tampered is not None:
            raise self._tampered
        mark = self.rt.changes.mark()
        if mark <= self._mark:
            return
        try:
            if not self._nothing_new(mark):
                self._refresh()
        except LogTampered as exc:
            log.critical("the log's leaves fail their proof; no more decisions from this worker: %s", exc)
            self._tampered = exc
            raise

    def _nothing_new(self, mark: int) -> bool:
        """Whether the feed moved past our mark with nothing for this worker to fold: the log holds
        no leaf past the ones folded (this worker's own are folded at their commit, fold_own), no
        checkpoint newer than the proven leaves can prove a pending one, and no pack was switched.
        Then the mark moves on after one statement on the monitor's connection (no session)."""
        with self._lock:
            state, seen = self._state, self._mark
            size, proven, pending = state.leaves.size, state.leaves.proven.size, bool(state.leaves.pending)
        log_size, newest, packs = self.rt.changes.read(TAIL_PROBE, seen=seen, mark=mark)[0]
        if (log_size or 0) != size or packs or (newest or 0) > (proven if pending else size):
            return False
        with self._lock:
            if self._state is state and state.leaves.size == size:
                self._mark = max(self._mark, mark)
        return True

    def fold_own(
        self, leaves: list[tuple[int, bytes, bytes]], changes: tuple[int, int, frozenset[str]] | None = None
    ) -> None:
        """Fold the leaves this worker's filing has just committed, (index, leaf, leaf hash) as it wrote
        them (registry.ledger.OwnLeaves), when they follow the ones folded so far: what it signed it
        need not read back nor hash again. Proven against the first checkpoint covering them, as any
        (the next refresh that reads the log, or the next filing's `signed`, settles them).

        `changes`: (first, last, kinds) of the change-feed rows the filing added (all its own,
        registry.change_signal.committed_changes). When they follow our mark, switch no pack, and the
        leaves were folded (the log ends with them: they were appended under the lock), our mark moves
        to `last`: the feed's move past it is this very commit, with nothing left to read."""
        if self._tampered is not None:
            return
        with self._lock, _LazySession(self.rt) as session:
            state = self._state
            state.display = display_from_rows(session, bulk=False)  # (a person's name: read only if needed)
            folded = state.leaves.fold_own(leaves)
            for index, record in folded:
                for change in state.apply(index, record):
                    self.engine.apply(change)
            if (
                changes is not None
                and folded
                and changes[0] == self._mark + 1
                and "pack" not in changes[2]
                and state.leaves.size == leaves[-1][0] + 1
            ):
                self._mark = changes[1]

    def _refresh(self) -> None:
        with self.rt.reading() as session:
            with self._lock:
                mark = session.scalar(select(func.max(RegistryChange.seq))) or 0
                pack_switch = (
                    session.scalar(
                        select(func.count())
                        .select_from(RegistryChange)
                        .where(RegistryChange.seq > self._mark, RegistryChange.kind == "pack")
                    )
                    > 0
                )
                if not pack_switch:
                    state = self._state
                    state.display = display_from_rows(session, bulk=False)
                    for index, _, record in state.leaves.records(session):
                        for change in state.apply(index, record):
                            self.engine.apply(change)
                    self._mark = mark
        if pack_switch:
            self.reload()

    def signed(self, session, read: Callable[[SignedState], T]) -> T:
        """`read(state)` on this worker's signed facts once they hold every committed record, read
        in `session`, a filing's transaction holding the log's lock (registry FilingContext.signed):
        no record can be committed between this read and the filing's own. The filing's own records
        are not folded (they may yet roll back). The door and the filings' preconditions decide on
        these, never on rows (docs/design.md §12.3)."""
        if self._tampered is not None:
            raise self._tampered
        with self._lock:
            state = self._state
            state.display = display_from_rows(session, bulk=False)
            try:
                for index, _, record in state.leaves.records(session, first_uncommitted(session)):
                    for change in state.apply(index, record):
                        self.engine.apply(change)
            except LogTampered as exc:
                log.critical("the log's leaves fail their proof; no more decisions from this worker: %s", exc)
                self._tampered = exc
                raise
            return read(state)

    # -- questions ---------------------------------------------------------------------------

    def revocations_of(self, authorization_id) -> list[dict[str, Any]]:
        """The signed revocation facts of one authorization (for /verify's online check)."""
        self.refresh()
        return [r for r in self._state.tables["revocations"].values() if r.get("authorization") == authorization_id]

    def decide(self, person: int, action: str, item: str, **when: Any) -> dict[str, Any]:
        """rules.Engine.decide over the current facts, as a dict (`when`: its at, known_at, place, seal, case)."""
        self.refresh()
        return dict(self.engine.decide(person, action, item, **when).to_dict())

    def allowed_actions(
        self, person: int, item: str, at: datetime | None = None, place: str | None = None
    ) -> list[dict[str, Any]]:
        self.refresh()
        return self.engine.allowed_actions(person, item, at=at, place=place)

    # -- the decision log: written in batches after the answers went out ------------------------

    def _queue_decision(self, request: dict[str, Any], answer: Decision) -> None:
        if len(self._pending) >= DECISION_QUEUE_MAX and not self._overflowing:
            self._overflowing = True
            log.error("decision log queue full (%d): the oldest decisions are being dropped", DECISION_QUEUE_MAX)
        self._pending.append((request, answer, utcnow()))

    def _start_decision_writer(self) -> None:
        from collections import deque

        self._pending: deque = deque(maxlen=DECISION_QUEUE_MAX)
        self._overflowing = False

        def write_batches() -> None:
            while not self._closing.wait(DECISION_FLUSH_S):
                try:
                    self.flush_decisions()
                except Exception:  # pragma: no cover - keep serving; retry next tick
                    log.exception("decision log batch failed")

        self._writer = threading.Thread(target=write_batches, name="onehall-decisions", daemon=True)
        self._writer.start()

    def close(self) -> None:
        """Stop the decision writer after writing what is queued."""
        self._closing.set()
        if self._writer is not None:
            self._writer.join(timeout=5)
        try:
            self.flush_decisions()
        except Exception:  # pragma: no cover - the database may already be gone
            log.exception("final decision log batch failed")

    def flush_decisions(self) -> int:
        """Write queued decisions, up to DECISION_BATCH per row (registry.decision_log), all rows of
        one call in one transaction. What the database refuses goes back to the head of the queue,
        to be retried next tick."""
        written = 0
        while self._pending:
            rows = []
            while self._pending and len(rows) < DECISION_QUEUE_MAX // DECISION_BATCH:
                taken = []
                while self._pending and len(taken) < DECISION_BATCH:
                    request, answer, at = self._pending.popleft()
                    taken.append((request, answer.to_dict() if isinstance(answer, Decision) else answer, at))
                rows.append(taken)
            try:
                with self.rt.engine.begin() as conn:
                    for taken in rows:
                        write_decisions(conn, taken)
            except Exception:
                self._pending.extendleft(reversed([entry for taken in rows for entry in taken]))
                raise
            written += sum(len(taken) for taken in rows)
        self._overflowing = False
        return written


class _LazySession:
    """A reading session opened on first use: folding its own leaves, a worker reads a row only for
    a display value (a person's name), which most records (a case, its step) never need."""

    def __init__(self, rt: Any) -> None:
        self._rt = rt
        self._cm: Any = None
        self._session: Any = None

    def __enter__(self) -> "_LazySession":
        return self

    def __getattr__(self, name: str) -> Any:
        if self._session is None:
            self._cm = self._rt.reading()
            self._session = self._cm.__enter__()
        return getattr(self._session, name)

    def __exit__(self, *exc: Any) -> None:
        if self._cm is not None:
            self._cm.__exit__(*exc)
