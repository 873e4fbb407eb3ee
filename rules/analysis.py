"""Analysis of a pack over the registry's facts (pure: a snapshot in, plain dicts out).

    gaps(pack, snapshot, at=None, known_at=None, engine=None) -> [gap]
        what nobody may do at `at`: an entered item nobody may decide (decide or decide_complex, by
        its complexity), a fee item nobody may execute_fee, a seal with no custodian in force, a
        joint item whose partner department has no countersign holder.
    what_if(pack, snapshot, absence, items=None, at=None, known_at=None, engine=None) -> {...}
        "if X is absent from D1 to D2, who decides item I, and which items have nobody?"
    decision_effect(pack_a, pack_b, snapshot, requests=None, at=None, known_at=None, engines=None)
        -> [change]: the decisions over the registry that change from pack A to pack B
        (`onehall pack diff A B --effect`).

Every question is asked of `Engine.decide`, so the answers are the engine's, with its reasons.
Without `engine=` each call builds one from `snapshot` (about 25 ms for the demo registry of
227 items and 113 authorizations); with the caller's engine (same pack, same facts) `gaps` and
`what_if` take about 5 ms there: `what_if` puts the hypothetical absence on `Engine.fork()`.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from typing import Iterable

import vocab

from .engine import Engine
from .pack import Pack, Rule
from .schema import ACTIONS
from .timeutil import INF, NEG_INF, iso, local_date, now, ts

DECIDE_ACTIONS = ("decide", "decide_complex")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# ------------------------------------------------------------------ who may act


class _Who:
    """Who could possibly be granted an action on an item, from the engine's index: the holders
    of a person grant from the item's department, the government service department's people
    where that department granted it (or delegated), the department's own people."""

    def __init__(self, engine: Engine):
        self.engine = engine
        st = engine._state
        self.world, self.index = st.world, st.index
        holders: dict[tuple, dict] = {}  # (grantor, action) -> {person: None}, an ordered set
        for pid, auths in self.index.by_person.items():
            for a in auths:
                for action, rules in zip(ACTIONS, a.rules):
                    if rules:
                        holders.setdefault((a.grantor, action), {})[pid] = None
        self.person_grants: dict[tuple, list] = {key: sorted(v, key=_sort_key) for key, v in holders.items()}
        people = sorted(self.world.people.values(), key=lambda p: _sort_key(p.id))
        self.gov_people = [p.id for p in people if p.dept_kind == "gov_service"]
        self.dept_people: dict = {}
        for p in people:
            self.dept_people.setdefault(p.department, []).append(p.id)
        self.own_staff = {a for a, es in engine._own_staff.items() if es}
        self.delegated = {a for a, es in engine._delegated.items() if es}

    def candidates(self, item, action) -> list:
        out = list(self.person_grants.get((item.department, action), ()))
        if self.index.dept_grants(item.department, action) or action in self.delegated:
            out += self.gov_people
        if action in self.own_staff:
            out += self.dept_people.get(item.department, ())
        seen = set()
        return [p for p in out if not (p in seen or seen.add(p))]

    def allowed(self, item, action, t, k, place=None, only=None) -> list[dict]:
        """Everyone who may do `action` on `item` at `t` as known at `k` (or just `only`), with how."""
        out = []
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
                        "authorization": (a.authorization or {}).get("id"),
                        "rule": a.rule,
                    }
                )
        return out


def _sort_key(v):
    return (0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v))


def _times(at, known_at) -> tuple[float, float]:
    return (now() if at is None else ts(at)), (now() if known_at is None else ts(known_at))


def _engine(pack: Pack, snapshot: dict) -> Engine:
    e = Engine(pack)
    e.load(snapshot)
    return e


def _engine_for(pack: Pack, snapshot: dict | None, engine: Engine | None) -> Engine:
    """The caller's engine (same pack, holding the facts: then `snapshot` may be None), else one
    built over `snapshot`."""
    if engine is None:
        if snapshot is None:
            raise ValueError("a snapshot or an engine holding the facts is needed")
        return _engine(pack, snapshot)
    if engine.pack.digest != pack.digest:
        raise ValueError("the engine given runs another pack")
    return engine


def _entered_items(world, t: float, k: float, codes: Iterable[str] | None = None) -> list:
    """Published, on-application items that entered a hall and are in force at `t` (as known at `k`)."""
    its = [world.items[c] for c in codes if c in world.items] if codes is not None else world.items.values()
    out = [
        it
        for it in its
        if it.entered and it.on_application and it.status == "published" and it.effective_from <= t and it.filed <= k
    ]
    return out if codes is not None else sorted(out, key=lambda i: i.code)


def _decide_action(item) -> str:
    """Which decision power an item needs: decide (instant, or a simple commitment item), decide_complex,
    or for a report-up item, decided upstream, report_up (docs/design.md §12.2)."""
    if item.case_type == "report_up":
        return "report_up"
    return "decide" if item.case_type == "instant" or item.complexity == "simple" else "decide_complex"


