"""The decision engine: facts in, answers out (docs/design.md §4, §8).

`Engine.load` / `Engine.apply` feed facts to the world, and authorizations, revocations and
absences through durable-rules into the decision index. `Engine.decide` never calls durable:
it reads the index and the pack's precompiled conditions, and explains itself in Chinese.

The query path is kept short and its memory small, since at 100,000 authorizations a question
costs mostly cache misses:
- a person's record carries their authorizations (each with the grant rules derived from it per
  action, shared between alike authorizations) and their absences: one lookup finds them all;
- an item's record carries the plan of items alike to the rules (the same values of the item
  fields the rules read): its prohibitions that may still fire, each grant rule's item conditions
  already evaluated, and per request shape (which of place, seal, case it names) what is left;
- explanations are compiled templates (one f-string each), dates are formatted once per day,
  times are epoch floats and a question's datetime is converted once.
Nothing there is an answer: every question still checks validity, scope, absences, A/B posts and
the conditions on time, place, seal and case, and returns its reasons in full.
"""
from __future__ import annotations

import copy
import secrets
import threading
from collections import deque
from datetime import datetime
from itertools import repeat as _repeat
from typing import Callable

from vocab.ids import id_maker

from .compiler import Deriver
from .errors import UnknownAction, UnknownReference
from .index import ACTION_INDEX, DecisionIndex, absent_in
from .pack import Pack, Rule
from .schema import ACTIONS
from .timeutil import INF, NEG_INF, local_date, now, ts
from .world import KINDS, SINGULAR_TO_KEY, World, record_key
from . import fields as F
from . import wording as Z
from .wording import Fail

MISSING = F.MISSING
POST_LABEL = {"A": "A", "B": "B", None: "", "none": ""}


class Ctx:
    """What one question is about; the per-candidate part (auth, acting_for, valid, covers) changes
    as candidates are tried."""
    __slots__ = ("world", "index", "person", "item", "place", "seal", "case", "t", "k",
                 "auth", "acting_for", "valid", "covers")


class _Vals(dict):
    """Values for an explanation template with a format spec, computed only when asked for, by the
    same table (TEMPLATE_EXPR) the compiled templates use: one set of words for both."""

    def __init__(self, engine: "Engine", ctx: Ctx, action: str, extra: dict | None = None):
        super().__init__(extra or ())
        self.e, self.c, self.action = engine, ctx, action

    def __missing__(self, key):
        get = _expr_function(key)
        v = get(self.c, ACTIONS.get(self.action, "")) if get is not None else "{" + key + "}"
        self[key] = v
        return v


class DecisionLog:
    """A non-blocking decision-log hook: appends (request, answer); the app drains in batches."""

    def __init__(self, maxlen: int | None = 100_000):
        self.queue: deque = deque(maxlen=maxlen)

    def __call__(self, request: dict, answer: dict) -> None:
        self.queue.append((request, answer))

    def drain(self, limit: int | None = None) -> list[tuple[dict, dict]]:
        out = []
        q = self.queue
        while q and (limit is None or len(out) < limit):
            out.append(q.popleft())
        return out


class _Caches:
    """What the query path derives once from an item's own fields: items that look alike to the
    pack's rules (the same values of the item fields its conditions read: their signature)
    share one `_SignaturePlan`, hung on each item's record (ItemRec.plan). None of it depends on
    other facts, so it survives every change but a hall's (which changes an item field in place):
    then a new `_Caches` replaces the old one and plans of the old generation are rebuilt."""
    __slots__ = ("by_signature",)

    def __init__(self):
        self.by_signature: dict = {}


class _SignaturePlan:
    """Per action (indexed like ACTIONS), the `_ActionPlan` of the items of one signature."""
    __slots__ = ("gen", "by_action")

    def __init__(self, gen: _Caches):
        self.gen = gen
        self.by_action: list = [None] * len(ACTIONS)


