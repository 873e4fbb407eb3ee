"""The decision index: what durable-rules derived, kept as plain dicts for the query path.

Entries are keyed by (person, action) for chief-representative grants and by (department,
action) for grants to the government service department, one entry per (authorization, grant
rule), never one per item: the scope and the interval stay on the authorization. durable-rules
has no truth maintenance, so revocations and absences are recorded here, beside the grants, and
read at question time; that is also what lets a question look back in time.

Writers hold the engine's lock and replace tuples instead of mutating them, so readers never
need a lock.
"""
from __future__ import annotations

from .pack import Rule
from .world import AuthRec


class GrantEntry:
    """One derived grant: a grant rule applied to one authorization (or to no authorization,
    for rules that need none: a department's own staff, a delegation)."""
    __slots__ = ("rule", "auth", "action")

    def __init__(self, rule: Rule, auth: AuthRec | None, action: str):
        self.rule = rule
        self.auth = auth
        self.action = action


def _order(e: GrantEntry):
    a = e.auth
    return (a.log_index if isinstance(a.log_index, int) else float("inf"), str(a.id), e.rule.order, e.action)


class DecisionIndex:
    def __init__(self):
        self.by_person_action: dict[tuple, tuple[GrantEntry, ...]] = {}
        self.by_dept_action: dict[tuple, tuple[GrantEntry, ...]] = {}
        self.keys_of_auth: dict[object, list[tuple[dict, tuple]]] = {}
        # revocations by authorization id: ((at, filed_at, revocation id), ...)
        self.revocations: dict[object, tuple[tuple[float, float, object], ...]] = {}
        # absences by person: ((from, to, filed_at, absence id), ...)
        self.absences: dict[object, tuple[tuple[float, float, float, object], ...]] = {}

    # ------------------------------------------------------------ grants
    def add_grant(self, rule: Rule, auth: AuthRec, action: str) -> None:
        entry = GrantEntry(rule, auth, action)
        if auth.person is not None:
            table, key = self.by_person_action, (auth.person, action)
        else:
            table, key = self.by_dept_action, (auth.grantor, action)
        # kept in a fixed order (filing order, then rule order) so that the answer does not depend
        # on the order in which changes arrived
        table[key] = tuple(sorted(table.get(key, ()) + (entry,), key=_order))
        self.keys_of_auth.setdefault(auth.id, []).append((table, key))

    def remove_auth(self, auth_id) -> None:
        for table, key in self.keys_of_auth.pop(auth_id, ()):
            kept = tuple(e for e in table.get(key, ()) if e.auth.id != auth_id)
            if kept:
                table[key] = kept
            else:
                table.pop(key, None)

    # ------------------------------------------------------------ cancellations
    def add_revocation(self, rev_id, auth_id, at: float, filed: float) -> None:
        self.remove_revocation(rev_id, auth_id)
        self.revocations[auth_id] = self.revocations.get(auth_id, ()) + ((at, filed, rev_id),)

    def remove_revocation(self, rev_id, auth_id) -> None:
        kept = tuple(r for r in self.revocations.get(auth_id, ()) if r[2] != rev_id)
        if kept:
            self.revocations[auth_id] = kept
        else:
            self.revocations.pop(auth_id, None)

    def add_absence(self, abs_id, person, start: float, end: float, filed: float) -> None:
        self.remove_absence(abs_id, person)
        self.absences[person] = self.absences.get(person, ()) + ((start, end, filed, abs_id),)

    def remove_absence(self, abs_id, person) -> None:
        kept = tuple(a for a in self.absences.get(person, ()) if a[3] != abs_id)
        if kept:
            self.absences[person] = kept
        else:
            self.absences.pop(person, None)

    # ------------------------------------------------------------ questions
    def revoked_at(self, auth_id, t: float, k: float) -> float | None:
        """The earliest revocation known at `k` that is effective at `t`, else None."""
        best = None
        for at, filed, _ in self.revocations.get(auth_id, ()):
            if filed <= k and at <= t and (best is None or at < best):
                best = at
        return best

    def absent(self, person, t: float, k: float) -> bool:
        for start, end, filed, _ in self.absences.get(person, ()):
            if filed <= k and start <= t < end:
                return True
        return False

    def valid(self, auth: AuthRec, t: float, k: float) -> bool:
        """In force at `t` as known at `k`: filed, within [valid_from, valid_to), not revoked."""
        if auth.filed > k or not (auth.vf <= t < auth.vt):
            return False
        return not self.revocations.get(auth.id) or self.revoked_at(auth.id, t, k) is None
