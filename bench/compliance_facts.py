"""The synthetic city registry of bench.compliance (docs/design.md §11), built as facts
(docs/facts.md shape, no database): 40 departments with sections, staff filings, A/B chief
representatives and gov-service grants, absences, delegations, exemptions, three whole-chain
function sections, fee reviews, cases."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from bench.workload import chief, grant
from registry.signed_facts import FACT_KEYS

T0 = datetime(2018, 12, 1, tzinfo=timezone.utc)
AT = datetime(2019, 6, 3, 2, tzinfo=timezone.utc)
KNOWN = datetime(2019, 12, 31, tzinfo=timezone.utc)
DAY = timedelta(days=1)
N_DEPTS = 40
MINIMUM = ["decide", "coordinate", "urge", "report_up", "countersign", "execute_fee", "use_seal"]


def build_facts(n_items: int = 10_000, n_auth: int = 1_000, n_cases: int = 2_000, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    depts = [f"D{i:02d}" for i in range(N_DEPTS)]
    snap: dict = {k: [] for k in FACT_KEYS}
    for i, d in enumerate(depts):
        snap["departments"].append(
            {
                "code": d,
                "name": f"市第{i}局",
                "group": "city_department",
                "kind": "department",
                "entry_phase": "2018-12",
                "low_volume": i % 10 == 9,
                "placeholder": False,
            }
        )
    for code, name, kind in [
        ("GS", "市政务服务中心", "gov_service"),
        ("GOV", "市人民政府", "government"),
        ("RO", "市审改办", "reform_office"),
    ]:
        snap["departments"].append(
            {
                "code": code,
                "name": name,
                "group": "body",
                "kind": kind,
                "entry_phase": None,
                "low_volume": False,
                "placeholder": False,
            }
        )
    snap["halls"] = [
        {"code": "CITY", "name": "市本级政务大厅", "kind": "city", "host_department": "GS"},
        {"code": "SUB-TAX", "name": "税务分厅", "kind": "sub", "host_department": "D01"},
    ]
    snap["hall_approvals"] = [
        {"id": 1, "hall": "SUB-TAX", "valid_from": T0, "valid_to": None, "document_no": "潭政函1号", "filed_at": T0}
    ]
    snap["places"] = [
        {
            "code": "ZH-01",
            "name": "综合窗口",
            "kind": "comprehensive_window",
            "hall": "CITY",
            "department": None,
            "function_section": "TZXM",
        },
        {
            "code": "PLATFORM",
            "name": "一体化平台",
            "kind": "platform",
            "hall": None,
            "department": None,
            "function_section": None,
        },
    ]
    pid = 0
    sec_id = 0
    people_of: dict[str, list[int]] = {}
    for i, d in enumerate(depts):
        if i % 7 != 3:  # a few departments without an approval service section (XT-3.2)
            sec_id += 1
            snap["sections"].append(
                {
                    "id": sec_id,
                    "department": d,
                    "name": "行政审批科",
                    "kind": "approval_service",
                    "entered_whole": i % 5 != 0,
                    "head": None,
                }
            )
        if i % 3 == 0:
            snap["places"].append(
                {
                    "code": f"{d}-CK",
                    "name": f"{d}窗口",
                    "kind": "department_window",
                    "hall": "CITY",
                    "department": d,
                    "function_section": None,
                }
            )
        snap["places"].append(
            {
                "code": f"{d}-KS",
                "name": f"{d}业务科",
                "kind": "internal_office",
                "hall": None,
                "department": d,
                "function_section": None,
            }
        )
        for _ in range(30):
            pid += 1
            snap["people"].append(
                {
                    "id": pid,
                    "name": f"人员{pid}",
                    "department": d,
                    "section": None,
                    "position": rnd.choice(["科长", "副科长", "科员", "主任科员"]),
                }
            )
            people_of.setdefault(d, []).append(pid)
    items_of: dict[str, list[str]] = {d: [] for d in depts}
    units = ["working_day", "working_day", "working_day", "calendar_day", "month", "hour"]
    for j in range(n_items):
        d = depts[j % N_DEPTS]
        code = f"I{j:05d}"
        items_of[d].append(code)
        stat_unit = rnd.choice(units)
        stat = {"value": rnd.choice([5, 10, 20, 30, 60]), "unit": stat_unit} if rnd.random() < 0.8 else None
        prom_unit = stat_unit if rnd.random() < 0.85 or stat is None else rnd.choice(units)
        prom = {"value": rnd.choice([1, 2, 3, 5, 7, 10, 15]), "unit": prom_unit} if rnd.random() < 0.9 else None
        base = {"value": rnd.choice([5, 10, 15, 20]), "unit": "working_day"} if rnd.random() < 0.7 else None
        fees = (
            [{"code": "F1", "name": "工本费", "basis": "价费文件", "standard": "10元"}] if rnd.random() < 0.15 else []
        )
        materials = [
            {"code": f"M{k}", "name": rnd.choice(["申请表", "营业执照", "身份证明", "其他材料", "规划许可证"])}
            for k in range(rnd.randint(1, 5))
        ]
        snap["items"].append(
            {
                "code": code,
                "version": 1,
                "directory_item": None,
                "name": f"事项{j}",
                "department": d,
                "item_type": rnd.choice(
                    ["licensing", "licensing", "confirmation", "public_service", "penalty", "payment"]
                ),
                "on_application": rnd.random() < 0.9,
                "case_type": rnd.choice(["instant", "commitment", "commitment"]),
                "report_up": rnd.random() < 0.05,
                "joint": rnd.random() < 0.05,
                "partners": [f"I{rnd.randrange(n_items):05d}"] if rnd.random() < 0.04 else [],
                "complexity": rnd.choice(["simple", "simple", "complex"]),
                "statutory_limit": stat,
                "promised_limit": prom,
                "promised_limit_2017": base,
                "fees": fees,
                "materials": materials,
                "online_depth": rnd.choice(["on_site", "pre_review", "verify_original", "full_online"]),
                "function_section": None,
                "entry": ({"hall": "SUB-TAX"} if rnd.random() < 0.02 else {"hall": "CITY"})
                if rnd.random() < 0.93
                else None,
                "effective_from": T0,
                "status": "published",
                "filed_at": T0,
            }
        )
        if fees and rnd.random() < 0.6:
            snap["fee_reviews"].append(
                {
                    "id": len(snap["fee_reviews"]) + 1,
                    "item": code,
                    "fee": "F1",
                    "result": "approved",
                    "basis_ok": True,
                    "standard_ok": rnd.random() < 0.9,
                    "note": None,
                    "filed_at": T0,
                }
            )
    for k, (code, name, lead) in enumerate(
        [("TZXM", "投资项目", "D00"), ("SSDJ", "商事登记", "D01"), ("BDC", "不动产登记", "D02")]
    ):
        chain = [f"I{j:05d}" for j in range(k, min(n_items, 400), 40)]
        snap["function_sections"].append(
            {"code": code, "name": name, "lead_department": lead, "whole_chain": True, "chain": chain}
        )
    aid = 0
    for i, d in enumerate(depts):  # gov-service grants, a few short of the minimum
        aid += 1
        powers = ["consult", "receive", "accept", "issue"] if i % 8 else ["consult", "receive"]
        snap["authorizations"].append(grant(aid, d, {"gov_service": True}, T0, powers=powers, late_filed=False))
    chiefs: list[tuple[str, int]] = []
    while aid < n_auth:
        d = rnd.choice(depts)
        pair: list[int] = []
        for post in ("A", "B"):
            if aid >= n_auth or (post == "B" and rnd.random() < 0.1):
                break
            aid += 1
            person = rnd.choice(people_of[d])
            snap["authorizations"].append(
                chief(
                    aid,
                    d,
                    person,
                    T0,
                    post,
                    pair,
                    powers=MINIMUM if rnd.random() < 0.9 else MINIMUM[:4],
                    items="*" if rnd.random() < 0.7 else rnd.sample(items_of[d], 10),
                    valid_to=(T0 + DAY * 90) if rnd.random() < 0.05 else None,
                    filed_at=T0 + (DAY * 30 if rnd.random() < 0.03 else timedelta(0)),
                    late_filed=rnd.random() < 0.03,
                )
            )
            pair.append(aid)
            chiefs.append((d, person))
            if rnd.random() < 0.1:
                start = AT - DAY * rnd.randint(0, 3)
                snap["absences"].append(
                    {
                        "id": len(snap["absences"]) + 1,
                        "person": person,
                        "from": start,
                        "to": start + DAY * 5,
                        "reason": "公出",
                        "filed_at": T0,
                    }
                )
    for i, d in enumerate(depts):
        filed = [{"person": p, "role": "chief_representative"} for dd, p in chiefs if dd == d and i % 6]
        filed += [{"person": p, "role": "staff"} for p in people_of[d][:5]]
        snap["staff_filings"].append(
            {"id": i + 1, "department": d, "people": filed, "filed_at": T0, "acknowledged_at": T0}
        )
        if i % 10 == 9 or i == 4:
            snap["delegations"].append(
                {
                    "id": len(snap["delegations"]) + 1,
                    "department": d,
                    "items": "*",
                    "from": T0,
                    "to": None,
                    "filed_at": T0,
                }
            )
    for k in range(50):
        it = snap["items"][rnd.randrange(n_items)]
        snap["exemptions"].append(
            {
                "id": k + 1,
                "item": it["code"],
                "department": it["department"],
                "reason": "venue",
                "basis": "场地不足",
                "effective_from": T0,
                "effective_to": None,
                "filed_at": T0,
                "decision": {"result": "approved", "document_no": f"潭政函{k}号", "filed_at": T0} if k % 2 else None,
            }
        )
    snap["exceptions"] = [
        {
            "id": 1,
            "rule": "sections.approval_section",
            "subject": "department:D03",
            "reason": "合署办公",
            "until": None,
            "filed_at": T0,
        }
    ]
    places = ["ZH-01", "PLATFORM"] + [p["code"] for p in snap["places"] if p["kind"] == "internal_office"][:3]
    for n in range(n_cases):
        it = snap["items"][rnd.randrange(n_items)]
        accepted = AT - DAY * rnd.randint(1, 120)
        place = rnd.choice(places) if rnd.random() < 0.05 else rnd.choice(["ZH-01", "PLATFORM"])
        snap["cases"].append(
            {
                "number": f"C{n:06d}",
                "item": it["code"],
                "place": place,
                "accepted_at": accepted,
                "application_key": f"k{rnd.randrange(int(n_cases * 0.98))}",
                "platform_record": rnd.random() > 0.01,
                "steps": [{"step": "accepted", "at": accepted, "place": place}],
            }
        )
    return snap
