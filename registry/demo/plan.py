"""What the demo's steps share while they are planned: the actors that file, the state the steps
fill as they run, and `Plan`, which lists the steps (registry.demo runs them in order)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable

from registry.seed.demo_city import DEPT_PLANS, GIVEN, SEED, SURNAMES, DemoItem, DeptPlan, parse_items
from registry.services.context import Actor, FilingContext

GOV_SERVICE = Actor("demo-zwfw", "gov_service")
REFORM = Actor("demo-sgb", "reform_office")
DRC = Actor("demo-fgw-drc", "drc")
GOVERNMENT = Actor("demo-zf", "government")


def dept_actor(code: str) -> Actor:
    return Actor(f"demo-{code.lower()}", "department", department=code)


class _Names:
    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def __call__(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in self.used:
                self.used.add(name)
                return name


@dataclass
class _State:
    sections: dict[tuple[str, str], int] = field(default_factory=dict)
    people: dict[tuple[str, str], int] = field(default_factory=dict)
    auths: dict[tuple[str, str], int] = field(default_factory=dict)
    items: list[DemoItem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def figures(self) -> dict[str, Any]:
        by_type = Counter(it.data["item_type"] for it in self.items)
        return {
            "skipped": False,
            "items": len(self.items),
            "items_by_type": dict(sorted(by_type.items())),
            **dict(sorted(self.counts.items())),
        }


class Plan:
    """The steps (label, run) of a demo load, in the order they file, and what they share."""

    def __init__(self, base: FilingContext):
        self.base = base
        self.steps: list[tuple[str, Callable[[], Any]]] = []
        self.st = _State(items=parse_items())
        self.names = _Names(random.Random(SEED + 1))
        self.items_by_dept: dict[str, list[DemoItem]] = defaultdict(list)
        for it in self.st.items:
            self.items_by_dept[it.department].append(it)
        self.by_name = {it.data["name"]: it for it in self.st.items}
        self.plans: dict[str, DeptPlan] = {p.code: p for p in DEPT_PLANS}

    def ctx(self, actor: Actor, when: datetime) -> FilingContext:
        """The caller's context, filing as `actor` at `when`."""
        return replace(self.base, actor=actor, now=when)

    def dept(self, code: str, when: datetime) -> FilingContext:
        return self.ctx(dept_actor(code), when)

    def count(self, key: str, n: int = 1) -> None:
        self.st.counts[key] += n

    def add(self, label: str, run: Callable[[], Any]) -> None:
        self.steps.append((label, run))

    def file(
        self, label: str, actor: Actor, when: datetime, counted: str | None, service: Callable[..., Any], *args: Any
    ) -> None:
        """A step that files `args` through `service` as `actor` at `when`, counted under `counted`."""

        def run() -> None:
            service(self.ctx(actor, when), *args)
            if counted is not None:
                self.count(counted)

        self.add(label, run)


DEPT_NAMES: dict[str, str] = {}


def _dept_names() -> dict[str, str]:
    from registry.seed import plan_departments

    return {d["code"]: d["name"] for d in plan_departments()}


DEPT_NAMES.update(_dept_names())
