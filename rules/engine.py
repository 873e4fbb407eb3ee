"""The decision engine: facts in, answers out (DESIGN §4, §8).

`Engine.load` / `Engine.apply` feed facts to the world, and authorizations, revocations and
absences through durable-rules into the decision index. `Engine.decide` never calls durable:
it reads the index and the pack's precompiled conditions, and explains itself in Chinese.
"""
from __future__ import annotations

import itertools
import secrets
import threading
from collections import deque
from typing import Callable

from .compiler import Deriver
from .errors import UnknownAction, UnknownReference
from .index import DecisionIndex, GrantEntry
from .pack import Pack, Rule
from .schema import ACTIONS
from .timeutil import iso, local_date, now, ts
from .world import KINDS, SINGULAR_TO_KEY, World
from . import fields as F

MISSING = F.MISSING
POST_LABEL = {"A": "A", "B": "B", None: "", "none": ""}


class Ctx:
    """What one question is about; the per-candidate part (auth, acting_for, valid, covers) changes
    as candidates are tried."""
    __slots__ = ("world", "index", "person", "item", "place", "seal", "case", "t", "k",
                 "auth", "acting_for", "valid", "covers")


class _Vals(dict):
    """Values for an explanation template, computed only when the template asks for them."""

    def __init__(self, engine: "Engine", ctx: Ctx, action: str, extra: dict | None = None):
        super().__init__(extra or ())
        self.e, self.c, self.action = engine, ctx, action

    def __missing__(self, key):
        c, w = self.c, self.c.world
        a = c.auth
        if key == "person_name":
            v = c.person.name
        elif key == "person_id":
            v = c.person.id
        elif key == "grantor_name":
            v = w.department_name(a.grantor if a else c.item.department)
        elif key == "post":
            v = POST_LABEL.get(a.post if a else None, a.post if a else "")
        elif key == "item_name":
            v = c.item.name
        elif key == "item_code":
            v = c.item.code
        elif key == "item_department_name":
            v = w.department_name(c.item.department)
        elif key == "action_label":
            v = ACTIONS[self.action]
        elif key == "place_name":
            v = c.place.name if c.place else "—"
        elif key == "place_section_name":
            fs = w.tables["function_sections"].get(c.place.function_section) if c.place else None
            v = (fs or {}).get("name") or (c.place.function_section if c.place else "—")
        elif key == "seal_name":
            v = c.seal.name if c.seal else "—"
        elif key == "auth_id":
            v = a.id if a else "—"
        elif key == "date":
            v = local_date(c.t)
        elif key == "revoked":
            at = c.index.revoked_at(a.id, c.t, c.k) if a else None
            v = f"（已于{local_date(at)}撤销）" if at is not None else ""
        elif key == "acting_for_name":
            p = w.people.get(c.acting_for)
            v = p.name if p else str(c.acting_for)
        else:
            v = "{" + key + "}"
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


class _State:
    """One consistent (world, index, derivation); `load` swaps in a new one atomically."""
    __slots__ = ("world", "index", "deriver")

    def __init__(self, world, index, deriver):
        self.world, self.index, self.deriver = world, index, deriver


