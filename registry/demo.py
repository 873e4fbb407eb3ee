"""The demo city: a realistic, deterministic registry built through the filing services.

``load_demo(ctx)`` adds, on top of the plan's facts (loaded first if missing): sections,
places, people, a catalog of ~230 items over the annex departments, seals, chief-
representative and government-service authorizations, seal custody, absences, a revocation,
a delegation, staff filings, exemptions and the sub-hall approvals. Every record goes
through :mod:`registry.services`, with the actor that would file it in life (a department,
the reform office, the DRC, the government, the government service department) and a fixed
filing time, so the log reads like the city's history:

* 2018-12: sections, places, people, directory and items, reviews, fee reviews, sub-hall
  approvals, seals, authorizations valid from 2019-01-01 (Asia/Shanghai), custody, staff;
* 2019-01: exemption requests and the government's decisions;
* 2022-06: one B-post authorization revoked and replaced;
* 2025-03 and 2026-11: absences (one A post absent "now", one department with A and B both absent);
* 2026-10: one exemption still pending.

Findings are built in on purpose (departments without an approval service section, items
not entered, catch-all materials, limits not compressed, 1–2-day commitment items, grants
below the minimum, a missing government-service authorization, ineligible chief
representatives, re-required chain materials, an unreviewed fee, no 市民之家 opening).

Deterministic: fixed seed and dates; loading twice does nothing the second time.
"""

from __future__ import annotations

import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import func, select

from registry.models import Department, ItemVersion, Person
from registry.seed import load_plan_facts
from registry.seed.demo_city import (
    BUSINESS_SEALS,
    COMPREHENSIVE_WINDOWS,
    DEPT_PLANS,
    EXEMPTIONS,
    FEES_RETURNED,
    FEES_UNREVIEWED,
    FUNCTION_SECTIONS,
    GIVEN,
    LEGAL_BASIS,
    SEED,
    SUB_HALL_WINDOWS,
    SURNAMES,
    VALID_FROM,
    DemoItem,
    DeptPlan,
    parse_items,
    sh,
)
from registry.inputs.filings import (
    AbsenceIn,
    AuthorizationIn,
    DelegationIn,
    ExemptionDecisionIn,
    ExemptionIn,
    FeeReviewIn,
    HallApprovalIn,
    PersonIn,
    PlaceIn,
    RevocationIn,
    SealCustodyIn,
    SealIn,
    SectionIn,
    StaffFilingIn,
)
from registry.services import catalog, grants, org
from registry.services.context import Actor, FilingContext

GOV_SERVICE = Actor("demo-zwfw", "gov_service")
REFORM = Actor("demo-sgb", "reform_office")
DRC = Actor("demo-fgw-drc", "drc")
GOVERNMENT = Actor("demo-zf", "government")


def dept_actor(code: str) -> Actor:
    return Actor(f"demo-{code.lower()}", "department", department=code)


# ---------------------------------------------------------------------------------------
# Loading through the services
# ---------------------------------------------------------------------------------------


