"""Evaluation: the candidate grants of a question and the prohibitions that fire (docs/design.md §8).

The first candidate in order that holds is the answer. A candidate whose item conditions fail
cannot hold: it is tried only when none holds, to find the nearest miss (the least failures,
then the most conditions passed, then the first in order). Every prohibition whose conditions
hold fires; a condition on what the request left out (place, seal, case) only makes the answer
say "unchecked".

Failures are recorded as the plan's wording.Fail or as (renderer, *args) tuples of rules.explain:
their words are built only when an answer's reasons are read.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import explain as X
from .conditions import Condition
from .context import Ctx
from .fields import MISSING
from .index import absent_in
from .plans import ConditionPlan, Entry, Failure, condition_plan
from .rule import Rule
from .wording import Fail
from .records import AuthRec

Score = tuple[int, int, int]
"""How near a miss came: (failures, -conditions passed, position); the least is the nearest."""
Miss = tuple[Score, list[Failure], Rule, tuple["AuthRec | None", "int | None", bool, bool], "set[str] | None"]
"""A grant that did not hold: (score, failures, rule, (auth, acting_for, valid, covers), unchecked)."""


def _score(miss: Miss) -> Score:
    return miss[0]


def search(
    c: Ctx, cands: Iterable[tuple[Rule, AuthRec | None]], conds: dict[Rule, ConditionPlan], backup: bool
) -> tuple[Rule | None, Miss | None, set[str] | None]:
    """(the grant rule that holds or None, the nearest miss or None, unchecked namespaces or None).
    A miss is (score, failures, rule, (auth, acting_for, valid, covers), unchecked); with no
    grant holding, `c` is left in the nearest miss's state."""
    tried: list[Miss] | None = None
    deferred: list[tuple[int, Rule, AuthRec | None]] | None = None
    pos = 0
    for rule, a in cands:
        cp = conds.get(rule)
        if cp is not None and cp[3]:
            if deferred is None:
                deferred = [(pos, rule, a)]
            else:
                deferred.append((pos, rule, a))
        else:
            fails, passed, unch = try_grant(c, rule, a, conds, backup)
            if fails is None:
                return rule, None, unch or None
            miss = ((len(fails), -passed, pos), fails, rule, (c.auth, c.acting_for, c.valid, c.covers), unch)
            if tried is None:
                tried = [miss]
            else:
                tried.append(miss)
        pos += 1
    if deferred is not None:
        for pos, rule, a in deferred:
            fails, passed, unch = try_grant(c, rule, a, conds, backup)
            fails = fails or []  # never empty: an item condition of a deferred candidate fails
            miss = ((len(fails), -passed, pos), fails, rule, (c.auth, c.acting_for, c.valid, c.covers), unch)
            if tried is None:
                tried = [miss]
            else:
                tried.append(miss)
    if tried is None:
        c.auth = None
        c.acting_for = None
        return None, None, None
    best = min(tried, key=_score) if len(tried) > 1 else tried[0]
    c.auth, c.acting_for, c.valid, c.covers = best[3]
    return None, best, best[4] or None


def try_grant(
    c: Ctx, rule: Rule, a: AuthRec | None, conds: dict[Rule, ConditionPlan], backup: bool
) -> tuple[list[Failure] | None, int, set[str] | None]:
    """Check one candidate grant (`rule` through authorization `a`, or through none); return
    (failures or None, conditions passed, unchecked or None)."""
    c.auth, c.acting_for, c.valid, c.covers = a, None, True, True
    fails: list[Failure] | None = None
    if a is not None:
        t, k, idx = c.t, c.k, c.index
        if a.filed > k:
            c.valid = False
            fails = [(X.filed_late, a, k)]
        elif not (a.vf <= t < a.vt):
            c.valid = False
            fails = [(X.not_valid_at, a, t)]
        elif a.id in idx.revocations:
            rv = idx.revoked_at(a.id, t, k)
            if rv is not None:
                c.valid = False
                fails = [(X.revoked, a, rv)]
        it = c.item
        if not (a.grantor == it.department and (a.items is None or it.code in a.items)):
            c.covers = False
            (fails := fails or []).append((X.out_of_scope, a, it, c.world))
        if a.person is not None:
            # a person grant's grantee is the person asking: their record holds their absences
            pa = c.person.absences if idx.on_records else idx.absences.get(a.person, ())
            if pa and absent_in(pa, t, k):
                (fails := fails or []).append((X.absent, c.person, t))
            if a.post == "B":
                A = a.backs_rec  # vacant (None or not valid), or absent: the B post acts for it
                if (
                    A is None
                    or not idx.valid(A, t, k)
                    or (A.person is not None and A.person in idx.absences and idx.absent(A.person, t, k))
                ):
                    c.acting_for = A.person if A is not None else None
                elif backup:
                    (fails := fails or []).append((X.a_post_present, A, c.world, t))
    cp = conds.get(rule)
    if cp is None:
        cp = condition_plan(rule, c)
    static_fails, passed, steps, _ = cp
    if steps is None:  # every condition reads the item only: evaluated once per item
        if static_fails:
            if fails is None:
                fails = list(static_fails)
            else:
                fails.extend(static_fails)
        return fails, passed, None
    passed = 0
    unch: set[str] | None = None
    for s in steps:
        if s is True:
            passed += 1
        elif s.__class__ is Fail:
            (fails := fails or []).append(s)
        else:
            cond: Condition = s  # type: ignore[assignment]  # neither True nor a Fail: a condition to evaluate
            v = cond.get(c)
            if v is MISSING:
                if cond.ns != "grant":
                    (unch := unch or set()).add(cond.ns)
                continue
            if cond.test(v):
                passed += 1
            else:
                (fails := fails or []).append((X.cond_failed, cond, v, c))
    return fails, passed, unch


def prohibitions(
    c: Ctx, entries: tuple[Entry, ...], unchecked: set[str] | None
) -> tuple[list[Rule] | None, set[str] | None]:
    """(the prohibitions of `entries` that fire, unchecked namespaces) for the question `c`."""
    fired: list[Rule] | None = None
    t = c.t
    for r, start, rconds, missing in entries:
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
    return fired, unchecked
