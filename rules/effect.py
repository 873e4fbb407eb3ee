"""The decisions over the registry's facts that change from one pack to another
(`onehall pack diff A B --effect`): every question is asked of both packs' engines.

    decision_effect(pack_a, pack_b, snapshot, requests=None, at=None, known_at=None, engines=None)
        -> [change]: {"person", "name", "action", "item", "item_name", "place", "seal",
                      "before": {"allowed", "kind", "rule", "clause"}, "after": {...}, "text"}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Optional, TypedDict

import vocab

from .who import engine_for, sort_key, times
from .decision import Decision, Kind
from .engine import Engine
from .pack import Pack
from .schema import ACTIONS
from .shapes import JSON, Snapshot
from .timeutil import Moment, ts


class Brief(TypedDict):
    """One side of a changed decision."""

    allowed: bool
    kind: Kind
    rule: Optional[str]
    clause: Optional[str]


class Effect(TypedDict):
    """A decision that changes from pack A to pack B."""

    person: JSON
    name: str
    action: str
    item: str
    item_name: str
    place: Optional[str]
    seal: Optional[str]
    before: Brief
    after: Brief
    text: str


Request = Mapping[str, JSON]
"""A question to ask both packs: {"person", "action", "item"}, and optionally "at", "known_at", "place",
"seal", "case" (as the API takes them: JSON)."""


def decision_effect(
    pack_a: Pack,
    pack_b: Pack,
    snapshot: Snapshot,
    requests: Iterable[Request] | None = None,
    at: Moment | None = None,
    known_at: Moment | None = None,
    *,
    engines: tuple[Engine, Engine] | None = None,
) -> list[Effect]:
    """The decisions that differ (allowed or kind) between pack A and pack B over `snapshot`.

    Without `requests`, every person who holds a grant in either pack is asked every action on
    every item of the departments that granted it (and of their own department)."""
    t, k = times(at, known_at)
    ea = engine_for(pack_a, snapshot, engines[0] if engines else None)
    eb = engine_for(pack_b, snapshot, engines[1] if engines else None)
    reqs = list(requests) if requests is not None else _all_requests(ea, eb)
    out: list[Effect] = []
    w = ea.world
    for r in reqs:
        rt = t if r.get("at") is None else ts(r["at"])
        rk = k if r.get("known_at") is None else ts(r["known_at"])
        person, action, item = r["person"], r["action"], r["item"]
        place, seal, case = r.get("place"), r.get("seal"), r.get("case")
        a = ea.decide(person, action, item, at=rt, known_at=rk, place=place, seal=seal, case=case)
        b = eb.decide(person, action, item, at=rt, known_at=rk, place=place, seal=seal, case=case)
        if a["allowed"] == b["allowed"] and a["kind"] == b["kind"]:
            continue
        p, it = w.people.get(r["person"]), w.items.get(r["item"])
        before, after = _brief(a), _brief(b)
        out.append(
            {
                "person": r["person"],
                "name": p.name if p else str(r["person"]),
                "action": r["action"],
                "item": r["item"],
                "item_name": it.name if it else r["item"],
                "place": r.get("place"),
                "seal": r.get("seal"),
                "before": before,
                "after": after,
                "text": (
                    f"{p.name if p else r['person']}对“{it.name if it else r['item']}”（{r['item']}）"
                    f"{ACTIONS.get(r['action'], r['action'])}：{_label(a)} → {_label(b)}"
                    f"（{after['rule'] or before['rule'] or '-'}）"
                ),
            }
        )
    return out


KIND_LABELS = vocab.DECISION_KINDS


def _brief(a: Decision) -> Brief:
    reasons = a.reasons
    return {
        "allowed": a.allowed,
        "kind": a.kind,
        "rule": reasons[0]["rule"] if reasons else None,
        "clause": reasons[0]["clause"] if reasons else None,
    }


def _label(a: Decision) -> str:
    return KIND_LABELS.get(a.kind, a.kind)


def _all_requests(*engines: Engine) -> list[Request]:
    """person × action × item over people holding grants (in any of `engines`), on the items of the
    departments they hold grants from and of their own department; the government service
    department's people over the items of departments that granted or delegated to it."""
    w = engines[0].world
    items_of: dict[str | None, list[str]] = {}
    for it in sorted(w.items.values(), key=lambda i: i.code):
        items_of.setdefault(it.department, []).append(it.code)
    pairs: dict[JSON, set[JSON]] = {}
    for e in engines:
        st = e._state
        for pid in st.index.by_person:
            by_action = st.index.person_actions(pid)
            if pid not in w.people or not by_action:
                continue
            depts = pairs.setdefault(pid, set())
            depts.add(w.people[pid].department)
            for entries in by_action.values():
                depts.update(a.grantor for _, a in entries)
        gov_depts = {d for d, acts in st.index.by_dept.items() if acts}
        gov_depts |= {r.get("department") for r in w.rows("delegations")}
        if gov_depts:
            for p in w.people.values():
                if p.dept_kind == "gov_service":
                    pairs.setdefault(p.id, set()).update(gov_depts)
    out: list[Request] = []
    for pid in sorted(pairs, key=sort_key):
        for d in sorted(pairs[pid], key=str):
            for code in items_of.get(d, ()):
                for action in ACTIONS:
                    out.append({"person": pid, "action": action, "item": code})
    return out