class _ActionPlan:
    """What an action on an item comes down to once the item is known (shared by alike items):
    the prohibitions that may still fire, each grant rule's conditions, and per request shape
    (which of place, seal, case it names) the prohibitions left to try."""
    __slots__ = ("residual", "conds", "shapes")

    def __init__(self, residual: tuple, conds: dict):
        self.residual = residual
        self.conds = conds
        self.shapes: list = [None] * 8  # bit 1: no place, 2: no seal, 4: no case


class _State:
    """One consistent (world, index, derivation); `load` swaps in a new one atomically."""
    __slots__ = ("world", "index", "deriver", "caches")

    def __init__(self, world, index, deriver):
        self.world, self.index, self.deriver = world, index, deriver
        self.caches = _Caches()


class Engine:
    """Decisions over one pack. Thread-safe: writers take a lock, readers never wait."""

    def __init__(self, pack: Pack):
        self.pack = pack
        self.decision_log: Callable[[dict, dict], None] | None = None
        self._lock = threading.RLock()
        self._backup = pack.parameters.get("ab_mode", "backup") == "backup"
        self._excluded = frozenset((pack.classes.get("application") or {}).get("exclude_item_types", ()))
        self._policy = pack.policy
        self._next_id = id_maker(secrets.token_hex(11))   # the format vocab.ids owns
        F.bind(pack)
        # grants that need no authorization, as flat candidates (rule, None, rule, None, ...)
        self._own_staff = {a: tuple(x for r in pack.grants_by_action[a] if r.grantee == "own_staff"
                                    for x in (r, None)) for a in ACTIONS}
        self._delegated = {a: tuple(x for r in pack.grants_by_action[a] if r.grantee == "delegation"
                                    for x in (r, None)) for a in ACTIONS}
        self._prohib = {a: tuple(pack.prohibitions_by_action[a]) for a in ACTIONS}
        self._fallback = {a: (pack.grants_by_action[a] or [None])[0] for a in ACTIONS}
        self._explain = {r: compile_template(r.explain, self) for r in pack.rules if r.kind != "finding"}
        # the item fields the pack's conditions read: an item's values of them are its signature
        sig_fields = sorted({cond.field.name for r in pack.rules if r.kind != "finding"
                             for cond in r.when.conditions if cond.field.name in ITEM_STATIC_FIELDS})
        self._signature = tuple(F.GETTERS[name] for name in sig_fields)
        self._state = self._build({})

    # ------------------------------------------------------------ facts
    def _build(self, snapshot: dict) -> _State:
        index = DecisionIndex()
        world = World(self._excluded, grants_of=index.by_person, absences_of=index.absences)
        index.people = world.people
        world.load(snapshot)
        deriver = Deriver(self.pack, world, index, self._lock)
        deriver.assert_many("auth", world.rows("authorizations"))
        deriver.assert_many("revocation", world.rows("revocations"))
        deriver.assert_many("absence", world.rows("absences"))
        return _State(world, index, deriver)

    def load(self, snapshot: dict) -> None:
        """Replace all facts by `snapshot` (docs/facts.md); answers switch over atomically."""
        with self._lock:
            self._state = self._build(snapshot)

    def adopt(self, world: World, index: DecisionIndex) -> None:
        """Take facts and their decision index derived earlier over this pack (a worker's snapshot,
        application.snapshot); changes after it are applied and derived as usual."""
        with self._lock:
            self._state = _State(world, index, Deriver(self.pack, world, index, self._lock))

    def apply(self, change: dict) -> None:
        """Upsert one record (docs/facts.md change); only what it touches is re-derived."""
        kind = change.get("kind")
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
            derived = {"authorizations": "auth", "revocations": "revocation", "absences": "absence"}.get(key)
            if derived:
                st.deriver.upsert(derived, row, old)
            if key == "halls":  # changes items' entry_hall_kind in place: their plans are rebuilt
                st.caches = _Caches()

    def fork(self) -> "Engine":
        """A private engine over the same facts, for hypotheses ("what if X were absent?").

        It shares the facts and derived grants with this engine (read only) and has its own copy
        of the cancellations: absences and revocations applied to the fork change the fork alone.
        Other kinds of change are refused on a fork."""
        f = Engine.__new__(Engine)
        f.__dict__.update(self.__dict__)
        f.decision_log = None
        f._lock = threading.RLock()
        st = self._state
        idx = copy.copy(st.index)
        idx.absences = dict(st.index.absences)
        idx.on_records = False  # the people's records keep the real absences
        idx.revocations = dict(st.index.revocations)
        f._state = _State(st.world, idx, None)
        f._state.caches = st.caches  # plans depend on the items alone: shared
        return f

    def _apply_to_fork(self, key: str, row: dict) -> None:
        st = self._state
        if key == "absences":
            st.index.add_absence(row["id"], row.get("person"), ts(row.get("from"), NEG_INF),
                                 ts(row.get("to"), INF), ts(row.get("filed_at"), NEG_INF))
        elif key == "revocations":
            st.index.add_revocation(row["id"], row.get("authorization"), ts(row.get("at"), NEG_INF),
                                    ts(row.get("filed_at"), NEG_INF))
        else:
            raise ValueError(f"a fork takes absences and revocations only, not {key}")

    @property
    def world(self) -> World:
        return self._state.world

    # ------------------------------------------------------------ questions
    def decide(self, person: int, action: str, item: str, at=None, known_at=None, place: str | None = None,
               seal: str | None = None, case: str | None = None, *, _log: bool = True, _close: bool = True) -> dict:
        """May `person` do `action` on `item` (at `place`, with `seal`, for `case`) at `at`, as known at
        `known_at`? Answers docs/design.md §8's POST /decisions shape. A refusal's why-not names the close
        action the person holds instead (wording.CLOSE_ACTIONS), found by asking again with
        `_close=False`: an internal probe, which takes no decision id and looks no further."""
        t = _TS_GET(at)  # a datetime or ISO string already seen (None for anything else)
        if t is None:
            t = _now() if at is None else _time(at)
        k = _TS_GET(known_at)
        if k is None:
            k = _now() if known_at is None else _time(known_at)
        st = self._state
        w = st.world
        p = w.people.get(person)
        if p is None:
            raise UnknownReference("person", person)
        ai = ACTION_INDEX.get(action)
        if ai is None:
            raise UnknownAction(action)
        it = w.items.get(item)
        if it is None:
            raise UnknownReference("item", item)
        c = Ctx()
        c.world, c.index, c.person, c.item, c.t, c.k = w, st.index, p, it, t, k
        shape = 0
        if place is None:
            c.place = None
            shape = 1
        else:
            c.place = w.places.get(place)
            if c.place is None:
                raise UnknownReference("place", place)
        if seal is None:
            c.seal = None
            shape |= 2
        else:
            c.seal = w.seals.get(seal)
            if c.seal is None:
                raise UnknownReference("seal", seal)
        unchecked = None
        if case is None:
            c.case = None
            shape |= 4
        else:
            c.case = w.tables["cases"].get(case) or F.NOT_HELD
        plan = it.plan
        if plan is None or plan.gen is not st.caches:
            plan = it.plan = self._signature_plan(c, st.caches)
        ap = plan.by_action[ai]
        if ap is None:
            ap = plan.by_action[ai] = self._action_plan(action, c)
        reduced = ap.shapes[shape]
        if reduced is None:
            reduced = ap.shapes[shape] = _for_shape(ap.residual, shape)
        entries_if_granted, entries, always, always_sorted = reduced

        # candidates: the person's own grants, then grants to gov_service / own staff / delegation
        extra = ()
        if p.dept_kind == "gov_service":
            extra = st.index.dept_grants(it.department, action) + self._delegated[action]
        own = self._own_staff[action]
        if own and p.department == it.department:
            extra = extra + own
        a = p.auth
        if a is not None and not extra:  # the usual chief representative: one authorization
            cands = zip(a.rules[ai], _repeat(a))
        else:
            cands = [(r, a) for a in p.auths for r in a.rules[ai]]
            if extra:
                cands += zip(extra[::2], extra[1::2])

        # The first candidate in order that holds is the answer. A candidate whose item conditions
        # fail cannot hold: it is tried only when none holds, to find the nearest miss (the least
        # failures, then the most conditions passed, then the first in order).
        allowed = None  # the grant rule that holds
        tried = deferred = None
        conds = ap.conds
        pos = 0
        for rule, a in cands:
            cp = conds.get(rule)
            if cp is not None and cp[3]:
                if deferred is None:
                    deferred = [(pos, rule, a)]
                else:
                    deferred.append((pos, rule, a))
            else:
                fails, passed, unch = self._try(c, rule, a, conds)
                if fails is None:
                    allowed = rule
                    if unch:
                        unchecked = unch if unchecked is None else unchecked | unch
                    break
                miss = ((len(fails), -passed, pos), fails, rule, (c.auth, c.acting_for, c.valid, c.covers), unch)
                if tried is None:
                    tried = [miss]
                else:
                    tried.append(miss)
            pos += 1
        best = None  # (score, fails, rule, ctx state, unchecked) of the nearest miss
        if allowed is None:
            if deferred is not None:
                for pos, rule, a in deferred:
                    fails, passed, unch = self._try(c, rule, a, conds)
                    miss = ((len(fails), -passed, pos), fails, rule, (c.auth, c.acting_for, c.valid, c.covers),
                            unch)
                    if tried is None:
                        tried = [miss]
                    else:
                        tried.append(miss)
            if tried is not None:
                best = min(tried, key=_score) if len(tried) > 1 else tried[0]
                c.auth, c.acting_for, c.valid, c.covers = best[3]
                if best[4]:
                    unchecked = best[4] if unchecked is None else unchecked | best[4]
            else:
                c.auth = None
                c.acting_for = None

        # prohibitions: every one that fires. Only those whose item conditions hold are tried, without
        # the conditions on what the request left out (those only make the answer say "unchecked").
        fired = None
        for r, start, rconds, missing in (entries if allowed is None else entries_if_granted):
            if start is not None and t < start:
                continue
            for cond in rconds:
                v = cond.get(c)
                if v is MISSING:
                    if cond.ns != "grant":
                        missing = cond.ns
                    else:
                        break
                    continue
                if not cond.test(v):
                    break
            else:
                if missing is None:
                    if fired is None:
                        fired = [r]
                    else:
                        fired.append(r)
                elif unchecked is None:
                    unchecked = {missing}
                else:
                    unchecked.add(missing)
        if unchecked is None:
            unchecked = list(always_sorted)
        else:
            unchecked = sorted(unchecked | always)

        if fired:
            reasons = [self._reason(r, c, action) for r in fired]
            if allowed is not None:
                g = allowed
                failed = "; ".join(f"{self._prohibition_condition(r, c)}, forbidden by {r.id}" for r in fired)
            elif best is not None:
                g, failed = best[2], "; ".join(best[1])
            else:
                g, failed = self._fallback[action], self._no_grant_text(p, action)
            # the prohibitions decide: they alone are said (the nearest grant stays in `failed`)
            text = Z.why_not_text(p.name, it.name, action, [r["detail"] for r in reasons])
            answer = {"decision_id": self._next_id() if _close else None, "allowed": False,
                      "kind": "forbidden", "reasons": reasons,
                      "why_not": {"rule": g.id if g else None, "clause": g.clause if g else None, "failed": failed,
                                  "text": text},
                      "authorization": None, "acting_for": None, "unchecked": unchecked,
                      "policy": self._policy.copy()}
        elif allowed is not None:
            a = c.auth
            r = allowed
            detail = self._explain[r](c, ACTIONS[action])
            if c.acting_for is not None:
                ap_ = w.people.get(c.acting_for)
                detail += f"；A岗{ap_.name if ap_ else '首席代表'}缺位，由B岗代行"
            answer = {"decision_id": self._next_id() if _close else None, "allowed": True,
                      "kind": "allow",
                      "reasons": [{"rule": r.id, "clause": r.clause, "text": r.text, "detail": detail}],
                      "why_not": None,
                      "authorization": {"id": a.id, "log_index": a.log_index} if a is not None else None,
                      "acting_for": c.acting_for, "unchecked": unchecked, "policy": self._policy.copy()}
        else:
            if best is not None:
                g, fails = best[2], best[1]
            else:
                g, fails = self._fallback[action], [self._no_grant_text(p, action)]
            failed = "; ".join(fails)
            close = [x for x in Z.CLOSE_ACTIONS.get(action, ())
                     if self.decide(person, x, item, t, k, place, seal, case, _log=False, _close=False)["allowed"]] \
                if _close else None
            text = Z.why_not_text(p.name, it.name, action, fails, close)
            answer = {"decision_id": self._next_id() if _close else None, "allowed": False,
                      "kind": "not_granted",
                      "reasons": [{"rule": g.id, "clause": g.clause, "text": g.text, "detail": text}]
                      if g is not None else [],
                      "why_not": {"rule": g.id if g else None, "clause": g.clause if g else None, "failed": failed,
                                  "text": text},
                      "authorization": None, "acting_for": None, "unchecked": unchecked,
                      "policy": self._policy.copy()}
        if _log:
            hook = self.decision_log
            if hook is not None:
                hook({"person": person, "action": action, "item": item, "at": t, "known_at": k,
                      "place": place, "seal": seal, "case": case}, answer)
        return answer

    def allowed_actions(self, person: int, item: str, at=None, place: str | None = None,
                        known_at=None) -> list[dict]:
        """Every action `person` may do on `item`, each with its reasons."""
        t = _now() if at is None else _time(at)
        k = _now() if known_at is None else _time(known_at)
        out = []
        for action in ACTIONS:
            a = self.decide(person, action, item, t, k, place, None, None, _log=False)
            if a["allowed"]:
                out.append({"action": action, "label": ACTIONS[action], "reasons": a["reasons"],
                            "authorization": a["authorization"], "acting_for": a["acting_for"],
                            "unchecked": a["unchecked"]})
        return out

    def _reason(self, r: Rule, c: Ctx, action: str) -> dict:
        """The reason naming rule `r`, with its explanation (the rule's compiled template)."""
        detail = self._explain[r](c, ACTIONS[action])
        if c.acting_for is not None and r.kind == "grant":
            p = c.world.people.get(c.acting_for)
            detail += f"；A岗{p.name if p else '首席代表'}缺位，由B岗代行"
        return {"rule": r.id, "clause": r.clause, "text": r.text, "detail": detail}

    @staticmethod
    def _prohibition_condition(r: Rule, c: Ctx) -> str:
        return " and ".join(cond.holds_text(cond.get(c)) for cond in r.when.conditions) or "always"

    @staticmethod
    def _no_grant_text(p, action) -> str:
        return Fail(f"no authorization in force grants {action} to {p.name} (person {p.id})",
                    Z.no_grant(p.name, action))

    def _signature_plan(self, c: Ctx, cc: _Caches) -> _SignaturePlan:
        """The plan shared by every item whose fields read by the pack equal c.item's."""
        sig = tuple(get(c) for get in self._signature)
        plan = cc.by_signature.get(sig)
        if plan is None:
            plan = cc.by_signature.setdefault(sig, _SignaturePlan(cc))
        return plan

    def _action_plan(self, action: str, c: Ctx) -> _ActionPlan:
        """The prohibitions that may still fire and each grant rule's conditions, for `action` on
        items like c.item."""
        return _ActionPlan(_residual_prohibitions(self._prohib[action], c),
                           {r: _condition_plan(r, c) for r in self.pack.grants_by_action[action]})

    def _try(self, c: Ctx, rule: Rule, a, conds: dict):
        """Check one candidate grant (`rule` through authorization `a`, or through none); return
        (failures or None, conditions passed, unchecked or None)."""
        c.auth, c.acting_for, c.valid, c.covers = a, None, True, True
        fails = None
        if a is not None:
            t, k, idx = c.t, c.k, c.index
            if a.filed > k:
                c.valid = False
                fails = [Fail(f"authorization {a.id} filed {local_date(a.filed)}, after known_at {local_date(k)}",
                              f"授权书（第{a.id}号）于{Z.zh_date(a.filed)}才登记，晚于所问的知悉时间{Z.zh_date(k)}")]
            elif not (a.vf <= t < a.vt):
                c.valid = False
                fails = [Fail(f"authorization {a.id} valid {local_date(a.vf)}..{local_date(a.vt)}, not at {local_date(t)}",
                              f"授权书（第{a.id}号）的有效期为{Z.zh_date(a.vf)}至{Z.zh_date(a.vt)}，"
                              f"{Z.zh_date(t)}不在有效期内")]
            elif a.id in idx.revocations:
                rv = idx.revoked_at(a.id, t, k)
                if rv is not None:
                    c.valid = False
                    fails = [Fail(f"authorization {a.id} revoked at {local_date(rv)}",
                                  f"授权书（第{a.id}号）已于{Z.zh_date(rv)}撤销")]
            it = c.item
            if not (a.grantor == it.department and (a.items is None or it.code in a.items)):
                c.covers = False
                (fails := fails or []).append(Fail(
                    f"item {it.code} not in scope of authorization {a.id}",
                    f"“{it.name}”不在授权书（第{a.id}号，{c.world.dept_names.get(a.grantor) or a.grantor}授予）的事项范围内"))
            ap = a.person
            if ap is not None:
                # a person grant's grantee is the person asking: their record holds their absences
                pa = c.person.absences if idx.on_records else idx.absences.get(ap, ())
                if pa and absent_in(pa, t, k):
                    (fails := fails or []).append(Fail(f"{c.person.name} absent at {local_date(t)}",
                                                       f"{c.person.name}在{Z.zh_date(t)}登记了缺位"))
                if a.post == "B":
                    A = a.backs_rec
                    vacant = A is None or not idx.valid(A, t, k)
                    if vacant or (A.person is not None and A.person in idx.absences and idx.absent(A.person, t, k)):
                        c.acting_for = A.person if A is not None else None
                    elif self._backup:
                        app = c.world.people.get(A.person)
                        (fails := fails or []).append(Fail(
                            f"A post {app.name if app else A.person} not absent at {local_date(t)}",
                            f"B岗只在A岗缺位时代行，而A岗{app.name if app else '首席代表'}在{Z.zh_date(t)}没有缺位"))
        cp = conds.get(rule)
        if cp is None:
            cp = _condition_plan(rule, c)
        static_fails, passed, steps, _ = cp
        if steps is None:  # every condition reads the item only: evaluated once per item
            if static_fails:
                if fails is None:
                    fails = list(static_fails)
                else:
                    fails.extend(static_fails)
            return fails, passed, None
        passed = 0
        unch = None
        for s in steps:
            if s is True:
                passed += 1
            elif s.__class__ is Fail:
                (fails := fails or []).append(s)
            else:
                v = s.get(c)
                if v is MISSING:
                    if s.ns != "grant":
                        (unch := unch or set()).add(s.ns)
                    continue
                if s.test(v):
                    passed += 1
                else:
                    (fails := fails or []).append(Fail(s.failed_text(v), Z.condition_failed(s, v, c)))
        return fails, passed, unch


