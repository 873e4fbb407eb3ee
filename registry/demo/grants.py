"""The demo's grants: authorizations valid from 2019-01-01 (filed 2018-12-26), seal custody and staff
filings, a delegation, exemptions and the government's decisions (2019-01; one pending from 2026-10),
a B post revoked and replaced (2022-06) and the absences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry.demo.plan import GOV_SERVICE, GOVERNMENT, Plan, dept_actor
from registry.seed.demo_city import ABSENCES, DEPT_PLANS, EXEMPTIONS, VALID_FROM, DeptPlan, sh
from registry.services import grants, org


def _authorize(
    plan: Plan,
    code: str,
    key: str,
    post: str | None,
    powers: list[str],
    items: Any,
    backs_key: str | None = None,
    person_key: str | None = None,
    gov_service: bool = False,
    when: datetime = sh(2018, 12, 26),
    valid_from: datetime = VALID_FROM,
):
    st = plan.st

    def run():
        grantee = {"gov_service": True} if gov_service else {"person": st.people[(code, person_key)]}
        data = {
            "grantor": code,
            "grantee": grantee,
            "post": post,
            "backs": st.auths[(code, backs_key)] if backs_key else None,
            "powers": powers,
            "items": items,
            "valid_from": valid_from,
            "valid_to": None,
        }
        a = grants.file_authorization(plan.dept(code, when), data)
        st.auths[(code, key)] = a.id
        plan.count("authorizations")
        plan.count("authorizations_gov_service" if gov_service else f"authorizations_{post}")

    return run


def _powers(p: DeptPlan) -> list[str]:
    return list(p.powers) + (["decide_complex"] if p.decide_complex else [])


def _staff(plan: Plan, p: DeptPlan):
    def run():
        people = [{"person": plan.st.people[(p.code, p.a)], "role": "chief_representative"}]
        b_key = "clerk" if p.code == "MZJ" else p.b
        if b_key:
            people.append({"person": plan.st.people[(p.code, b_key)], "role": "chief_representative"})
        for key in ("clerk", "clerk2"):
            pid = plan.st.people.get((p.code, key))
            if pid and all(e["person"] != pid for e in people):
                people.append({"person": pid, "role": "staff"})
        filing = org.file_staff(plan.dept(p.code, sh(2018, 12, 27)), {"department": p.code, "people": people})
        plan.count("staff_filings")
        if p.code not in ("SHWJ", "NW"):  # two filings not yet acknowledged
            org.acknowledge_staff(plan.ctx(GOV_SERVICE, sh(2018, 12, 28)), filing.id)

    return run


def _exemption(plan: Plan, name, reason, basis, result, doc, requested, decided) -> None:
    it = plan.by_name[name]

    def run():
        ex = grants.request_exemption(
            plan.dept(it.department, requested),
            {
                "item": it.code,
                "reason": reason,
                "basis": basis,
                "effective_from": max(requested, VALID_FROM),
                "effective_to": None,
            },
        )
        plan.count("exemptions")
        if result:
            grants.decide_exemption(plan.ctx(GOVERNMENT, decided), ex.id, result, doc)
            plan.count(f"exemptions_{result}")
        else:
            plan.count("exemptions_pending")

    plan.add(f"不宜进驻 {it.code}", run)


def grant_steps(plan: Plan, seals: list[tuple[str, str]]) -> None:
    st = plan.st
    for p in DEPT_PLANS:
        its = plan.items_by_dept[p.code]
        if not its:
            continue
        scope: Any = "*" if p.items_subset is None else [it.code for it in its[: p.items_subset]]
        powers = _powers(p)
        plan.add(f"授权 {p.code} A", _authorize(plan, p.code, "A", "A", powers, scope, person_key=p.a))
        if p.code == "MZJ":
            # The first B post is revoked in 2022 and replaced (below).
            plan.add(f"授权 {p.code} B", _authorize(plan, p.code, "B-old", "B", powers, scope, "A", person_key="clerk"))
        elif p.b:
            plan.add(f"授权 {p.code} B", _authorize(plan, p.code, "B", "B", powers, scope, "A", person_key=p.b))
        on_app = [it for it in its if it.data["on_application"]]
        if p.gov_service and on_app:
            plan.add(
                f"授权 {p.code} 政务服务",
                _authorize(plan, p.code, "GS", None, list(p.gov_service), "*", gov_service=True),
            )
    for seal_code, d_code in seals:
        plan.file(
            f"保管 {seal_code}",
            dept_actor(d_code),
            sh(2018, 12, 27),
            "seal_custody",
            lambda ctx, seal_code=seal_code, d_code=d_code: grants.file_seal_custody(
                ctx,
                {
                    "seal": seal_code,
                    "person": st.people[(d_code, plan.plans[d_code].a)],
                    "from": VALID_FROM,
                    "to": None,
                },
            ),
        )
    for p in DEPT_PLANS:
        if p.staff_filing and plan.items_by_dept[p.code]:
            plan.add(f"备案 {p.code}", _staff(plan, p))

    # 事进人不进: the statistics bureau delegates acceptance to the government service department.
    delegation = {"department": "TJJ", "items": "*", "from": VALID_FROM, "to": None}
    plan.file("委托 TJJ", dept_actor("TJJ"), sh(2018, 12, 27), "delegations", grants.file_delegation, delegation)

    # 2019-01: exemptions and the government's decisions; 2026-10: one still pending.
    decided = sorted((e for e in EXEMPTIONS if e[3]), key=lambda e: e[5])
    pending = sorted((e for e in EXEMPTIONS if not e[3]), key=lambda e: e[5])
    for e in decided:
        _exemption(plan, *e)

    # 2022-06: the civil-affairs B post is revoked (staff change) and replaced.
    def revoke_and_replace():
        grants.revoke_authorization(
            plan.dept("MZJ", sh(2022, 6, 28)),
            st.auths[("MZJ", "B-old")],
            sh(2022, 7, 1, 0, 0),
            "岗位调整：原B岗人员调离行政审批科",
        )
        plan.count("revocations")
        when, valid_from = sh(2022, 6, 28), sh(2022, 7, 1, 0, 0)
        powers = _powers(plan.plans["MZJ"])
        _authorize(plan, "MZJ", "B", "B", powers, "*", "A", person_key="deputy", when=when, valid_from=valid_from)()

    plan.add("撤销 MZJ B岗", revoke_and_replace)
    for e in pending:
        _exemption(plan, *e)

    # Absences (registry/seed/demo_tables.yaml).
    for code, key, start, end, reason, filed in ABSENCES:
        plan.file(
            f"缺位 {code} {key}",
            dept_actor(code),
            filed,
            "absences",
            lambda ctx, code=code, key=key, start=start, end=end, reason=reason: grants.file_absence(
                ctx, {"person": st.people[(code, key)], "from": start, "to": end, "reason": reason}
            ),
        )
