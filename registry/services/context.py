"""What every filing needs: the session, who acts, the clock and the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Protocol, TypeVar

from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.errors import Forbidden
from registry.change_signal import add_change

# A filing whose effective start lies this far or more before the filing is late (补录).
LATE_GRACE = timedelta(minutes=1)
T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """Who files: a user's name, role and (for departments) its department."""

    name: str
    role: str
    department: str | None = None
    person: int | None = None

    @property
    def body(self) -> str:
        """The signing body the record is signed by (docs/design.md §7)."""
        if self.role == "department" and self.department:
            return f"dept:{self.department}"
        if self.role in ("government", "gov_service", "reform_office", "drc"):
            return self.role
        return "gov_service" if self.role in ("window", "platform") else self.role


SYSTEM = Actor(name="system", role="gov_service")


@dataclass(frozen=True)
class Logged:
    index: int
    leaf_hash: str
    record_hash: str
    signature: str


class Ledger(Protocol):
    """Appends a signed record to the Merkle log inside the caller's transaction."""

    def append(
        self,
        session: Session,
        *,
        kind: str,
        body: str,
        record: dict[str, Any],
        ref: str | None = None,
        personal: dict[str, str] | None = None,
    ) -> Logged: ...


class NullLedger:
    """For tools that load reference data (no signing key needed); records nothing."""

    def append(self, session, *, kind, body, record, ref=None, personal=None):  # noqa: D401
        return Logged(index=-1, leaf_hash="", record_hash="", signature="")


@dataclass
class FilingContext:
    session: Session
    actor: Actor
    ledger: Ledger = field(default_factory=NullLedger)
    now: datetime = field(default_factory=utcnow)
    # Reads the worker's signed facts inside this transaction: (session, read) -> read(state)
    # (application.policy.PolicyHost.signed); without one, `signed` folds the log itself.
    signed_reader: Callable[[Session, Callable[[Any], Any]], Any] | None = None

    def signed(self, read: Callable[[Any], T], kinds: tuple[str, ...] | None = None) -> T:
        """`read(state)` on the registry's signed facts (registry.signed_facts.SignedState) as of
        every committed record and this filing's own, never on rows: a precondition an edited row
        cannot satisfy (docs/design.md §12.3). `kinds`: the record types `read` depends on. Takes
        the log's lock first, so nothing is filed by others between this read and this filing's
        records. The worker's folded state answers (it never holds uncommitted records); when
        this transaction already logged records of `kinds`, or outside a worker (seeding, tools),
        the log is folded here instead, only its records of `kinds` when given. A NullLedger's
        registry signs nothing: its rows are read as records (reference-data tools, tests)."""
        from registry.act_log import first_uncommitted
        from registry.ledger import lock_log
        from registry.signed_facts import SignedState, unsigned_state
        from registry.signed_leaves import iter_records

        lock_log(self.session)
        if isinstance(self.ledger, NullLedger):  # signs nothing: its rows are all it states
            return read(unsigned_state(self.session, kinds))
        own = first_uncommitted(self.session)
        mine = own is not None and next(iter_records(self.session, own, kinds=kinds), None) is not None
        if self.signed_reader is not None and not mine:
            return self.signed_reader(self.session, read)
        state = SignedState(keep_records=False)
        state.apply_all(iter_records(self.session, kinds=kinds))
        return read(state)

    def require_role(self, *roles: str) -> None:
        if self.actor.role not in roles:
            raise Forbidden(f"角色“{self.actor.role}”无权进行此操作")

    def require_department(self, department: str) -> None:
        """A department user files only for its own department; the other roles as allowed."""
        if self.actor.role == "department" and self.actor.department != department:
            raise Forbidden(f"只能为本部门（{self.actor.department}）办理，不能为{department}办理")

    def is_late(self, effective_start: datetime) -> bool:
        return effective_start < self.now - LATE_GRACE

    def changed(self, kind: str, key: Any, note: str | None = None) -> None:
        """Add to the change feed; registry.change_signal wakes every worker at commit."""
        add_change(self.session, kind=kind, key=str(key), note=note, at=self.now)

    def record(
        self,
        row: Any,
        kind: str,
        fields: Callable[[], dict[str, Any]],
        *,
        personal: dict[str, str] | None = None,
        feed: str | None = None,
        feed_key: Any = None,
        ref: Any = None,
    ) -> Logged:
        """The signed epilogue of a filing: `row` added and flushed (it gets its id), the record
        `fields()` logged under `kind` (its reference `ref`, default the row's id), the row stamped
        with its log index (and with the record's hash and signature where its table keeps them),
        and the change feed told (under `feed`, default `kind`, with `feed_key`, default the row's id)."""
        self.session.add(row)
        self.session.flush()
        logged = self.log(kind, fields(), ref=row.id if ref is None else ref, personal=personal)
        row.log_index = logged.index
        if hasattr(type(row), "record_hash"):
            row.record_hash, row.signature = logged.record_hash, logged.signature
        self.changed(feed or kind, row.id if feed_key is None else feed_key)
        return logged

    def log(self, kind: str, record: dict[str, Any], ref: Any = None, personal: dict[str, str] | None = None) -> Logged:
        body = self.actor.body
        full = {"type": kind, "filed_at": iso(self.now), "filed_by": body, **record}
        return self.ledger.append(
            self.session, kind=kind, body=body, record=full, ref=None if ref is None else str(ref), personal=personal
        )


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")