class Engine:
    """Decisions over one pack. Thread-safe: writers take a lock, readers never wait."""

    def __init__(self, pack: Pack):
        self.pack = pack
        self.decision_log: Callable[[dict, dict], None] | None = None
        self._lock = threading.RLock()
        self._backup = pack.parameters.get("ab_mode", "backup") == "backup"
        self._excluded = frozenset((pack.classes.get("application") or {}).get("exclude_item_types", ()))
        self._policy = pack.policy
        self._id_prefix = secrets.token_hex(11)
        self._counter = itertools.count(1)
        F.bind(pack)
        self._own_staff = {a: tuple(GrantEntry(r, None, a) for r in pack.grants_by_action[a]
                                    if r.grantee == "own_staff") for a in ACTIONS}
        self._delegated = {a: tuple(GrantEntry(r, None, a) for r in pack.grants_by_action[a]
                                    if r.grantee == "delegation") for a in ACTIONS}
        self._prohib = {a: tuple(pack.prohibitions_by_action[a]) for a in ACTIONS}
        self._fallback = {a: (pack.grants_by_action[a] or [None])[0] for a in ACTIONS}
        self._state = self._build({})

    # ------------------------------------------------------------ facts
    def _build(self, snapshot: dict) -> _State:
        world = World(self._excluded)
        world.load(snapshot)
        index = DecisionIndex()
        deriver = Deriver(self.pack, world, index, self._lock)
        deriver.assert_many("auth", world.rows("authorizations"))
        deriver.assert_many("revocation", world.rows("revocations"))
        deriver.assert_many("absence", world.rows("absences"))
        return _State(world, index, deriver)

    def load(self, snapshot: dict) -> None:
        """Replace all facts by `snapshot` (docs/facts.md); answers switch over atomically."""
        with self._lock:
            self._state = self._build(snapshot)

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
            old = st.world.upsert(key, row)
            if old == row and old is not row:
                return
            derived = {"authorizations": "auth", "revocations": "revocation", "absences": "absence"}.get(key)
            if derived:
                st.deriver.upsert(derived, row, old)

    @property
    def world(self) -> World:
        return self._state.world

    # ------------------------------------------------------------ questions
    def decide(self, person: int, action: str, item: str, at=None, known_at=None, place: str | None = None,
               seal: str | None = None, case: str | None = None) -> dict:
        """May `person` do `action` on `item` (at `place`, with `seal`, for `case`) at `at`, as known at
        `known_at`? Answers DESIGN §8's POST /decisions shape."""
        answer = self._decide(person, action, item, at, known_at, place, seal, case)
        hook = self.decision_log
        if hook is not None:
            hook({"person": person, "action": action, "item": item, "at": answer.pop("_at"),
                  "known_at": answer.pop("_k"), "place": place, "seal": seal, "case": case}, answer)
        else:
            answer.pop("_at"), answer.pop("_k")
        return answer

    def allowed_actions(self, person: int, item: str, at=None, place: str | None = None,
                        known_at=None) -> list[dict]:
        """Every action `person` may do on `item`, each with its reasons."""
        out = []
        for action in ACTIONS:
            a = self._decide(person, action, item, at, known_at, place, None, None)
            if a["allowed"]:
                out.append({"action": action, "label": ACTIONS[action], "reasons": a["reasons"],
                            "authorization": a["authorization"], "acting_for": a["acting_for"],
                            "unchecked": a["unchecked"]})
        return out

    def _decide(self, person, action, item, at, known_at, place, seal, case) -> dict:
        st = self._state
        w, idx = st.world, st.index
        p = w.people.get(person)
        if p is None:
            raise UnknownReference("person", person)
        prohibitions = self._prohib.get(action)
        if prohibitions is None:
            raise UnknownAction(action)
        it = w.items.get(item)
        if it is None:
            raise UnknownReference("item", item)
        c = Ctx()
        c.world, c.index, c.person, c.item = w, idx, p, it
        if place is None:
            c.place = None
        else:
            c.place = w.places.get(place)
            if c.place is None:
                raise UnknownReference("place", place)
        if seal is None:
            c.seal = None
        else:
            c.seal = w.seals.get(seal)
            if c.seal is None:
                raise UnknownReference("seal", seal)
        c.case = w.tables["cases"].get(case) if case is not None else None
        t = now() if at is None else ts(at)
        k = now() if known_at is None else ts(known_at)
        c.t, c.k = t, k
        unchecked = set()
        if case is not None and c.case is None:
            unchecked.add("case")

        # candidates: the person's own grants, then grants to gov_service / own staff / delegation
        cands = idx.by_person_action.get((person, action), ())
        if p.dept_kind == "gov_service":
            cands = cands + idx.by_dept_action.get((it.department, action), ()) + self._delegated[action]
        if p.department == it.department:
            cands = cands + self._own_staff[action]

        allowed = None
        best = None  # (nfails, -passed, fails, entry, state)
        for e in cands:
            fails, passed, unch = self._try(c, e)
            if not fails:
                allowed = e
                if unch:
                    unchecked |= unch
                break
            score = (len(fails), -passed)
            if best is None or score < best[0]:
                best = (score, fails, e, (c.auth, c.acting_for, c.valid, c.covers), unch)
        if allowed is None and best is not None:
            c.auth, c.acting_for, c.valid, c.covers = best[3]
            if best[4]:
                unchecked |= best[4]
        elif allowed is None:
            c.auth = None
            c.acting_for = None

        # prohibitions: every one that fires
        fired = None
        for r in prohibitions:
            if r.start_at is not None and t < r.start_at:
                continue
            missing = None
            for cond in r.when.conditions:
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
                        fired = []
                    fired.append(r)
                else:
                    unchecked.add(missing)

        if fired:
            reasons = [self._reason(r, c, action) for r in fired]
            if allowed is not None:
                g = allowed.rule
                failed = "; ".join(f"{self._prohibition_condition(r, c)}, forbidden by {r.id}" for r in fired)
            elif best is not None:
                g, failed = best[2].rule, "; ".join(best[1])
            else:
                g, failed = self._fallback[action], self._no_grant_text(p, action)
            why_not = {"rule": g.id if g else None, "clause": g.clause if g else None, "failed": failed}
            return self._answer(False, "forbidden", reasons, why_not, None, None, unchecked, t, k)
        if allowed is not None:
            a = allowed.auth
            reason = self._reason(allowed.rule, c, action)
            if c.acting_for is not None:
                reason["detail"] += f"；A岗{_Vals(self, c, action)['acting_for_name']}缺位，由B岗代行"
            auth = {"id": a.id, "log_index": a.log_index} if a is not None else None
            return self._answer(True, "allow", [reason], None, auth, c.acting_for, unchecked, t, k)
        if best is not None:
            g, failed = best[2].rule, "; ".join(best[1])
        else:
            g, failed = self._fallback[action], self._no_grant_text(p, action)
        why_not = {"rule": g.id if g else None, "clause": g.clause if g else None, "failed": failed}
        reasons = []
        if g is not None:
            reasons.append({"rule": g.id, "clause": g.clause, "text": g.text,
                            "detail": f"{p.name}不能对“{it.name}”{ACTIONS[action]}：{failed}"})
        return self._answer(False, "not_granted", reasons, why_not, None, None, unchecked, t, k)

    def _answer(self, allowed, kind, reasons, why_not, auth, acting_for, unchecked, t, k) -> dict:
        return {"decision_id": f"{self._id_prefix}{next(self._counter):010x}", "allowed": allowed,
                "kind": kind, "reasons": reasons, "why_not": why_not, "authorization": auth,
                "acting_for": acting_for, "unchecked": sorted(unchecked) if unchecked else [],
                "policy": dict(self._policy), "_at": t, "_k": k}

    def _reason(self, r: Rule, c: Ctx, action: str) -> dict:
        return {"rule": r.id, "clause": r.clause, "text": r.text,
                "detail": r.explain.format_map(_Vals(self, c, action))}

    @staticmethod
    def _prohibition_condition(r: Rule, c: Ctx) -> str:
        return " and ".join(cond.holds_text(cond.get(c)) for cond in r.when.conditions) or "always"

    @staticmethod
    def _no_grant_text(p, action) -> str:
        return f"no authorization in force grants {action} to {p.name} (person {p.id})"

    def _try(self, c: Ctx, e: GrantEntry):
        """Check one candidate grant; return (failures or None, conditions passed, unchecked or None)."""
        a = e.auth
        c.auth, c.acting_for, c.valid, c.covers = a, None, True, True
        fails = None
        t, k, idx = c.t, c.k, c.index
        if a is not None:
            if a.filed > k:
                c.valid = False
                fails = [f"authorization {a.id} filed {local_date(a.filed)}, after known_at {local_date(k)}"]
            elif not (a.vf <= t < a.vt):
                c.valid = False
                fails = [f"authorization {a.id} valid {local_date(a.vf)}..{local_date(a.vt)}, not at {local_date(t)}"]
            elif a.id in idx.revocations:
                rv = idx.revoked_at(a.id, t, k)
                if rv is not None:
                    c.valid = False
                    fails = [f"authorization {a.id} revoked at {local_date(rv)}"]
            if not (a.grantor == c.item.department and (a.items is None or c.item.code in a.items)):
                c.covers = False
                (fails := fails or []).append(f"item {c.item.code} not in scope of authorization {a.id}")
            if a.person is not None:
                if a.person in idx.absences and idx.absent(a.person, t, k):
                    (fails := fails or []).append(f"{c.person.name} absent at {local_date(t)}")
                if a.post == "B":
                    A = c.world.auths.get(a.backs) if a.backs is not None else None
                    vacant = A is None or not idx.valid(A, t, k)
                    if vacant or (A.person is not None and A.person in idx.absences and idx.absent(A.person, t, k)):
                        c.acting_for = A.person if A is not None else None
                    elif self._backup:
                        ap = c.world.people.get(A.person)
                        (fails := fails or []).append(
                            f"A post {ap.name if ap else A.person} not absent at {local_date(t)}")
        passed = 0
        unch = None
        for cond in e.rule.when.conditions:
            v = cond.get(c)
            if v is MISSING:
                if cond.ns != "grant":
                    (unch := unch or set()).add(cond.ns)
                continue
            if cond.test(v):
                passed += 1
            else:
                (fails := fails or []).append(cond.failed_text(v))
        return fails, passed, unch
