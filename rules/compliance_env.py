"""What every compliance check reads (docs/design.md §5, §6): one run's facts (`Env`), the
registry of checks by their `check:` name, and the published items a rule's conditions select.

The checks themselves: rules.checks_items (items, limits, materials, cases), rules.checks_people
(departments, sections, chief representatives, grants) and rules.door_checks; rules.compliance
runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from .context import Ctx
from .fields import MISSING
from .index import DecisionIndex
from .numbers import excluded_item_types
from .pack import Pack
from .rule import Rule
from .limits import WorkingDays
from .shapes import JSON, Row, Snapshot
from .timeutil import NEG_INF, SHANGHAI, ts
from .world import World
from .records import AuthRec, ItemRec

Found = tuple[str, str | None, dict[str, object]]  # subject, department, template values
Check = Callable[["Env", Rule], Iterator[Found]]
"""A compliance check: the findings of one `finding` rule over one run's facts."""
CHECKS: dict[str, Check] = {}
REASON_LABELS = {"law": "法律法规明文规定", "venue": "场地条件限制", "other": "其他特殊情况"}


def check(name: str) -> Callable[[Check], Check]:
    def reg(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return reg


class Env:
    """One compliance run: the facts known at `known_at`, the moment `at`, the pack's parameters."""

    def __init__(self, pack: Pack, snapshot: Snapshot, at: float, known_at: float, wdb: WorkingDays | None):
        self.pack, self.t, self.k, self.wdb = pack, at, known_at, wdb
        self.params = pack.parameters
        self.world = w = World(excluded_item_types(pack))
        w.load(_known(snapshot, known_at))
        self.index = idx = DecisionIndex()
        for r in w.rows("revocations"):
            idx.add_revocation_row(r)
        for a in w.rows("absences"):
            idx.add_absence_row(a)
        self.live = [a for a in w.auths.values() if idx.valid(a, at, known_at)]
        self.ref_date = datetime.fromtimestamp(at, SHANGHAI).date()

    def dept(self, code: JSON) -> str:
        return self.world.department_name(code)

    def person_name(self, pid: JSON) -> str:
        p = self.world.people.get(pid)
        return p.name if p else str(pid)

    def item_ctx(self, item: ItemRec) -> Ctx:
        """A question's context about `item` alone: a finding rule's conditions read the item only
        (rules.pack_checks), so no person is set."""
        c = Ctx()
        c.world, c.index, c.item, c.t, c.k = self.world, self.index, item, self.t, self.k
        c.place = c.seal = c.case = c.auth = c.acting_for = None
        c.valid = c.covers = True
        return c

    def chief_reps(self) -> list[AuthRec]:
        return [a for a in self.live if a.person is not None and a.post in ("A", "B")]

    def annex_departments(self) -> Iterator[Row]:
        for d in self.world.rows("departments"):
            if (d.get("kind") or "department") == "department" and not d.get("placeholder"):
                yield d


def _known(snapshot: Snapshot, k: float) -> dict[str, JSON]:
    out: dict[str, JSON] = {}
    for key, rows in snapshot.items():
        if isinstance(rows, list):
            out[key] = [r for r in rows if not isinstance(r, dict) or ts(r.get("filed_at"), NEG_INF) <= k]
        else:
            out[key] = rows
    return out


def _items(env: Env, rule: Rule | None = None) -> Iterator[ItemRec]:
    for it in env.world.items.values():
        if it.status != "published":
            continue
        if rule is not None and rule.when.conditions:
            c = env.item_ctx(it)
            if not all((v := cond.get(c)) is not MISSING and cond.test(v) for cond in rule.when.conditions):
                continue
        yield it
