"""Facts and fork: what an engine knows, changed atomically or one record at a time (docs/facts.md).

`load` replaces all facts by a snapshot, `apply` upserts one record and re-derives only what it
touches (authorizations, revocations and absences go through durable-rules into the decision
index), `adopt` takes facts derived earlier (a worker's snapshot), and `fork` gives a private
engine over the same facts for hypotheses ("what if X were absent?").
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Self

from .compiler import Deriver
from .decision import Decision, LoggedRequest
from .index import DecisionIndex
from .pack import Pack
from .plans import Caches
from .shapes import JSON, Change, Row, Snapshot
from .world import KINDS, SINGULAR_TO_KEY, World, record_key

_DERIVED = {"authorizations": "auth", "revocations": "revocation", "absences": "absence"}


class State:
    """One consistent (world, index, derivation); `load` swaps in a new one atomically."""

    __slots__ = ("world", "index", "deriver", "caches")

    def __init__(self, world: World, index: DecisionIndex, deriver: Deriver | None):
        self.world, self.index, self.deriver = world, index, deriver
        self.caches = Caches()


class Facts:
    """The facts half of `rules.engine.Engine`. Thread-safe: writers take a lock, readers never wait."""

    pack: Pack
    _lock: threading.RLock
    _excluded: frozenset[str]
    _state: State
    decision_log: Callable[[LoggedRequest, Decision], None] | None

    def _build(self, snapshot: Snapshot) -> State:
        index = DecisionIndex()
        world = World(self._excluded, grants_of=index.by_person, absences_of=index.absences)
        index.people = world.people
        world.load(snapshot)
        deriver = Deriver(self.pack, world, index, self._lock)
        deriver.assert_many("auth", world.rows("authorizations"))
        deriver.assert_many("revocation", world.rows("revocations"))
        deriver.assert_many("absence", world.rows("absences"))
        return State(world, index, deriver)

    def load(self, snapshot: Snapshot) -> None:
        """Replace all facts by `snapshot` (docs/facts.md); answers switch over atomically."""
        with self._lock:
            self._state = self._build(snapshot)

    def adopt(self, world: World, index: DecisionIndex) -> None:
        """Take facts and their decision index derived earlier over this pack (a worker's snapshot,
        application.snapshot); changes after it are applied and derived as usual."""
        with self._lock:
            self._state = State(world, index, Deriver(self.pack, world, index, self._lock))

    def apply(self, change: Change) -> None:
        """Upsert one record (docs/facts.md change); only what it touches is re-derived."""
        kind: JSON = change.get("kind")  # as the caller wrote it: checked below
        key = SINGULAR_TO_KEY.get(kind) or (kind if kind in KINDS else None)
        if key is None:
            raise ValueError(f"unknown change kind {kind!r}")
        if change.get("op", "upsert") != "upsert":
            raise ValueError(f"unsupported change op {change.get('op')!r}")
        row = change["record"]
        with self._lock:
            st = self._state
            if st.deriver is None:
                return self._apply_to_fork(key, row)
            # A record filed again unchanged changes nothing. Check before touching the world:
            # replacing its record object would leave the derived grants holding the old one.
            current = st.world.tables[key].get(record_key(row))
            if current is not None and current == row and current is not row:
                return
            old = st.world.upsert(key, row)
            derived = _DERIVED.get(key)
            if derived:
                st.deriver.upsert(derived, row, old)
            if key == "halls":  # changes items' entry_hall_kind in place: their plans are rebuilt
                st.caches = Caches()

    def fork(self) -> Self:
        """A private engine over the same facts, for hypotheses ("what if X were absent?").

        It shares the facts and derived grants with this engine (read only) and has its own copy
        of the cancellations: absences and revocations applied to the fork change the fork alone.
        Other kinds of change are refused on a fork."""
        f = type(self).__new__(type(self))
        f.__dict__.update(self.__dict__)
        f.decision_log = None
        f._lock = threading.RLock()
        st = self._state
        idx = copy.copy(st.index)
        idx.absences = dict(st.index.absences)
        idx.on_records = False  # the people's records keep the real absences
        idx.revocations = dict(st.index.revocations)
        f._state = State(st.world, idx, None)
        f._state.caches = st.caches  # plans depend on the items alone: shared
        return f

    def _apply_to_fork(self, key: str, row: Row) -> None:
        st = self._state
        if key == "absences":
            st.index.add_absence_row(row)
        elif key == "revocations":
            st.index.add_revocation_row(row)
        else:
            raise ValueError(f"a fork takes absences and revocations only, not {key}")

    @property
    def world(self) -> World:
        return self._state.world
