"""Analysis of a pack over the registry's facts (pure: a snapshot in, plain dicts out).

    gaps(pack, snapshot, at=None, known_at=None, engine=None) -> [gap]
        what nobody may do at `at`: an entered item nobody may decide (decide or decide_complex, by
        its complexity), a fee item nobody may execute_fee, a seal with no custodian in force, a
        joint item whose partner department has no countersign holder.
    what_if(pack, snapshot, absence, items=None, at=None, known_at=None, engine=None) -> {...}
        "if X is absent from D1 to D2, who decides item I, and which items have nobody?"
(The decisions that change from one pack to another: rules.effect; who may act: rules.who.)

Every question is asked of `Engine.decide`, so the answers are the engine's, with its reasons.
Without `engine=` each call builds one from `snapshot` (about 25 ms for the demo registry of
227 items and 113 authorizations); with the caller's engine (same pack, same facts) `gaps` and
`what_if` take about 5 ms there: `what_if` puts the hypothetical absence on `Engine.fork()`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import NotRequired, Optional, TypedDict

from .engine import Engine
from .pack import Pack
from .rule import Rule
from .shapes import JSON, Row, Snapshot
from .timeutil import INF, NEG_INF, Moment, iso, local_date, now, ts
from .who import Holder, Who, engine_for, times
from .world import World
from .records import ItemRec

DECIDE_ACTIONS = ("decide", "decide_complex")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Decider(Holder):
    """A holder of a decision action (`what_if`'s before and after)."""

    action: str


class Gap(TypedDict):
    """A power nobody holds (`gaps`)."""

    id: str
    kind: str  # no_decider | no_fee_executor | seal_no_custodian | no_countersign_holder
    subject: str
    clause: Optional[str]
    rule: Optional[str]
    department: Optional[str]
    text: str
    item: NotRequired[str]
    seal: NotRequired[str]
    action: NotRequired[str]
    partner: NotRequired[str]
    partner_department: NotRequired[Optional[str]]


class Extra(TypedDict, total=False):
    """What a gap names beside its subject."""

    item: str
    seal: str
    action: str
    partner: str
    partner_department: Optional[str]


class ItemChange(TypedDict):
    item: str
    name: str
    department: Optional[str]
    action: str
    before: list[Decider]
    after: list[Decider]
    changed: bool


class WhatIf(TypedDict):
    """`what_if`'s answer."""

    absence: dict[str, JSON]  # {"person", "name", "from", "to"}
    at: str
    known_at: str
    items: list[ItemChange]
    nobody: list[str]
    newly_nobody: list[str]
    changed: list[str]
    unaffected_items: int
    ms: float


def _entered_items(world: World, t: float, k: float, codes: Iterable[str] | None = None) -> list[ItemRec]:
    """Published, on-application items that entered a hall and are in force at `t` (as known at `k`)."""
    its: Iterable[ItemRec] = (
        [world.items[c] for c in codes if c in world.items] if codes is not None else world.items.values()
    )
    out = [
        it
        for it in its
        if it.entered and it.on_application and it.status == "published" and it.effective_from <= t and it.filed <= k
    ]
    return out if codes is not None else sorted(out, key=lambda i: i.code)


def _decide_action(item: ItemRec) -> str:
    """Which decision power an item needs: decide (instant, or a simple commitment item), decide_complex,
    or for a report-up item, decided upstream, report_up (docs/design.md §12.2)."""
    if item.case_type == "report_up":
        return "report_up"
    return "decide" if item.case_type == "instant" or item.complexity == "simple" else "decide_complex"


def _rule_for(pack: Pack, action: str, item: ItemRec) -> Rule | None:
    """The grant rule of `action` whose item conditions this item meets (else the first one)."""
    from .context import Ctx
    from .plans import ITEM_STATIC_FIELDS

    c = Ctx()
    c.item = item
    rules = pack.grants_by_action.get(action) or []
    for r in rules:
        if all(cond.test(cond.get(c)) for cond in r.when.conditions if cond.field.name in ITEM_STATIC_FIELDS):
            return r
    return rules[0] if rules else None


def _gap(kind: str, subject: str, rule: Rule | None, department: str | None, text: str, extra: Extra) -> Gap:
    return {
        "id": hashlib.sha256(f"gap|{kind}|{subject}".encode()).hexdigest()[:16],
        "kind": kind,
        "subject": subject,
        "clause": rule.clause if rule else None,
        "rule": rule.id if rule else None,
        "department": department,
        "text": text,
        **extra,
    }


# ------------------------------------------------------------------ gaps


def gaps(
    pack: Pack,
    snapshot: Snapshot | None,
    at: Moment | None = None,
    known_at: Moment | None = None,
    *,
    engine: Engine | None = None,
) -> list[Gap]:
    """Every power nobody holds at `at` (as known at `known_at`), each with its clause and Chinese text.

    kinds: no_decider, no_fee_executor, seal_no_custodian, no_countersign_holder."""
    t, k = times(at, known_at)
    engine = engine_for(pack, snapshot, engine)
    who = Who(engine)
    w = who.world
    day = local_date(t)
    out: list[Gap] = []
    for it in _entered_items(w, t, k):
        dname = w.department_name(it.department)
        action = _decide_action(it)
        if not any(who.allowed(it, a, t, k) for a in ((action,) if action == "report_up" else DECIDE_ACTIONS)):
            what = (
                "复杂事项，没有人有复杂事项审批决定权（须在最低授权之外另行授予）"
                if action == "decide_complex"
                else "上报件，没有人可以上(转)报"
                if action == "report_up"
                else f"{'即办件' if it.case_type == 'instant' else '简单承诺件'}，没有人可以作出审批决定"
            )
            out.append(
                _gap(
                    "no_decider",
                    f"item:{it.code}",
                    _rule_for(pack, action, it),
                    it.department,
                    f"{dname}已进驻的“{it.name}”（{it.code}）是{what}（{day}）",
                    {"item": it.code, "action": action},
                )
            )
        if it.has_fees and not who.allowed(it, "execute_fee", t, k):
            out.append(
                _gap(
                    "no_fee_executor",
                    f"item:{it.code}",
                    _rule_for(pack, "execute_fee", it),
                    it.department,
                    f"{dname}的收费事项“{it.name}”（{it.code}）在{day}没有人可以执行收费",
                    {"item": it.code, "action": "execute_fee"},
                )
            )
        if it.joint:
            out.extend(_countersign_gaps(pack, who, it, t, k, day))
    seal_grants = pack.grants_by_action.get("use_seal")
    seal_rule = seal_grants[0] if seal_grants else None
    for code in sorted(w.seals):
        s = w.seals[code]
        holder = w.custodian(code, t, k)
        if holder is None or holder not in w.people:
            why = "没有在任的保管人" if holder is None else f"的保管人（人员{holder}）不在人员名单中"
            out.append(
                _gap(
                    "seal_no_custodian",
                    f"seal:{code}",
                    seal_rule,
                    s.department,
                    f"{w.department_name(s.department)}的“{s.name}”（{code}）在{day}{why}",
                    {"seal": code, "action": "use_seal"},
                )
            )
    return out


def _countersign_gaps(pack: Pack, who: Who, it: ItemRec, t: float, k: float, day: str) -> list[Gap]:
    """A joint item whose partner department has nobody in force holding the countersign power
    over the partner item (not absent at `t`)."""
    w, idx = who.world, who.index
    rule = _rule_for(pack, "countersign", it)
    out: list[Gap] = []
    seen: set[str | None] = set()
    for pc in it.partners:
        partner = w.items.get(pc)
        if partner is None or partner.department in seen or partner.department == it.department:
            continue
        seen.add(partner.department)
        holders = [
            pid
            for pid in who.person_grants.get((partner.department, "countersign"), ())
            if not (pid in idx.absences and idx.absent(pid, t, k))
            and any(idx.valid(a, t, k) and a.covers(partner) for _, a in idx.person_grants(pid, "countersign"))
        ]
        if not holders:
            out.append(
                _gap(
                    "no_countersign_holder",
                    f"item:{it.code}/department:{partner.department}",
                    rule,
                    it.department,
                    f"联办件“{it.name}”（{it.code}）的协办部门{w.department_name(partner.department)}"
                    f"在{day}没有在岗的、持有联合审批会签权的首席代表（协办事项{pc}）",
                    {"item": it.code, "partner": pc, "partner_department": partner.department, "action": "countersign"},
                )
            )
    return out


# ------------------------------------------------------------------ what if


def what_if(
    pack: Pack,
    snapshot: Snapshot | None,
    absence: Row,
    items: Iterable[str] | None = None,
    at: Moment | None = None,
    known_at: Moment | None = None,
    *,
    engine: Engine | None = None,
) -> WhatIf:
    """If `absence["person"]` is absent from `absence["from"]` to `absence["to"]`, who decides each
    entered item the absence can affect (or each of `items`) at `at` (default: the first moment of
    the absence), before and after, and which items are then left with nobody? Items of other
    departments keep their deciders; their number is `unaffected_items`.

    The hypothetical absence goes to a fork of the engine (`Engine.fork`): pass the engine that
    already holds `snapshot` (`engine=`) to skip building one; neither it nor the registry changes."""
    t0 = time.perf_counter()
    person = absence["person"]
    start = ts(absence.get("from"), NEG_INF)
    end = ts(absence.get("to"), INF)
    t = start if at is None else ts(at)
    if t == NEG_INF:
        t = now()
    k = now() if known_at is None else ts(known_at)
    fork = engine_for(pack, snapshot, engine).fork()
    w = fork.world
    if person not in w.people:
        from .errors import UnknownReference

        raise UnknownReference("person", person)
    # only the departments whose grants the absent person holds, or whose B posts back them, can change
    idx = fork._state.index
    held = [a for entries in idx.person_actions(person).values() for _, a in entries]
    held_ids = {a.id for a in held}
    touched = {a.grantor for a in held}
    touched |= {a.grantor for a in w.auths.values() if a.backs is not None and a.backs in held_ids}
    its = _entered_items(w, t, k, items)
    unaffected = 0
    if items is None:
        # Asked about the city, answer for the items the absence can change; the rest keep
        # their deciders (items nobody may decide anyway are gaps: see `gaps`).
        unaffected = sum(1 for it in its if it.department not in touched)
        its = [it for it in its if it.department in touched]
    who = Who(fork)  # who may hold a grant does not change with an absence: asked once
    before = _deciders(who, its, t, k)
    fork.apply(
        {
            "kind": "absence",
            "op": "upsert",
            "record": {
                "id": ("what-if", person),
                "person": person,
                "from": absence.get("from"),
                "to": absence.get("to"),
                "reason": absence.get("reason", "假设缺位"),
                "filed_at": EPOCH,
            },
        }
    )
    # An absence changes the answers of the absent person and of the B posts backing their
    # authorizations (acting for them) only: everyone else's answers are the ones before.
    mine = held_ids | {a.id for a in w.auths.values() if a.person == person}
    redo = {person} | {a.person for a in w.auths.values() if a.backs is not None and a.backs in mine}
    after = dict(before)
    after.update(_deciders(who, [it for it in its if it.department in touched], t, k, before, redo))
    rows: list[ItemChange] = []
    nobody: list[str] = []
    newly: list[str] = []
    for it in its:
        b, a = before[it.code], after[it.code]
        if not a:
            nobody.append(it.code)
            if b:
                newly.append(it.code)
        rows.append(
            {
                "item": it.code,
                "name": it.name,
                "department": it.department,
                "action": _decide_action(it),
                "before": b,
                "after": a,
                "changed": _people(b) != _people(a),
            }
        )
    p = w.people[person]
    return {
        "absence": {
            "person": person,
            "name": p.name,
            "from": iso(start) if start != NEG_INF else None,
            "to": iso(end) if end != INF else None,
        },
        "at": iso(t),
        "known_at": iso(k),
        "items": rows,
        "nobody": nobody,
        "newly_nobody": newly,
        "changed": [r["item"] for r in rows if r["changed"]],
        "unaffected_items": unaffected,
        "ms": round((time.perf_counter() - t0) * 1000, 2),
    }


def _deciders(
    who: Who,
    its: Sequence[ItemRec],
    t: float,
    k: float,
    earlier: dict[str, list[Decider]] | None = None,
    redo: set[JSON] | None = None,
) -> dict[str, list[Decider]]:
    """Who may decide each item (by its decision action). With `earlier` (the deciders of a first
    pass), only the people of `redo` are asked again; the others keep their earlier answer."""
    out: dict[str, list[Decider]] = {}
    for it in its:
        found: list[Decider] = []
        for action in ("report_up",) if it.case_type == "report_up" else DECIDE_ACTIONS:
            if earlier is None or redo is None:
                found.extend({**d, "action": action} for d in who.allowed(it, action, t, k))
                continue
            kept = {d["person"]: d for d in earlier[it.code] if d["action"] == action}
            for pid in who.candidates(it, action):
                if pid in redo:
                    found.extend({**d, "action": action} for d in who.allowed(it, action, t, k, only=pid))
                elif pid in kept:
                    found.append(kept[pid])
        out[it.code] = found
    return out


def _people(rows: Iterable[Decider]) -> list[tuple[JSON, str, int | None]]:
    return sorted(((r["person"], r["action"], r["acting_for"]) for r in rows), key=repr)
