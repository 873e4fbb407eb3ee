"""The benchmark's policy in Cedar: the chief-representative powers of XT-3.3.3 with A/B posts.

Entities carry what onehall reads from the index: the person's one authorization (department,
scope, powers, validity) and, for a B post, the A post's validity and absence; time is a
context value (epoch seconds), so validity and absence are checked per request as in onehall.
"""

from __future__ import annotations

import json

from rules.timeutil import ts

BIG = 2**53

POLICIES = """
permit(principal, action, resource) when {
  principal.dept == resource.dept &&
  (principal.all_items || principal.items.contains(resource.code)) &&
  context.at >= principal.vf && context.at < principal.vt && context.at < principal.revoked &&
  !(context.at >= principal.abs_from && context.at < principal.abs_to) &&
  (!principal.is_b ||
     (context.at >= principal.a_abs_from && context.at < principal.a_abs_to) ||
     context.at < principal.a_vf || context.at >= principal.a_vt) &&
  resource.in_class && resource.effective_from <= context.at
};
forbid(principal, action == Action::"decide", resource) unless {
  principal.powers.contains("decide") &&
  (resource.case_type == "instant" || (resource.case_type == "commitment" && resource.complexity == "simple"))
};
forbid(principal, action == Action::"countersign", resource) unless {
  principal.powers.contains("countersign") && resource.joint
};
forbid(principal, action == Action::"execute_fee", resource) unless {
  principal.powers.contains("execute_fee") && resource.has_fees
};
forbid(principal, action == Action::"coordinate", resource) unless {
  principal.powers.contains("coordinate") && resource.complexity == "complex"
};
"""


def _t(v, default):
    return int(ts(v)) if v is not None else default


def entities_json(snap: dict) -> str:
    auths = {a["id"]: a for a in snap["authorizations"]}
    absence = {a["person"]: a for a in snap.get("absences", [])}
    revoked = {r["authorization"]: r for r in snap.get("revocations", [])}
    ents = []
    for a in snap["authorizations"]:
        if "person" not in a["grantee"]:
            continue
        p = a["grantee"]["person"]
        ab = absence.get(p)
        A = auths.get(a.get("backs")) if a.get("post") == "B" else None
        aab = absence.get(A["grantee"]["person"]) if A else None
        rev = revoked.get(a["id"])
        ents.append(
            {
                "uid": {"type": "Person", "id": str(p)},
                "parents": [],
                "attrs": {
                    "dept": a["grantor"],
                    "all_items": a["items"] == "*",
                    "items": [] if a["items"] == "*" else a["items"],
                    "powers": a["powers"],
                    "vf": _t(a["valid_from"], -BIG),
                    "vt": _t(a["valid_to"], BIG),
                    "revoked": _t(rev["at"], BIG) if rev else BIG,
                    "abs_from": _t(ab["from"], 0) if ab else 0,
                    "abs_to": _t(ab["to"], 0) if ab else 0,
                    "is_b": a.get("post") == "B",
                    "a_abs_from": _t(aab["from"], 0) if aab else 0,
                    "a_abs_to": _t(aab["to"], 0) if aab else 0,
                    "a_vf": _t(A["valid_from"], -BIG) if A else -BIG,
                    "a_vt": _t(A["valid_to"], BIG) if A else BIG,
                },
            }
        )
    for it in snap["items"]:
        ents.append(
            {
                "uid": {"type": "Item", "id": it["code"]},
                "parents": [],
                "attrs": {
                    "code": it["code"],
                    "dept": it["department"],
                    "case_type": it["case_type"],
                    "complexity": it["complexity"],
                    "joint": bool(it.get("joint")),
                    "has_fees": bool(it.get("fees")),
                    "in_class": bool(it.get("on_application"))
                    and it["item_type"] not in ("penalty", "coercion", "inspection"),
                    "effective_from": _t(it.get("effective_from"), -BIG),
                },
            }
        )
    return json.dumps(ents)