class _Names:
    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def __call__(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in self.used:
                self.used.add(name)
                return name


def demo_present(session) -> bool:
    return (session.scalar(select(func.count()).select_from(Person)) or 0) > 0 or (
        session.scalar(select(func.count()).select_from(ItemVersion)) or 0
    ) > 0


def load_demo(ctx: FilingContext, progress: bool = True) -> dict[str, Any]:
    """Load the demo city into the caller's transaction; a no-op when people or items exist.

    Returns the demo's figures (items by type, authorizations, absences, …), or
    ``{"skipped": True}`` when the registry already holds people or items.
    """
    session = ctx.session
    if demo_present(session):
        return {"skipped": True}
    steps: list[tuple[str, Callable[[], Any]]] = []
    state = _State()
    _plan_steps(ctx, steps, state)
    from tqdm import tqdm

    with tqdm(
        total=len(steps), desc="加载演示数据", unit="步", file=sys.stderr, disable=not progress, leave=False
    ) as bar:
        for label, fn in steps:
            bar.set_postfix_str(label, refresh=False)
            fn()
            bar.update(1)
    session.flush()
    return state.figures()


@dataclass
class _State:
    sections: dict[tuple[str, str], int] = field(default_factory=dict)
    people: dict[tuple[str, str], int] = field(default_factory=dict)
    auths: dict[tuple[str, str], int] = field(default_factory=dict)
    items: list[DemoItem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def figures(self) -> dict[str, Any]:
        by_type = Counter(it.data["item_type"] for it in self.items)
        return {
            "skipped": False,
            "items": len(self.items),
            "items_by_type": dict(sorted(by_type.items())),
            **dict(sorted(self.counts.items())),
        }


def _ctx(base: FilingContext, actor: Actor, when: datetime) -> FilingContext:
    return replace(base, actor=actor, now=when)


def _plan_steps(base: FilingContext, steps: list, st: _State) -> None:  # noqa: C901 - a script
    rng = random.Random(SEED + 1)
    names = _Names(rng)
    add = steps.append
    gs = lambda when: _ctx(base, GOV_SERVICE, when)  # noqa: E731
    dept = lambda code, when: _ctx(base, dept_actor(code), when)  # noqa: E731
    st.items = parse_items()
    items_by_dept: dict[str, list[DemoItem]] = defaultdict(list)
    for it in st.items:
        items_by_dept[it.department].append(it)
    by_name = {it.data["name"]: it for it in st.items}
    plans = {p.code: p for p in DEPT_PLANS}

    # 2018-12-01: the plan's facts (kept if present), low-volume marks.
    add(("计划事实", lambda: load_plan_facts(gs(sh(2018, 12, 1)))))

    def mark_low_volume():
        for p in DEPT_PLANS:
            if p.low_volume:
                d = base.session.get(Department, p.code)
                if not d.low_volume:
                    d.low_volume = True  # no filing service changes a department; reference data
                    base.changed("department", d.code, "low_volume")

    add(("办件量少的部门", mark_low_volume))

    # 2018-12-03: function sections (chains by item code), sections and people.
    for code, name, lead, whole, chain in FUNCTION_SECTIONS:
        data = {
            "code": code,
            "name": name,
            "lead_department": lead,
            "whole_chain": whole,
            "chain": [by_name[n].code for n in chain],
        }
        add((f"功能板块 {code}", lambda d=data: catalog.create_function_section(gs(sh(2018, 12, 3)), d)))

    def count(key, n=1):
        st.counts[key] += n

    def make_section(code, name, kind, whole):
        def run():
            s = org.create_section(
                dept(code, sh(2018, 12, 3, 10)), SectionIn(department=code, name=name, kind=kind, entered_whole=whole)
            )
            st.sections[(code, name)] = s.id
            count("sections")

        return run

    def make_person(code, key, section_name, position, head=False):
        def run():
            section = st.sections.get((code, section_name)) if section_name else None
            p = org.create_person(
                dept(code, sh(2018, 12, 3, 11)),
                PersonIn(name=names(), department=code, section=section, position=position),
            )
            st.people[(code, key)] = p.id
            if head and section is not None:
                org.set_section_head(dept(code, sh(2018, 12, 3, 11)), section, p.id)
            count("people")

        return run

    # The government service department's own staff.
    for sec in ("综合受理科", "督查考核科"):
        add((f"科室 ZWFW {sec}", make_section("ZWFW", sec, "business", True)))
    for key, sec, pos, head in [
        ("head", "综合受理科", "综合受理科科长", True),
        ("deputy", "综合受理科", "综合受理科副科长", False),
        ("audit", "督查考核科", "督查考核科科长", True),
    ]:
        add((f"人员 ZWFW {key}", make_person("ZWFW", key, sec, pos, head)))
    for i in range(1, 11):
        add((f"人员 ZWFW 窗口{i}", make_person("ZWFW", f"window{i}", "综合受理科", "综合受理窗口工作人员")))

    for p in DEPT_PLANS:
        if p.approval:
            add((f"科室 {p.code}", make_section(p.code, p.approval, "approval_service", p.entered_whole)))
        for b in p.business:
            add((f"科室 {p.code} {b}", make_section(p.code, b, "business", False)))
        if p.approval:
            add((f"人员 {p.code} 科长", make_person(p.code, "head", p.approval, f"{p.approval}科长", True)))
            add((f"人员 {p.code} 副科长", make_person(p.code, "deputy", p.approval, f"{p.approval}副科长")))
            for i in (1, 2):
                add(
                    (
                        f"人员 {p.code} 科员{i}",
                        make_person(p.code, f"clerk{i}" if i > 1 else "clerk", p.approval, f"{p.approval}科员"),
                    )
                )
        for j, b in enumerate(p.business):
            add(
                (
                    f"人员 {p.code} {b}",
                    make_person(
                        p.code,
                        f"biz{j}",
                        b,
                        f"{b}科长" if not b.endswith(("队", "所", "处", "中心")) else f"{b}负责人",
                        True,
                    ),
                )
            )
        if not p.approval:
            b = p.business[0]
            add((f"人员 {p.code} 副科长", make_person(p.code, "deputy", b, f"{b}副科长")))
            add((f"人员 {p.code} 科员", make_person(p.code, "clerk", b, f"{b}科员")))
        if p.a == "office":
            add((f"人员 {p.code} 办公室", make_person(p.code, "office", None, "办公室副主任")))

    # 2018-12-05: places.
    for code, name, hall, fs in COMPREHENSIVE_WINDOWS:
        add(
            (
                f"场所 {code}",
                lambda d={"code": code, "name": name, "kind": "comprehensive_window", "hall": hall, "function_section": fs}: (
                    org.create_place(gs(sh(2018, 12, 5)), PlaceIn.model_validate(d)),
                    count("places"),
                ),
            )
        )
    for p in DEPT_PLANS:
        dname = DEPT_NAMES.get(p.code, p.code)
        city = [it for it in items_by_dept[p.code] if (it.data["entry"] or {}).get("hall") == "CITY"]
        if p.window and city:
            add(
                (
                    f"场所 {p.code}-CK",
                    lambda d={"code": f"{p.code}-CK", "name": f"{dname}窗口", "kind": "department_window", "hall": "CITY", "department": p.code}: (
                        org.create_place(gs(sh(2018, 12, 5)), PlaceIn.model_validate(d)),
                        count("places"),
                    ),
                )
            )
        if p.internal_office:
            sec = p.business[0] if p.business else p.approval
            add(
                (
                    f"场所 {p.code}-NB",
                    lambda d={"code": f"{p.code}-NB", "name": f"{dname}{sec}", "kind": "internal_office", "department": p.code}: (
                        org.create_place(gs(sh(2018, 12, 5)), PlaceIn.model_validate(d)),
                        count("places"),
                    ),
                )
            )
    for code, name, hall, d_code in SUB_HALL_WINDOWS:
        add(
            (
                f"场所 {code}",
                lambda d={"code": code, "name": name, "kind": "department_window", "hall": hall, "department": d_code}: (
                    org.create_place(gs(sh(2018, 12, 5)), PlaceIn.model_validate(d)),
                    count("places"),
                ),
            )
        )

    # 2018-12-06: the directory list (reform office); 2018-12-10: departments file their items.
    reform = lambda when: _ctx(base, REFORM, when)  # noqa: E731
    for it in st.items:
        d = {
            "code": it.data["directory_item"],
            "name": it.data["name"],
            "item_type": it.data["item_type"],
            "legal_basis": LEGAL_BASIS.get(it.department),
        }
        add((f"目录 {it.code}", lambda d=d: catalog.create_directory_item(reform(sh(2018, 12, 6)), d)))
    returned_name = "设置大型户外广告审批"
    for it in st.items:
        add(
            (
                f"事项 {it.code}",
                lambda it=it, d=dict(it.data): (
                    catalog.file_item(dept(it.department, sh(2018, 12, 10)), d),
                    count("item_versions"),
                ),
            )
        )

    # 2018-12-17: the reform office reviews; one item goes back once (catch-all material).
    refile: list[DemoItem] = []
    for it in st.items:
        if it.data["name"] == returned_name:
            add(
                (
                    f"退回 {it.code}",
                    lambda it=it: (
                        catalog.review_item(
                            reform(sh(2018, 12, 17)),
                            it.code,
                            "returned",
                            ["申请材料含兜底条款“其他材料”，请删除或列明具体材料（XT-3.4.catch_all）"],
                        ),
                        count("items_returned"),
                    ),
                )
            )
            refile.append(it)
        else:
            add((f"审核 {it.code}", lambda it=it: catalog.review_item(reform(sh(2018, 12, 17)), it.code, "approved")))

    # 2018-12-18: the DRC reviews fees (most, not all; one returned).
    drc = lambda when: _ctx(base, DRC, when)  # noqa: E731
    for it in st.items:
        name = it.data["name"]
        if name in FEES_UNREVIEWED:
            continue
        for fee in it.data["fees"]:
            if name in FEES_RETURNED:
                review = {
                    "fee": fee["code"],
                    "result": "returned",
                    "basis_ok": False,
                    "standard_ok": False,
                    "note": FEES_RETURNED[name],
                }
            else:
                review = {
                    "fee": fee["code"],
                    "result": "approved",
                    "basis_ok": True,
                    "standard_ok": True,
                    "note": "收费依据和标准经审查符合规定",
                }
            add(
                (
                    f"收费审查 {fee['code']}",
                    lambda it=it, review=review: (
                        catalog.review_fee(drc(sh(2018, 12, 18)), it.code, FeeReviewIn.model_validate(review)),
                        count("fee_reviews"),
                    ),
                )
            )

    # 2018-12-19: the returned item comes back without the catch-all and is published.
    for it in refile:
        fixed = {**it.data, "materials": [m for m in it.data["materials"] if m["name"] != "其他材料"]}
        add(
            (
                f"重报 {it.code}",
                lambda it=it, fixed=fixed: (
                    catalog.file_item(dept(it.department, sh(2018, 12, 19)), fixed),
                    count("item_versions"),
                ),
            )
        )
        add((f"审核 {it.code}", lambda it=it: catalog.review_item(reform(sh(2018, 12, 19, 15)), it.code, "approved")))
        it.data = fixed

    # 2018-12-20: the government retains the six sub-halls.
    gov = lambda when: _ctx(base, GOVERNMENT, when)  # noqa: E731
    for hall in ("FT-FCJY", "FT-BDCDJ", "FT-RSSB", "FT-JGCG", "FT-GJJ", "FT-SW"):
        add(
            (
                f"分厅批准 {hall}",
                lambda hall=hall: (
                    org.file_hall_approval(
                        gov(sh(2018, 12, 20)),
                        HallApprovalIn(
                            hall=hall, valid_from=VALID_FROM, valid_to=None, document_no="潭政函〔2018〕186号"
                        ),
                    ),
                    count("hall_approvals"),
                ),
            )
        )

    # 2018-12-24: seals (approval seal for every department with licensing items; a few business seals).
    seals: list[tuple[str, str]] = []
    for p in DEPT_PLANS:
        if any(it.data["item_type"] == "licensing" for it in items_by_dept[p.code]):
            code = f"{p.code}-SPZ"
            seals.append((code, p.code))
            add(
                (
                    f"印章 {code}",
                    lambda code=code, p=p: (
                        org.create_seal(
                            gs(sh(2018, 12, 24)),
                            SealIn(
                                code=code,
                                name=f"{DEPT_NAMES.get(p.code, p.code)}行政审批专用章",
                                department=p.code,
                                kind="approval",
                            ),
                        ),
                        count("seals"),
                    ),
                )
            )
    for code, name, d_code in BUSINESS_SEALS:
        seals.append((code, d_code))
        add(
            (
                f"印章 {code}",
                lambda code=code, name=name, d_code=d_code: (
                    org.create_seal(
                        gs(sh(2018, 12, 24)),
                        SealIn(
                            code=code,
                            name=f"{DEPT_NAMES.get(d_code, d_code)}{name}",
                            department=d_code,
                            kind="business",
                        ),
                    ),
                    count("seals"),
                ),
            )
        )

    # 2018-12-26: authorizations valid from 2019-01-01; custody by the A post; staff filings.
    def authorize(
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
            a = grants.file_authorization(dept(code, when), AuthorizationIn.model_validate(data))
            st.auths[(code, key)] = a.id
            count("authorizations")
            count("authorizations_gov_service" if gov_service else f"authorizations_{post}")

        return run

    for p in DEPT_PLANS:
        its = items_by_dept[p.code]
        if not its:
            continue
        scope: Any = "*" if p.items_subset is None else [it.code for it in its[: p.items_subset]]
        powers = list(p.powers) + (["decide_complex"] if p.decide_complex else [])
        add((f"授权 {p.code} A", authorize(p.code, "A", "A", powers, scope, person_key=p.a)))
        if p.code == "MZJ":
            # The first B post is revoked in 2022 and replaced (below).
            add((f"授权 {p.code} B", authorize(p.code, "B-old", "B", powers, scope, "A", person_key="clerk")))
        elif p.b:
            add((f"授权 {p.code} B", authorize(p.code, "B", "B", powers, scope, "A", person_key=p.b)))
        on_app = [it for it in its if it.data["on_application"]]
        if p.gov_service and on_app:
            add((f"授权 {p.code} 政务服务", authorize(p.code, "GS", None, list(p.gov_service), "*", gov_service=True)))
    for seal_code, d_code in seals:
        add(
            (
                f"保管 {seal_code}",
                lambda seal_code=seal_code, d_code=d_code: (
                    grants.file_seal_custody(
                        dept(d_code, sh(2018, 12, 27)),
                        SealCustodyIn(seal=seal_code, person=st.people[(d_code, plans[d_code].a)], from_=VALID_FROM),
                    ),
                    count("seal_custody"),
                ),
            )
        )

    def staff(p: DeptPlan):
        def run():
            people = [{"person": st.people[(p.code, p.a)], "role": "chief_representative"}]
            b_key = "clerk" if p.code == "MZJ" else p.b
            if b_key:
                people.append({"person": st.people[(p.code, b_key)], "role": "chief_representative"})
            for key in ("clerk", "clerk2"):
                pid = st.people.get((p.code, key))
                if pid and all(e["person"] != pid for e in people):
                    people.append({"person": pid, "role": "staff"})
            filing = org.file_staff(dept(p.code, sh(2018, 12, 27)), StaffFilingIn(department=p.code, people=people))
            count("staff_filings")
            if p.code not in ("SHWJ", "NW"):  # two filings not yet acknowledged
                org.acknowledge_staff(gs(sh(2018, 12, 28)), filing.id)

        return run

    for p in DEPT_PLANS:
        if p.staff_filing and items_by_dept[p.code]:
            add((f"备案 {p.code}", staff(p)))

    # 事进人不进: the statistics bureau delegates acceptance to the government service department.
    add(
        (
            "委托 TJJ",
            lambda: (
                grants.file_delegation(dept("TJJ", sh(2018, 12, 27)), DelegationIn(department="TJJ", from_=VALID_FROM)),
                count("delegations"),
            ),
        )
    )

    # 2019-01: exemptions and the government's decisions; 2026-10: one still pending.
    def exemption(name, reason, basis, result, doc, requested, decided):
        it = by_name[name]

        def run(it=it, reason=reason, basis=basis, result=result, doc=doc, requested=requested, decided=decided):
            ex = grants.request_exemption(
                dept(it.department, requested),
                ExemptionIn(item=it.code, reason=reason, basis=basis, effective_from=max(requested, VALID_FROM)),
            )
            count("exemptions")
            if result:
                grants.decide_exemption(gov(decided), ex.id, ExemptionDecisionIn(result=result, document_no=doc))
                count(f"exemptions_{result}")
            else:
                count("exemptions_pending")

        add((f"不宜进驻 {it.code}", run))

    decided = sorted((e for e in EXEMPTIONS if e[3]), key=lambda e: e[5])
    pending = sorted((e for e in EXEMPTIONS if not e[3]), key=lambda e: e[5])
    for e in decided:
        exemption(*e)

    # 2022-06: the civil-affairs B post is revoked (staff change) and replaced.
    def revoke_and_replace():
        grants.revoke_authorization(
            dept("MZJ", sh(2022, 6, 28)),
            st.auths[("MZJ", "B-old")],
            RevocationIn(at=sh(2022, 7, 1, 0, 0), reason="岗位调整：原B岗人员调离行政审批科"),
        )
        count("revocations")
        p = plans["MZJ"]
        powers = list(p.powers) + (["decide_complex"] if p.decide_complex else [])
        authorize(
            "MZJ",
            "B",
            "B",
            powers,
            "*",
            "A",
            person_key="deputy",
            when=sh(2022, 6, 28),
            valid_from=sh(2022, 7, 1, 0, 0),
        )()

    add(("撤销 MZJ B岗", revoke_and_replace))
    for e in pending:
        exemption(*e)

    # Absences: one in the past, the transport A post absent now (its B acts), and the urban-
    # management department with A and B absent at once (空岗).
    absences = [
        ("WJW", "head", sh(2025, 3, 3, 0, 0), sh(2025, 3, 15, 0, 0), "年休假", sh(2025, 2, 27)),
        ("JTJ", "head", sh(2026, 11, 16, 0, 0), sh(2027, 1, 9, 0, 0), "病休", sh(2026, 11, 13)),
        ("CGJ", "deputy", sh(2026, 11, 20, 0, 0), sh(2027, 2, 20, 0, 0), "产假", sh(2026, 11, 18)),
        (
            "CGJ",
            "head",
            sh(2026, 11, 23, 0, 0),
            sh(2026, 12, 19, 0, 0),
            "参加市委党校中青年干部培训班",
            sh(2026, 11, 20),
        ),
    ]
    for code, key, start, end, reason, filed in absences:
        add(
            (
                f"缺位 {code} {key}",
                lambda code=code, key=key, start=start, end=end, reason=reason, filed=filed: (
                    grants.file_absence(
                        dept(code, filed), AbsenceIn(person=st.people[(code, key)], from_=start, to=end, reason=reason)
                    ),
                    count("absences"),
                ),
            )
        )


DEPT_NAMES: dict[str, str] = {}


def _dept_names() -> dict[str, str]:
    from registry.seed import plan_departments

    return {d["code"]: d["name"] for d in plan_departments()}


DEPT_NAMES.update(_dept_names())
