"""The benchmark's policy in Casbin (RBAC with two role groupings).

Casbin has no notion of time, so who may act is resolved for the benchmark's one moment `at`
(validity, absence, A/B) when the policy is built; item conditions become item groups
("D07:decide" = items of D07 a chief representative may decide).
"""

from __future__ import annotations

import os

import casbin

from rules.timeutil import INF, NEG_INF, ts

HERE = os.path.dirname(__file__)
CONDITION = {
    "decide": lambda it: (
        it["case_type"] == "instant" or (it["case_type"] == "commitment" and it["complexity"] == "simple")
    ),
    "countersign": lambda it: bool(it.get("joint")),
    "execute_fee": lambda it: bool(it.get("fees")),
    "coordinate": lambda it: it["complexity"] == "complex",
}


def _in(t, start, end):
    return ts(start, NEG_INF) <= t < ts(end, INF)


def enforcer(snap: dict, at) -> casbin.Enforcer:
    t = ts(at)
    e = casbin.Enforcer(os.path.join(HERE, "casbin_model.conf"))
    auths = {a["id"]: a for a in snap["authorizations"]}
    absent = {a["person"]: a for a in snap.get("absences", [])}
    is_absent = lambda p: p in absent and _in(t, absent[p]["from"], absent[p]["to"])
    valid = lambda a: _in(t, a["valid_from"], a["valid_to"])
    policies, g, g2 = [], [], []
    for it in snap["items"]:
        for act, cond in CONDITION.items():
            if cond(it):
                g2.append([it["code"], f"{it['department']}:{act}"])
    for a in snap["authorizations"]:
        if "person" not in a["grantee"]:
            continue
        p = a["grantee"]["person"]
        if not valid(a) or is_absent(p):
            continue
        if a.get("post") == "B":
            A = auths.get(a.get("backs"))
            if A is not None and valid(A) and not is_absent(A["grantee"]["person"]):
                continue
        role = f"auth:{a['id']}"
        g.append([str(p), role])
        for act in CONDITION:
            if act not in a["powers"]:
                continue
            if a["items"] == "*":
                policies.append([role, f"{a['grantor']}:{act}", act])
            else:
                for code in a["items"]:
                    policies.append([role, f"{code}|{act}", act])
                    g2.append([code, f"{code}|{act}"]) if CONDITION[act](
                        next(i for i in snap["items"] if i["code"] == code)
                    ) else None
    e.add_policies(policies)
    e.add_named_grouping_policies("g", g)
    e.add_named_grouping_policies("g2", g2)
    return e