# Fields read from the item record alone: a condition on them has one outcome per item, so it is
# evaluated once per item (and again after any change) instead of once per question.
ITEM_STATIC_FIELDS = frozenset({
    "item.code", "item.department", "item.item_type", "item.on_application", "item.in_application_class",
    "item.case_type", "item.report_up", "item.joint", "item.complexity", "item.has_fees", "item.online_depth",
    "item.function_section", "item.entered", "item.entry_hall_kind", "item.status"})


# How each name an explanation template may use is read, as Python source over the question's
# context `c` and the action's label; a template is compiled once into one f-string function.
TEMPLATE_EXPR = {
    "person_name": "c.person.name",
    "person_id": "c.person.id",
    "grantor_name": "(c.world.dept_names.get(c.auth.grantor if c.auth is not None else c.item.department)"
                    " or _grantor_code(c))",
    "post": "(c.auth.post_label if c.auth is not None else '')",
    "item_name": "c.item.name",
    "item_code": "c.item.code",
    "item_department_name": "(c.world.dept_names.get(c.item.department) or str(c.item.department))",
    "action_label": "label",
    "place_name": "(c.place.name if c.place is not None else '—')",
    "place_section_name": "_place_section_name(c)",
    "seal_name": "(c.seal.name if c.seal is not None else '—')",
    "seal_quoted": "_seal_quoted(c)",
    "place_quoted": "_place_quoted(c)",
    "auth_id": "(c.auth.id if c.auth is not None else '—')",
    "date": "_local_date(c.t)",
    "revoked": "_revoked(c)",
    "acting_for_name": "_acting_for_name(c)",
}


