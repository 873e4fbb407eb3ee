"""The decision engine: facts in, answers out (docs/design.md §4, §8).

`Engine.load` / `Engine.apply` feed facts to the world, and authorizations, revocations and
absences through durable-rules into the decision index (rules.facts). `Engine.decide` never calls
durable: it reads the index and the pack's precompiled conditions, and answers with a typed
`Decision` (rules.decision) whose Chinese words are built when first read.

Along OPA's seams: facts and fork (rules.facts); plans (rules.plans); evaluation, the candidate
grants and the prohibitions (rules.evaluate); explanation, one template table (rules.explain and
rules.wording). The query path is kept short and its memory small, since at 100,000
authorizations a question costs mostly cache misses:
- a person's record carries their authorizations (each with the grant rules derived from it per
  action, shared between alike authorizations) and their absences: one lookup finds them all;
- an item's record carries the plan of items alike to the rules (rules.plans);
- explanations are compiled templates (one f-string each), built only when an answer's words
  are read; times are epoch floats and a question's datetime is converted once.
Nothing there is an answer: every question still checks validity, scope, absences, A/B posts and
the conditions on time, place, seal and case, and returns its reasons in full.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime
from collections.abc import Callable, Iterable
from itertools import repeat as _repeat
from typing import Optional, TypeVar, cast

from typing_extensions import TypedDict

from vocab.ids import id_maker

from . import fields as F
from .decision import AuthorizationRef, Decision, LoggedRequest, Reason, WhyNot
from .errors import UnknownAction, UnknownReference
from .context import Ctx
from .evaluate import prohibitions, search
from .explain import Explainer, close_actions
from .facts import Facts
from .index import ACTION_INDEX, Candidates
from .numbers import excluded_item_types
from .pack import Pack
from .plans import action_plan, for_shape, signature_fields, signature_plan
from . import agency
from .rule import Rule
from .schema import ACTIONS, CASE_ACTIONS
from .shapes import JSON
from .timeutil import Moment, now, ts
from .records import AuthRec

__all__ = ["AllowedAction", "Ctx", "Decision", "Engine"]

R = TypeVar("R")


class AllowedAction(TypedDict):
    """One action `Engine.allowed_actions` finds the person may do, with its reasons."""

    action: str
    label: str
    reasons: list[Reason]
    authorization: Optional[AuthorizationRef]
    acting_for: Optional[int]
    unchecked: list[str]


class Engine(Facts):
    """Decisions over one pack. Thread-safe: writers take a lock, readers never wait."""

    def __init__(self, pack: Pack):
        self.pack = pack
        self.decision_log: Callable[[LoggedRequest, Decision], None] | None = None
        self._lock = threading.RLock()
        self._backup = pack.parameters.get("ab_mode", "backup") == "backup"
        self._excluded = excluded_item_types(pack)
        self._policy = pack.policy
        self._next_id = id_maker(secrets.token_hex(11))  # the format vocab.ids owns
        F.bind(pack)
        # grants that need no authorization, as flat candidates (rule, None, rule, None, ...)
        self._own_staff = {
            a: tuple(x for r in pack.grants_by_action[a] if r.grantee == "own_staff" for x in (r, None))
            for a in ACTIONS
        }
        self._delegated = {
            a: tuple(x for r in pack.grants_by_action[a] if r.grantee == "delegation" for x in (r, None))
            for a in ACTIONS
        }
        self._prohib = {a: tuple(pack.prohibitions_by_action[a]) for a in ACTIONS}
        self._fallback = {a: pack.grants_by_action[a][0] if pack.grants_by_action[a] else None for a in ACTIONS}
        self._words = Explainer(pack)
        self._signature = signature_fields(pack.rules)
        self._state = self._build({})

    def decide(
        self,
        person: JSON,
        action: str,
        item: str,
        at: Moment | None = None,
        known_at: Moment | None = None,
        place: str | None = None,
        seal: str | None = None,
        case: str | None = None,
        *,
        _log: bool = True,
        _close: bool = True,
    ) -> Decision:
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
            if action not in CASE_ACTIONS:
                raise UnknownAction(action)
            answer = self._agency(person, item, place)  # no authorization grants it: the place and the section do
            if _log and self.decision_log is not None:
                asked = dict(zip(LoggedRequest.__annotations__, (person, action, item, t, k, place, seal, case)))
                self.decision_log(cast(LoggedRequest, asked), answer)
            return answer
        it = w.items.get(item)
        if it is None:
            raise UnknownReference("item", item)
        c = Ctx()
        c.world, c.index, c.person, c.item, c.t, c.k = w, st.index, p, it, t, k
        c.place = _known(w.places, "place", place)
        c.seal = _known(w.seals, "seal", seal)
        c.case = None if case is None else w.tables["cases"].get(case) or F.NOT_HELD
        shape = (place is None) | (seal is None) << 1 | (case is None) << 2  # which of the three are absent
        plan = it.plan
        if plan is None or plan.gen is not st.caches:
            plan = it.plan = signature_plan(self._signature, c, st.caches)
        ap = plan.by_action[ai]
        if ap is None:
            ap = plan.by_action[ai] = action_plan(self._prohib[action], self.pack.grants_by_action[action], c)
        reduced = ap.shapes[shape]
        if reduced is None:
            reduced = ap.shapes[shape] = for_shape(ap.residual, shape)
        entries_if_granted, entries, always, always_sorted = reduced

        # candidates: the person's own grants, then grants to gov_service / own staff / delegation
        extra: Candidates = ()
        if p.dept_kind == "gov_service":
            extra = st.index.dept_grants(it.department, action) + self._delegated[action]
        own = self._own_staff[action]
        if own and p.department == it.department:
            extra = extra + own
        a = p.auth
        cands: Iterable[tuple[Rule, AuthRec | None]]
        if a is not None and not extra:  # the usual chief representative: one authorization
            cands = zip(a.rules[ai], _repeat(a))
        else:
            listed: list[tuple[Rule, AuthRec | None]] = [(r, a) for a in p.auths for r in a.rules[ai]]
            if extra:
                listed += zip(extra[::2], extra[1::2])  # type: ignore[arg-type]  # `extra` alternates rule, auth
            cands = listed
        allowed, best, unch = search(c, cands, ap.conds, self._backup)
        fired, unch = prohibitions(c, entries if allowed is None else entries_if_granted, unch)
        unchecked = list(always_sorted) if unch is None else sorted(unch | always)

        did = self._next_id() if _close else None
        if fired:
            answer = Decision(
                did,
                False,
                "forbidden",
                None,
                None,
                unchecked,
                self._policy.copy(),
                fired[0].id,
                (self._words.forbidden, c, action, fired, allowed, best, self._fallback[action]),
            )
        elif allowed is not None:
            a = c.auth
            answer = Decision(
                did,
                True,
                "allow",
                {"id": a.id, "log_index": a.log_index} if a is not None else None,
                c.acting_for,
                unchecked,
                self._policy.copy(),
                allowed.id,
                (self._words.allowed, allowed, c, action),
            )
        else:
            g = best[2] if best is not None else self._fallback[action]
            close = (self._close_actions, person, action, item, t, k, place, seal, case) if _close else None
            answer = Decision(
                did,
                False,
                "not_granted",
                None,
                None,
                unchecked,
                self._policy.copy(),
                g.id if g is not None else None,
                (self._words.not_granted, c, action, best, self._fallback[action], close),
            )
        if _log:
            hook = self.decision_log
            if hook is not None:
                hook(
                    {
                        "person": person,
                        "action": action,
                        "item": item,
                        "at": t,
                        "known_at": k,
                        "place": place,
                        "seal": seal,
                        "case": case,
                    },
                    answer,
                )
        return answer

    def _agency(self, person: JSON, item: str, place: str | None) -> Decision:
        """帮办代办 (rules.agency): the rule the case step's door applies, answered as a decision. The
        place and the person's section decide; the case named, if any, is the item's (the step's
        own door checks it is held)."""
        w = self._state.world
        it = w.items.get(item)
        if it is None:
            raise UnknownReference("item", item)
        _known(w.places, "place", place)
        act = agency.act_in(w.tables, person, it.department, place)
        allowed, reasons, why_not = agency.answer(self.pack, act, it.name)
        unchecked = ["place"] if place is None and not allowed else []
        words = (_said, reasons, why_not)
        policy = self._policy.copy()
        if allowed:
            return Decision(self._next_id(), True, "allow", None, None, unchecked, policy, agency.AGENCY, words)
        return Decision(self._next_id(), False, "not_granted", None, None, unchecked, policy, agency.AGENCY, words)

    def _close_actions(
        self,
        person: JSON,
        action: str,
        item: str,
        t: float,
        k: float,
        place: str | None,
        seal: str | None,
        case: str | None,
    ) -> list[str]:
        """The actions beside `action` (wording.CLOSE_ACTIONS) the person may do here instead: asked
        when a refusal's words are read, by internal probes that take no decision id."""
        return [
            x
            for x in close_actions(action)
            if self.decide(person, x, item, t, k, place, seal, case, _log=False, _close=False).allowed
        ]

    def allowed_actions(
        self,
        person: JSON,
        item: str,
        at: Moment | None = None,
        place: str | None = None,
        known_at: Moment | None = None,
    ) -> list[AllowedAction]:
        """Every action `person` may do on `item`, each with its reasons."""
        t = _now() if at is None else _time(at)
        k = _now() if known_at is None else _time(known_at)
        out: list[AllowedAction] = []
        for action, label in (*ACTIONS.items(), *CASE_ACTIONS.items()):
            a = self.decide(person, action, item, t, k, place, None, None, _log=False)
            if a.allowed:
                out.append(
                    {
                        "action": action,
                        "label": label,
                        "reasons": a.reasons,
                        "authorization": a.authorization,
                        "acting_for": a.acting_for,
                        "unchecked": a.unchecked,
                    }
                )
        return out


_now = now
_TS_CACHE: dict[Moment | None, float] = {}  # looked up with any `at`, None included
_TS_GET = _TS_CACHE.get


def _time(v: Moment) -> float:
    """Epoch seconds of a question's time; datetimes and ISO strings are converted once."""
    cls = v.__class__
    if cls is float:
        return v  # type: ignore[return-value]  # a float: its class says so (the cheapest test)
    if cls is datetime or cls is str:
        r = _TS_CACHE.get(v)
        if r is None:
            r = ts(v)
            if len(_TS_CACHE) >= 4096:
                _TS_CACHE.clear()
            _TS_CACHE[v] = r
        return r
    return ts(v)


def _said(reasons: list[Reason], why_not: WhyNot | None) -> tuple[list[Reason], WhyNot | None]:
    """The words of an answer decided with its words (rules.agency)."""
    return reasons, why_not


def _known(table: dict[JSON, R], kind: str, key: str | None) -> R | None:
    """`key`'s record in `table` (None when no key is given); an unknown key is refused."""
    if key is None:
        return None
    row = table.get(key)
    if row is None:
        raise UnknownReference(kind, key)
    return row