def _rule_for(pack: Pack, action: str, item) -> Rule | None:
    """The grant rule of `action` whose item conditions this item meets (else the first one)."""
    from .evaluate import Ctx
    from .plans import ITEM_STATIC_FIELDS

    c = Ctx()
    c.item = item
    rules = pack.grants_by_action.get(action) or []
    for r in rules:
        if all(cond.test(cond.get(c)) for cond in r.when.conditions if cond.field.name in ITEM_STATIC_FIELDS):
            return r
    return rules[0] if rules else None


def _gap(kind: str, subject: str, rule: Rule | None, department, text: str, **extra) -> dict:
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


def gaps(pack: Pack, snapshot: dict | None, at=None, known_at=None, *, engine: Engine | None = None) -> list[dict]:
    """Every power nobody holds at `at` (as known at `known_at`), each with its clause and Chinese text.

    kinds: no_decider, no_fee_executor, seal_no_custodian, no_countersign_holder."""
    t, k = _times(at, known_at)
    engine = _engine_for(pack, snapshot, engine)
    who = _Who(engine)
    w = who.world
    day = local_date(t)
    out: list[dict] = []
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
                    item=it.code,
                    action=action,
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
                    item=it.code,
                    action="execute_fee",
                )
            )
        if it.joint:
            out.extend(_countersign_gaps(pack, who, it, t, k, day))
    seal_rule = (pack.grants_by_action.get("use_seal") or [None])[0]
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
                    seal=code,
                    action="use_seal",
                )
            )
    return out


def _countersign_gaps(pack: Pack, who: _Who, it, t: float, k: float, day: str) -> list[dict]:
    """A joint item whose partner department has nobody in force holding the countersign power
    over the partner item (not absent at `t`)."""
    w, idx = who.world, who.index
    rule = _rule_for(pack, "countersign", it)
    out, seen = [], set()
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
                    item=it.code,
                    partner=pc,
                    partner_department=partner.department,
                    action="countersign",
                )
            )
    return out


# ------------------------------------------------------------------ what if


def what_if(
    pack: Pack,
    snapshot: dict | None,
    absence: dict,
    items: Iterable[str] | None = None,
    at=None,
    known_at=None,
    *,
    engine: Engine | None = None,
) -> dict:
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
    fork = _engine_for(pack, snapshot, engine).fork()
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
    who = _Who(fork)  # who may hold a grant does not change with an absence: asked once
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
    rows, nobody, newly = [], [], []
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
    who: _Who, its, t: float, k: float, earlier: dict | None = None, redo: set | None = None
) -> dict[str, list[dict]]:
    """Who may decide each item (by its decision action). With `earlier` (the deciders of a first
    pass), only the people of `redo` are asked again; the others keep their earlier answer."""
    out = {}
    for it in its:
        found = []
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


def _people(rows) -> list:
    return sorted(((r["person"], r["action"], r["acting_for"]) for r in rows), key=repr)


# ------------------------------------------------------------------ decision effect


def decision_effect(
    pack_a: Pack,
    pack_b: Pack,
    snapshot: dict,
    requests: Iterable[dict] | None = None,
    at=None,
    known_at=None,
    *,
    engines: tuple[Engine, Engine] | None = None,
) -> list[dict]:
    """The decisions that differ (allowed or kind) between pack A and pack B over `snapshot`.

    Without `requests`, every person who holds a grant in either pack is asked every action on
    every item of the departments that granted it (and of their own department)."""
    t, k = _times(at, known_at)
    ea = _engine_for(pack_a, snapshot, engines[0] if engines else None)
    eb = _engine_for(pack_b, snapshot, engines[1] if engines else None)
    reqs = list(requests) if requests is not None else _all_requests(ea, eb)
    out = []
    w = ea.world
    for r in reqs:
        rt = t if r.get("at") is None else ts(r["at"])
        rk = k if r.get("known_at") is None else ts(r["known_at"])
        args = (r["person"], r["action"], r["item"])
        kw = {"at": rt, "known_at": rk, "place": r.get("place"), "seal": r.get("seal"), "case": r.get("case")}
        a, b = ea.decide(*args, **kw), eb.decide(*args, **kw)
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


def _brief(a: dict) -> dict:
    rule = a["reasons"][0]["rule"] if a["reasons"] else None
    return {
        "allowed": a["allowed"],
        "kind": a["kind"],
        "rule": rule,
        "clause": a["reasons"][0]["clause"] if a["reasons"] else None,
    }


def _label(a: dict) -> str:
    return KIND_LABELS.get(a["kind"], a["kind"])


def _all_requests(*engines: Engine) -> list[dict]:
    """person × action × item over people holding grants (in any of `engines`), on the items of the
    departments they hold grants from and of their own department; the government service
    department's people over the items of departments that granted or delegated to it."""
    w = engines[0].world
    items_of: dict = {}
    for it in sorted(w.items.values(), key=lambda i: i.code):
        items_of.setdefault(it.department, []).append(it.code)
    pairs: dict = {}
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
    out = []
    for pid in sorted(pairs, key=_sort_key):
        for d in sorted(pairs[pid], key=str):
            for code in items_of.get(d, ()):
                for action in ACTIONS:
                    out.append({"person": pid, "action": action, "item": code})
    return out