def _grantor_code(c) -> str:
    return str(c.auth.grantor if c.auth is not None else c.item.department)


def _place_section_name(c) -> str:
    if c.place is None:
        return "—"
    fs = c.world.tables["function_sections"].get(c.place.function_section)
    return (fs or {}).get("name") or c.place.function_section


def _revoked(c) -> str:
    at = c.index.revoked_at(c.auth.id, c.t, c.k) if c.auth is not None else None
    return f"（已于{local_date(at)}撤销）" if at is not None else ""


def _acting_for_name(c) -> str:
    p = c.world.people.get(c.acting_for)
    return p.name if p else "首席代表"


def _seal_quoted(c) -> str:
    """“{seal_name}” in a template: the seal by name, or that the question named none."""
    return f"“{c.seal.name}”" if c.seal is not None else "所保管的印章（本次询问未指定具体印章）"


def _place_quoted(c) -> str:
    return f"“{c.place.name}”" if c.place is not None else "办理场所（本次询问未指定）"


_TEMPLATE_GLOBALS = {"_grantor_code": _grantor_code, "_place_section_name": _place_section_name, "_revoked": _revoked,
                     "_acting_for_name": _acting_for_name, "_local_date": local_date, "_seal_quoted": _seal_quoted,
                     "_place_quoted": _place_quoted}
