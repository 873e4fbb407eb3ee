"""Policy analysis over the registry (issue: gaps, what-if, `pack diff --effect`).

rules.analysis and rules.effect do the work on plain facts; this module hands them this worker's engine
(so nothing is rebuilt) and the registry's snapshot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

from registry.errors import Forbidden
from registry.facts import export_facts
from rules import analysis, effect
from rules.pack import Pack


def _snapshot(rt) -> dict[str, Any]:
    with rt.reading() as session:
        return export_facts(session)


def gaps(rt, at: datetime | None = None) -> list[dict[str, Any]]:
    host = rt.policy
    host.refresh()
    # the worker's engine holds the facts: no snapshot of the registry is read
    return analysis.gaps(host.engine.pack, None, at=at, engine=host.engine)


def what_if(
    rt,
    person: int,
    start: datetime,
    end: datetime | None,
    items: list[str] | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    """`department`: the caller is that department, so the answer covers only its own items
    (the authorizations it granted); naming another department's item is refused."""
    host = rt.policy
    host.refresh()
    if department is not None:
        known = host.engine.world.items
        foreign = sorted(c for c in (items or []) if c in known and known[c].department != department)
        if foreign:
            raise Forbidden(f"只能分析本部门（{department}）的事项，不能分析{'、'.join(foreign)}")
        own = sorted(code for code, it in known.items() if it.department == department)
        items = own if items is None else [c for c in items if c in own]
    return analysis.what_if(
        host.engine.pack, None, {"person": person, "from": start, "to": end}, items=items, engine=host.engine
    )


def decision_changes(rt, pack_a: Pack, pack_b: Pack) -> list[dict[str, Any]]:
    """Each decision over today's registry that differs between the two packs (who, what, which
    item, before and after, and a Chinese sentence in `text`)."""
    return effect.decision_effect(pack_a, pack_b, _snapshot(rt))


def decision_effect(rt, pack_a: Pack, pack_b: Pack) -> Iterator[str]:
    """Lines for `onehall pack diff A B --effect`: each decision over today's registry that changes."""
    changes = decision_changes(rt, pack_a, pack_b)
    if not changes:
        yield "对当前登记库的判定没有影响"
        return
    yield f"对当前登记库有 {len(changes)} 项判定会改变："
    for c in changes:
        yield "  " + (c.get("text") or _line(c))


def _line(change: dict[str, Any]) -> str:
    before, after = change.get("before", {}), change.get("after", {})
    return (
        f"人员 {change.get('person')} · {change.get('action')} · {change.get('item')}："
        f"{before.get('kind')} → {after.get('kind')}"
    )
