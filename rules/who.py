"""Who may act: the people who could hold an action on an item, asked of the engine (`Who`), and
what rules.analysis and rules.effect share to ask it (the engine for a pack and facts, the times)."""

from __future__ import annotations

from typing import Optional, TypedDict

from .engine import Engine
from .pack import Pack
from .schema import ACTIONS
from .shapes import JSON, Snapshot
from .timeutil import Moment, now, ts
from .records import ItemRec


class Holder(TypedDict):
    """Someone who may do an action on an item, and how (`_Who.allowed`)."""

    person: JSON
    name: str
    acting_for: Optional[int]
    authorization: JSON  # the authorization's id, or None
    rule: Optional[str]


class Who:
    """Who could possibly be granted an action on an item, from the engine's index: the holders
    of a person grant from the item's department, the government service department's people
    where that department granted it (or delegated), the department's own people."""

    def __init__(self, engine: Engine):
        self.engine = engine
        st = engine._state
        self.world, self.index = st.world, st.index
        holders: dict[tuple[JSON, str], dict[JSON, None]] = {}  # (grantor, action) -> {person: None}, an ordered set
        for pid, auths in self.index.by_person.items():
            for a in auths:
                for action, rules in zip(ACTIONS, a.rules):
                    if rules:
                        holders.setdefault((a.grantor, action), {})[pid] = None
        self.person_grants: dict[tuple[JSON, str], list[JSON]] = {
            key: sorted(v, key=sort_key) for key, v in holders.items()
        }
        people = sorted(self.world.people.values(), key=lambda p: sort_key(p.id))
        self.gov_people = [p.id for p in people if p.dept_kind == "gov_service"]
        self.dept_people: dict[str | None, list[JSON]] = {}
        for p in people:
            self.dept_people.setdefault(p.department, []).append(p.id)
        self.own_staff = {a for a, es in engine._own_staff.items() if es}
        self.delegated = {a for a, es in engine._delegated.items() if es}

    def candidates(self, item: ItemRec, action: str) -> list[JSON]:
        out = list(self.person_grants.get((item.department, action), ()))
        if self.index.dept_grants(item.department, action) or action in self.delegated:
            out += self.gov_people
        if action in self.own_staff:
            out += self.dept_people.get(item.department, ())
        return list(dict.fromkeys(out))  # each once, in order

    def allowed(
        self, item: ItemRec, action: str, t: float, k: float, place: str | None = None, only: JSON = None
    ) -> list[Holder]:
        """Everyone who may do `action` on `item` at `t` as known at `k` (or just `only`), with how."""
        out: list[Holder] = []
        w = self.world
        for pid in self.candidates(item, action) if only is None else (only,):
            # an internal probe: no decision id, no log, no words (the deciding rule is `a.rule`)
            a = self.engine.decide(pid, action, item.code, at=t, known_at=k, place=place, _log=False, _close=False)
            if a.allowed:
                out.append(
                    {
                        "person": pid,
                        "name": w.people[pid].name,
                        "acting_for": a.acting_for,
                        "authorization": a.authorization["id"] if a.authorization else None,
                        "rule": a.rule,
                    }
                )
        return out


def sort_key(v: JSON) -> tuple[int, JSON, str]:
    """Person ids sorted numbers first, then as text."""
    return (0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v))


def times(at: Moment | None, known_at: Moment | None) -> tuple[float, float]:
    """`at` and `known_at` as epoch seconds, now for either left out."""
    return (now() if at is None else ts(at)), (now() if known_at is None else ts(known_at))


def _engine(pack: Pack, snapshot: Snapshot) -> Engine:
    e = Engine(pack)
    e.load(snapshot)
    return e


def engine_for(pack: Pack, snapshot: Snapshot | None, engine: Engine | None) -> Engine:
    """The caller's engine (same pack, holding the facts: then `snapshot` may be None), else one
    built over `snapshot`."""
    if engine is None:
        if snapshot is None:
            raise ValueError("a snapshot or an engine holding the facts is needed")
        return _engine(pack, snapshot)
    if engine.pack.digest != pack.digest:
        raise ValueError("the engine given runs another pack")
    return engine