_EXPR_FUNCTIONS: dict[str, Callable] = {}


def _expr_function(name: str) -> Callable | None:
    """TEMPLATE_EXPR[name] as a function (ctx, label) -> value, compiled once."""
    f = _EXPR_FUNCTIONS.get(name)
    if f is None and name in TEMPLATE_EXPR:
        f = eval(compile(f"lambda c, label: {TEMPLATE_EXPR[name]}", "<template>", "eval"),  # noqa: S307
                 dict(_TEMPLATE_GLOBALS))
        _EXPR_FUNCTIONS[name] = f
    return f


def normalize_template(template: str) -> str:
    """A quoted seal or place reads "the seal kept" when the question named none, not “—”."""
    return template.replace("“{seal_name}”", "{seal_quoted}").replace("“{place_name}”", "{place_quoted}")


def compile_template(template: str, engine=None) -> Callable:
    """`template` ("{person_name}是{grantor_name}的{post}岗首席代表…") as a function (ctx, label) -> str.

    Names it does not know stay as written ("{name}"), as `_Vals` leaves them; a template with a
    conversion or a format spec is formatted by `str.format_map` over `_Vals` instead."""
    import string
    template = normalize_template(template)
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        parts = None
    if parts is None or any(name is not None and (spec or conv) for _, name, spec, conv in parts):
        return lambda c, label, t=template, e=engine: t.format_map(_Vals(e, c, _ACTION_OF_LABEL.get(label)))
    env = dict(_TEMPLATE_GLOBALS)
    pieces = []
    for i, (lit, name, _, _) in enumerate(parts):
        if lit:
            env[f"_L{i}"] = lit
            pieces.append(f"{{_L{i}}}")
        if name is not None:
            if name in TEMPLATE_EXPR:
                pieces.append("{" + TEMPLATE_EXPR[name] + "}")
            else:
                env[f"_U{i}"] = "{" + name + "}"
                pieces.append(f"{{_U{i}}}")
    src = 'def explain(c, label):\n    return f"' + "".join(pieces) + '"\n'
    exec(compile(src, "<template>", "exec"), env)  # noqa: S102 - source built from the table above
    return env["explain"]


