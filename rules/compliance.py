"""Compliance findings: the pack's `finding` rules run over a snapshot (docs/design.md §5, §6).

Each `check:` name of a finding rule is one generator (rules.checks_items, rules.checks_people,
rules.door_checks; what they read: rules.compliance_env), yielding (subject, department,
values); the rule's `explain` template turns the values into the Chinese text (rules.explain). A finding id is
stable (hash of rule and subject) so alerts and exceptions can refer to it. A live Exception
row for the same rule and subject clears an `in_principle` finding.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from typing import TypedDict

from .explain import render
from .fields import bind
from .pack import Pack
from .limits import WorkingDays
from .shapes import Snapshot
from .timeutil import INF, NEG_INF, Moment, now, ts

from .compliance_env import CHECKS, Env


class Finding(TypedDict):
    """One finding of a `finding` rule, as the compliance report and the alerts carry it."""

    id: str  # stable: a hash of rule and subject
    clause: str
    rule: str
    subject: str
    department: str | None
    severity: str
    strength: str
    text: str


class Summary(TypedDict):
    total: int
    by_clause: dict[str, int]


def findings(
    pack: Pack,
    snapshot: Snapshot,
    at: Moment | None = None,
    known_at: Moment | None = None,
    working_days_between: WorkingDays | None = None,
    department: str | None = None,
) -> list[Finding]:
    """Every finding of the pack's finding rules at `at` as known at `known_at` (both default now)."""
    t = now() if at is None else ts(at)
    k = now() if known_at is None else ts(known_at)
    bind(pack)
    env = Env(pack, snapshot, t, k, working_days_between)
    exceptions = [
        e for e in env.world.rows("exceptions") if ts(e.get("filed_at"), NEG_INF) <= k and t < ts(e.get("until"), INF)
    ]
    cleared = {(e.get("rule"), e.get("subject")) for e in exceptions}
    out: list[Finding] = []
    for rule in pack.findings:
        if rule.start_at is not None and t < rule.start_at:
            continue  # a dated rule does not apply before its date (docs/design.md §6)
        for subject, dept, values in CHECKS[rule.check or ""](env, rule):  # a finding rule names its check
            if department is not None and dept != department:
                continue
            if rule.strength == "in_principle" and (rule.id, subject) in cleared:
                continue
            vals = dict(values)
            vals.setdefault("department_name", env.dept(dept) if dept else "全市")
            out.append(
                {
                    "id": hashlib.sha256(f"{rule.id}|{subject}".encode()).hexdigest()[:16],
                    "clause": rule.clause,
                    "rule": rule.id,
                    "subject": subject,
                    "department": dept,
                    "severity": rule.severity,
                    "strength": rule.strength,
                    "text": render(rule.explain, vals),
                }
            )
    return out


def summary(found: Sequence[Finding]) -> Summary:
    by_clause: dict[str, int] = defaultdict(int)
    for f in found:
        by_clause[f["clause"]] += 1
    return {"total": len(found), "by_clause": dict(sorted(by_clause.items()))}


# the checks register themselves by their `check:` name
from . import checks_items, checks_people, door_checks  # noqa: E402,F401


def _self_check() -> None:
    from .schema import FINDING_CHECKS

    missing = set(FINDING_CHECKS) - set(CHECKS)
    assert not missing, f"checks without code: {missing}"


_self_check()
