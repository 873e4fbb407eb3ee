"""The decision index: what durable-rules derived, kept as plain dicts for the query path.

Candidates are kept per person and action for chief-representative grants and per (department,
action) for grants to the government service department, one (grant rule, authorization) pair
per derivation, never one per item: the scope and the interval stay on the authorization. durable-rules
has no truth maintenance, so revocations and absences are recorded here, beside the grants, and
read at question time; that is also what lets a question look back in time.

Writers hold the engine's lock and replace tuples instead of mutating them, so readers never
need a lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schema import ACTIONS
from .shapes import JSON, Row
from .timeutil import INF, NEG_INF, ts
from .records import Absence, AuthRec, PersonRec, RulesByAction

if TYPE_CHECKING:
    from .rule import Rule

Candidates = tuple["Rule | AuthRec | None", ...]
"""Flat candidates (rule, auth, rule, auth, ...): a Rule, then its AuthRec or None, alternately."""
DeptCandidates = tuple["Rule | AuthRec", ...]
"""Flat candidates of grants to the government service department: each rule with its AuthRec."""
Pair = tuple["Rule", AuthRec]
Revocation = tuple[float, float, JSON]
"""A revocation as a question reads it: (at, filed_at, revocation id)."""


# Candidates are kept in a fixed order (filing order, then rule order) so that the answer does
# not depend on the order in which changes arrived.
def _order(pair: Pair) -> tuple[float, str, int]:
    rule, a = pair
    return (a.log_index if isinstance(a.log_index, int) else float("inf"), str(a.id), rule.order)


def _auth_order(a: AuthRec) -> tuple[float, str]:
    return (a.log_index if isinstance(a.log_index, int) else float("inf"), str(a.id))


def absent_in(intervals: tuple[Absence, ...], t: float, k: float) -> bool:
    """Whether one of `intervals` ((from, to, filed_at, id), ...) known at `k` holds at `t`."""
    for start, end, filed, _ in intervals:
        if filed <= k and start <= t < end:
            return True
    return False


def pairs(flat: DeptCandidates) -> list[Pair]:
    """The (rule, authorization) pairs of a flat candidates tuple (rule, auth, rule, auth, ...)."""
    return list(zip(flat[::2], flat[1::2]))  # type: ignore[arg-type]  # the tuple alternates rule, auth


def flat(pairs_: list[Pair]) -> DeptCandidates:
    return tuple(x for pair in pairs_ for x in pair)


ACTION_INDEX = {a: i for i, a in enumerate(ACTIONS)}


class DecisionIndex:
    def __init__(self, people: dict[JSON, PersonRec] | None = None):
        # person id -> the authorizations they hold that derived a grant, in filing order; each
        # authorization's record lists its derived grant rules per action (AuthRec.rules, a tuple
        # indexed like ACTIONS, shared by all authorizations that derived the same rules). The
        # same tuple hangs on the person's record (PersonRec.auths): a question finds the person
        # and their grants in one lookup and few cache lines.
        self.by_person: dict[JSON, tuple[AuthRec, ...]] = {}
        # department -> {action: flat candidates (rule, auth, ...)} for grants to the government
        # service department
        self.by_dept: dict[JSON, dict[str, DeptCandidates]] = {}
        self.people = people if people is not None else {}
        # authorization id -> where it is indexed: ("person", person, None) or ("dept", grantor, action)
        # (None in a restored snapshot: `_keys`)
        self.keys_of_auth: dict[JSON, list[tuple[str, JSON, str | None]]] | None = {}
        self._rule_sets: dict[RulesByAction, RulesByAction] = {}
        # revocations by authorization id: ((at, filed_at, revocation id), ...)
        self.revocations: dict[JSON, tuple[Revocation, ...]] = {}
        # absences by person: ((from, to, filed_at, absence id), ...); also hung on the person's
        # record (PersonRec.absences) unless this index is a fork's, whose absences are its own
        self.absences: dict[JSON, tuple[Absence, ...]] = {}
        self.on_records = True

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without `keys_of_auth` (10⁵ lists at 10⁵ authorizations, a worker's snapshot): the
        candidates give it again, rebuilt when an authorization is next derived or withdrawn."""
        return {**self.__dict__, "keys_of_auth": None}

    def _keys(self) -> dict[JSON, list[tuple[str, JSON, str | None]]]:
        if self.keys_of_auth is None:
            keys: dict[JSON, list[tuple[str, JSON, str | None]]] = {}
            for person, held in self.by_person.items():
                for auth in held:
                    keys.setdefault(auth.id, []).append(("person", person, None))
            for grantor, table in self.by_dept.items():
                for action, candidates in table.items():
                    for _, auth in pairs(candidates):
                        keys.setdefault(auth.id, []).append(("dept", grantor, action))
            self.keys_of_auth = keys
        return self.keys_of_auth

    def person_grants(self, person: JSON, action: str) -> list[tuple[Rule, AuthRec]]:
        """The (rule, authorization) pairs that grant `action` to `person`, in order."""
        i = ACTION_INDEX[action]
        return [(r, a) for a in self.by_person.get(person, ()) for r in a.rules[i]]

    def person_actions(self, person: JSON) -> dict[str, list[tuple[Rule, AuthRec]]]:
        """{action: (rule, authorization) pairs} of `person`, for the actions they hold a grant for."""
        out = {a: self.person_grants(person, a) for a in ACTION_INDEX}
        return {a: v for a, v in out.items() if v}

    def dept_grants(self, department: JSON, action: str) -> DeptCandidates:
        """The flat candidates (rule, auth, ...) granting `action` to the government service
        department on behalf of `department`."""
        return self.by_dept.get(department, {}).get(action, ())

    def _set_person(self, person: JSON, auths: tuple[AuthRec, ...]) -> None:
        if auths:
            self.by_person[person] = auths
        else:
            self.by_person.pop(person, None)
        rec = self.people.get(person)
        if rec is not None:
            rec.auths = auths
            rec.auth = auths[0] if len(auths) == 1 else None

    # ------------------------------------------------------------ grants
    def add_grant(self, rule: Rule, auth: AuthRec, action: str) -> None:
        if auth.person is not None:
            i = ACTION_INDEX[action]
            by_action = list(auth.rules)
            if rule in by_action[i]:
                return
            by_action[i] = tuple(sorted(by_action[i] + (rule,), key=lambda r: r.order))
            rules = tuple(by_action)
            auth.rules = self._rule_sets.setdefault(rules, rules)
            held = self.by_person.get(auth.person, ())
            if not any(a is auth for a in held):
                self._set_person(auth.person, tuple(sorted(held + (auth,), key=_auth_order)))
                self._keys().setdefault(auth.id, []).append(("person", auth.person, None))
        else:
            table = self.by_dept.get(auth.grantor)
            if table is None:
                table = self.by_dept[auth.grantor] = {}
            table[action] = flat(sorted(pairs(table.get(action, ())) + [(rule, auth)], key=_order))
            self._keys().setdefault(auth.id, []).append(("dept", auth.grantor, action))

    def remove_auth(self, auth_id: JSON) -> None:
        for where, owner, action in self._keys().pop(auth_id, ()):
            if where == "person":
                self._set_person(owner, tuple(a for a in self.by_person.get(owner, ()) if a.id != auth_id))
            elif action is not None:  # ("dept", grantor, action)
                table = self.by_dept.get(owner, {})
                kept = flat([p for p in pairs(table.get(action, ())) if p[1].id != auth_id])
                if kept:
                    table[action] = kept
                else:
                    table.pop(action, None)

    # ------------------------------------------------------------ cancellations
    def add_revocation(self, rev_id: JSON, auth_id: JSON, at: float, filed: float) -> None:
        self.remove_revocation(rev_id, auth_id)
        self.revocations[auth_id] = self.revocations.get(auth_id, ()) + ((at, filed, rev_id),)

    def add_revocation_row(self, row: Row) -> None:
        """`add_revocation` of a revocation's facts row (docs/facts.md)."""
        self.add_revocation(
            row["id"], row.get("authorization"), ts(row.get("at"), NEG_INF), ts(row.get("filed_at"), NEG_INF)
        )

    def add_absence_row(self, row: Row) -> None:
        """`add_absence` of an absence's facts row (docs/facts.md)."""
        self.add_absence(
            row["id"],
            row.get("person"),
            ts(row.get("from"), NEG_INF),
            ts(row.get("to"), INF),
            ts(row.get("filed_at"), NEG_INF),
        )

    def remove_revocation(self, rev_id: JSON, auth_id: JSON) -> None:
        _drop(self.revocations, auth_id, 2, rev_id)

    def add_absence(self, abs_id: JSON, person: JSON, start: float, end: float, filed: float) -> None:
        self.remove_absence(abs_id, person)
        self.absences[person] = self.absences.get(person, ()) + ((start, end, filed, abs_id),)
        self._publish_absences(person)

    def remove_absence(self, abs_id: JSON, person: JSON) -> None:
        _drop(self.absences, person, 3, abs_id)
        self._publish_absences(person)

    def _publish_absences(self, person: JSON) -> None:
        if self.on_records:
            rec = self.people.get(person)
            if rec is not None:
                rec.absences = self.absences.get(person, ())

    # ------------------------------------------------------------ questions
    def revoked_at(self, auth_id: JSON, t: float, k: float) -> float | None:
        """The earliest revocation known at `k` that is effective at `t`, else None."""
        best = None
        for at, filed, _ in self.revocations.get(auth_id, ()):
            if filed <= k and at <= t and (best is None or at < best):
                best = at
        return best

    def absent(self, person: JSON, t: float, k: float) -> bool:
        return absent_in(self.absences.get(person, ()), t, k)

    def valid(self, auth: AuthRec, t: float, k: float) -> bool:
        """In force at `t` as known at `k`: filed, within [valid_from, valid_to), not revoked."""
        if auth.filed > k or not (auth.vf <= t < auth.vt):
            return False
        return not self.revocations.get(auth.id) or self.revoked_at(auth.id, t, k) is None


def _drop(table: dict[JSON, tuple[tuple[JSON, ...], ...]], key: JSON, pos: int, row_id: JSON) -> None:
    """Remove from `table[key]` the entries whose field `pos` is `row_id`; the key goes with its last entry."""
    kept = tuple(r for r in table.get(key, ()) if r[pos] != row_id)
    if kept:
        table[key] = kept
    else:
        table.pop(key, None)