_ACTION_OF_LABEL = {label: code for code, label in ACTIONS.items()}


def _condition_plan(rule: Rule, c: Ctx) -> tuple:
    """(fails, passed, None, fails at all) when every condition of `rule` reads the item only; else
    (None, 0, steps, fails at all) where a step is True (passed), a failure text, or a condition
    still to evaluate. "fails at all": an item condition fails, so the rule cannot hold for the item."""
    steps = []
    dynamic = False
    for cond in rule.when.conditions:
        if cond.field.name in ITEM_STATIC_FIELDS:
            v = cond.get(c)
            steps.append(True if cond.test(v) else Fail(cond.failed_text(v), Z.condition_failed(cond, v, c)))
        else:
            steps.append(cond)
            dynamic = True
    doomed = any(s.__class__ is Fail for s in steps)
    if dynamic:
        return None, 0, tuple(steps), doomed
    fails = tuple(s for s in steps if s is not True)
    return fails, len(steps) - len(fails), None, doomed


def _residual_prohibitions(prohibitions, c: Ctx) -> tuple:
    """The prohibitions that may still fire for this item, each without its item conditions."""
    out = []
    for r in prohibitions:
        rest = []
        for cond in r.when.conditions:
            if cond.field.name in ITEM_STATIC_FIELDS:
                if not cond.test(cond.get(c)):
                    break
            else:
                rest.append(cond)
        else:
            bad_grant = any(cond.ns == "grant" and cond.field.name in ("grant.valid", "grant.covers_item")
                            and not cond.test(True) for cond in rest)
            out.append((r, r.start_at, tuple(rest), bad_grant))
    return tuple(out)


