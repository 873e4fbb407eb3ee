"""The per-process runtime: database sessions, signing keys, the log, the policy engine.

One Runtime per Flask app (and per CLI invocation), so each worker process keeps its own
decision index current from the registry's change feed (docs/design.md §9).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.change_signal import committed_changes
from registry.db import make_engine, session_factory, transaction, write_lock
from registry.ledger import own_leaves
from registry.services._common import PublishedItems
from registry.services.accounts import Principal
from registry.services.context import Actor, FilingContext, Ledger, NullLedger
from application.config import Settings
from vocab.clock import utcnow

if TYPE_CHECKING:  # built on first use (their modules import this one)
    from application.changes import ChangeMonitor
    from application.notify import Notifier
    from application.policy import PolicyHost
    from registry.custody import CustodyKeyStore
    from signing.keys import KeyStore

_POLICY_LOCK = threading.Lock()
T = TypeVar("T")


@dataclass
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    ledger: Ledger = field(default_factory=NullLedger)
    keys: KeyStore | CustodyKeyStore | None = None  # the signing keys the ledger uses (application.logservice)
    notifier: Notifier | None = None  # application.notify.runtime_notifier; tests set their own
    published_items: PublishedItems = field(default_factory=PublishedItems)  # the acceptances' item rows
    _policy: PolicyHost | None = None
    _changes: ChangeMonitor | None = None

    @classmethod
    def create(cls, settings: Settings) -> "Runtime":
        if settings.database_url is None:
            raise ValueError("ONEHALL_DATABASE_URL is not set")
        # (a SQLite file's connections do not go stale: no ping before every checkout)
        ping = not settings.database_url.startswith("sqlite")
        engine = make_engine(settings.database_url, schema=settings.database_schema, pool_pre_ping=ping)
        _resolve_origin(settings, engine)
        rt = cls(settings=settings, sessions=session_factory(engine))
        rt.ledger = _make_ledger(rt)
        return rt

    @property
    def signing_keys(self) -> KeyStore | CustodyKeyStore:
        """The key store; a runtime built without the signed log has none."""
        if self.keys is None:
            raise RuntimeError("this runtime has no signing key store (no signed log wired in)")
        return self.keys

    @property
    def policy(self) -> PolicyHost:
        """This worker's policy host (rules engine + decision index), built on first use."""
        if self._policy is None:
            from application.policy import PolicyHost

            self._policy = _once(lambda: self._policy, lambda: PolicyHost(self))
        return self._policy

    @property
    def changes(self) -> ChangeMonitor:
        """This worker's view of the registry change feed (application.changes.ChangeMonitor)."""
        if self._changes is None:
            from application.changes import ChangeMonitor

            self._changes = _once(lambda: self._changes, lambda: ChangeMonitor(self))
        return self._changes

    def close(self) -> None:
        """Stop this runtime's threads and close its connections (tests, shutdown)."""
        if self._policy is not None:
            self._policy.close()
        if self._changes is not None:
            self._changes.close()
        self.engine.dispose()

    @property
    def policy_if_ready(self) -> PolicyHost | None:
        return self._policy

    @property
    def engine(self) -> Engine:
        bind: Engine = self.sessions.kw["bind"]
        return bind

    @contextmanager
    def filing(self, actor: Actor) -> Iterator[FilingContext]:
        """One filing = one transaction, with the log append inside it."""
        with self.sessions() as session:
            with session.begin():
                # SQLite: take the write lock up front (BEGIN IMMEDIATE), so the log append
                # at the end of the filing never meets a stale snapshot (docs/design.md §9).
                write_lock(session)
                own = own_leaves(session)
                yield FilingContext(
                    session=session,
                    actor=actor,
                    ledger=self.ledger,
                    now=utcnow(),
                    signed_reader=lambda s, read: self.policy.signed(s, read),
                )
        changes = committed_changes(session)  # (first, last, kinds) of the feed rows it added, if known
        if self._policy is not None and own.committed:  # what this worker just signed: no read back
            self._policy.fold_own(own.committed, changes)
        self._committed(changes)

    @contextmanager
    def filing_session(self) -> Iterator[Session]:
        """A plain read-write transaction for account housekeeping (logins, tokens)."""
        with transaction(self.sessions) as session:
            yield session
        self._committed()

    def _committed(self, changes: tuple[int, int, frozenset[str]] | None = None) -> None:
        if self._changes is not None:
            if changes is None:
                self._changes.invalidate()
            else:
                self._changes.own_commit(*changes)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session


def _once(current: Callable[[], T | None], make: Callable[[], T]) -> T:
    """`current()`, or else `make()` under the lock: one thread builds a worker's part."""
    with _POLICY_LOCK:
        value = current()
        return make() if value is None else value


def _resolve_origin(settings: Settings, engine: Engine) -> None:
    """The log origin: the one fixed at init wins; an explicit different one is refused."""
    from registry.deployment import LOG_ORIGIN, SettingConflict, conflict_message, fixed_if_migrated
    from application.config import DEV_LOG_ORIGIN

    stored = fixed_if_migrated(engine, LOG_ORIGIN)
    if settings.origin_given:
        if stored is not None and settings.log_origin is not None and stored != settings.log_origin:
            engine.dispose()
            raise SettingConflict(conflict_message("ONEHALL_LOG_ORIGIN", stored, settings.log_origin))
    else:
        settings.log_origin = stored or DEV_LOG_ORIGIN


def _make_ledger(rt: Runtime) -> Ledger:
    try:
        from application.logservice import make_ledger
    except ImportError:  # the signed log is wired in when present
        return NullLedger()
    return make_ledger(rt)


def actor_of(principal: Principal) -> Actor:
    return Actor(name=principal.name, role=principal.role, department=principal.department, person=principal.person)