_SHAPE_ABSENT = {shape: frozenset(ns for bit, ns in ((1, "place"), (2, "seal"), (4, "case")) if shape & bit)
                 for shape in range(8)}


def _for_shape(residual: tuple, shape: int) -> tuple:
    """The residual prohibitions for a request that leaves out the namespaces of `shape`, as
    ((rule, start, conditions left, namespace reported unchecked if the rest holds), ...) when a
    grant holds and when none does; the namespaces always reported unchecked; those sorted."""
    absent = _SHAPE_ABSENT[shape]
    entries, always = [], set()
    for r, start, conds, bad_grant in residual:
        rest, missing = [], None
        for cond in conds:
            if cond.ns in absent:
                missing = cond.ns
            else:
                rest.append(cond)
        if not rest and start is None and missing is not None:
            always.add(missing)
            continue
        entries.append((r, start, tuple(rest), missing, bad_grant))
    # a grant that holds is valid and covers the item: a prohibition needing a bad grant cannot fire
    if_granted = tuple(e[:4] for e in entries if not e[4])
    return if_granted, tuple(e[:4] for e in entries), frozenset(always), tuple(sorted(always))


def _score(miss: tuple) -> tuple:
    return miss[0]


_now = now
_TS_CACHE: dict = {}
_TS_GET = _TS_CACHE.get


def _time(v) -> float:
    """Epoch seconds of a question's time; datetimes and ISO strings are converted once."""
    cls = v.__class__
    if cls is float:
        return v
    if cls is datetime or cls is str:
        r = _TS_CACHE.get(v)
        if r is None:
            r = ts(v)
            if len(_TS_CACHE) >= 4096:
                _TS_CACHE.clear()
            _TS_CACHE[v] = r
        return r
    return ts(v)
