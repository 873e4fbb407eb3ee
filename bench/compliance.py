"""bench.compliance (docs/design.md §11): the full city compliance report, warm and cold, and what-if.

Prints one JSON object; each figure is the median of 5 runs (`--runs`):

- `report_s`: a full city report (every finding rule of the active pack, the summary by
  department, serialised to JSON) over a synthetic registry of 10,000 items and 1,000
  authorizations built as facts (docs/facts.md shape, no database): 40 departments with
  sections, staff filings, A/B chief representatives and gov-service grants, absences,
  delegations, exemptions, three whole-chain function sections, fee reviews, 2,000 cases;
  the working-day calendar is the chinesecalendar data in memory. Warm: the same process,
  after one unmeasured report.
- `report_cold_s`: the first report in a fresh Python process (pack loaded, facts built,
  neither timed): what a worker pays on its first report. `pack_load_s` beside it.
- `what_if_ms`: `rules.analysis.what_if` over the same facts, as a worker answers it (over the
  engine that already holds them, its heap frozen as web.server freezes a worker's): "if this A-post chief representative is absent for three
  days, who decides each entered item, and which have nobody?"; null with a note if the
  function is missing. `what_if_ms` asks it of every entered item of the city (the function's
  default), `what_if_department_ms` of the absent person's department's entered items only.
  `what_if_engine_build_s`: building that engine, once per worker.
- `baseline_json_s`: serialising a report-sized list of plain dicts, the floor under `report_s`.

    python -m bench.compliance [--quick] [--runs 5]

`--quick`: 3 report runs, 1 cold process, 2 what-if runs (< 60 s). Targets: report_s ≤ 2, what_if_ms ≤ 100.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone

T0 = datetime(2018, 12, 1, tzinfo=timezone.utc)
AT = datetime(2019, 6, 3, 2, tzinfo=timezone.utc)
KNOWN = datetime(2019, 12, 31, tzinfo=timezone.utc)
DAY = timedelta(days=1)
N_DEPTS = 40
MINIMUM = ["decide", "coordinate", "urge", "report_up", "countersign", "execute_fee", "use_seal"]
TARGETS = {"report_s": 2.0, "what_if_ms": 100.0}


def build_facts(n_items: int = 10_000, n_auth: int = 1_000, n_cases: int = 2_000, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    depts = [f"D{i:02d}" for i in range(N_DEPTS)]
    snap: dict = {
        k: []
        for k in (
            "departments",
            "sections",
            "halls",
            "hall_approvals",
            "citizens_home_opening",
            "places",
            "people",
            "staff_filings",
            "items",
            "item_reviews",
            "function_sections",
            "fee_reviews",
            "authorizations",
            "revocations",
            "absences",
            "exemptions",
            "delegations",
            "seals",
            "seal_custody",
            "exceptions",
            "cases",
        )
    }
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
        snap["authorizations"].append(
            {
                "id": aid,
                "grantor": d,
                "grantee": {"gov_service": True},
                "post": None,
                "backs": None,
                "powers": powers,
                "items": "*",
                "valid_from": T0,
                "valid_to": None,
                "filed_at": T0,
                "log_index": aid,
                "late_filed": False,
            }
        )
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
                {
                    "id": aid,
                    "grantor": d,
                    "grantee": {"person": person},
                    "post": post,
                    "backs": pair[0] if post == "B" else None,
                    "powers": MINIMUM if rnd.random() < 0.9 else MINIMUM[:4],
                    "items": "*" if rnd.random() < 0.7 else rnd.sample(items_of[d], 10),
                    "valid_from": T0,
                    "valid_to": (T0 + DAY * 90) if rnd.random() < 0.05 else None,
                    "filed_at": T0 + (DAY * 30 if rnd.random() < 0.03 else timedelta(0)),
                    "log_index": aid,
                    "late_filed": rnd.random() < 0.03,
                }
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


def working_days_between():
    """The chinesecalendar years in memory, as registry.calendar.WorkingCalendar answers them."""
    from chinese_calendar import constants

    from registry.calendar import WorkingCalendar

    years = frozenset({d.year for d in constants.holidays} | {d.year for d in constants.workdays})
    cal = WorkingCalendar(
        years=years,
        holidays=frozenset(d for d in constants.holidays if d.weekday() < 5),
        makeup_days=frozenset(d for d in constants.workdays if d.weekday() >= 5),
    )
    return cal.working_days_between


def load_active_pack():
    from rules.pack import default_pack_dir, load_pack

    return load_pack(default_pack_dir())


def full_report(pack, snap: dict, wdb) -> str:
    """What GET /compliance answers, as application.compliance.report builds it, serialised."""
    from rules import compliance as rules_compliance
    from application.compliance import SEVERITY_ORDER, _summary

    found = rules_compliance.findings(pack, snap, at=AT, known_at=KNOWN, working_days_between=wdb)
    found.sort(key=lambda f: (f.get("department") or "", SEVERITY_ORDER.get(f["severity"], 9), f["clause"]))
    result = {
        "findings": found,
        "summary": _summary(found, snap),
        "parameters": pack.parameters,
        "policy": pack.policy,
        "at": AT.isoformat(),
        "notes": [],
    }
    return json.dumps(result, ensure_ascii=False, default=str)


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def cold_child() -> None:
    """One fresh process: build the facts and load the pack (untimed), then the first report."""
    snap = build_facts()
    wdb = working_days_between()
    pack_s, pack = _timed(load_active_pack)
    report_s, text = _timed(lambda: full_report(pack, snap, wdb))
    print(json.dumps({"pack_load_s": pack_s, "report_s": report_s, "bytes": len(text)}))


def what_if_figure(pack, snap: dict, runs: int) -> tuple[dict, str | None]:
    """`rules.analysis.what_if` as a worker answers it: over the engine that already holds the
    facts (`engine=`), "if this A-post chief representative is absent for three days, who
    decides each entered item, and which items have nobody?" over every entered item."""
    try:
        from rules.analysis import what_if
    except ImportError:
        return {}, "rules.analysis.what_if 尚不存在：未测量"
    from rules import Engine

    params = inspect.signature(what_if).parameters
    if "absence" not in params or "engine" not in params:
        return {}, f"rules.analysis.what_if{inspect.signature(what_if)} 的调用方式与预期不符：未测量"
    build_s, engine = _timed(lambda: _engine_over(Engine, pack, snap))
    # a worker freezes its heap once the engine is built (web.server._ready_worker): the collector
    # then no longer walks the engine's millions of long-lived objects on each full collection
    gc.collect()
    gc.freeze()
    victim = next(a for a in snap["authorizations"] if a.get("post") == "A")
    absence = {"person": victim["grantee"]["person"], "from": AT, "to": AT + DAY * 3, "reason": "bench"}
    dept_items = [it["code"] for it in snap["items"] if it["department"] == victim["grantor"] and it.get("entry")]
    figures: dict = {"engine_build_s": build_s}
    for key, items in (("what_if_ms", None), ("what_if_department_ms", dept_items)):
        out = what_if(pack, snap, absence, items=items, at=AT, known_at=KNOWN, engine=engine)  # warm-up
        times = [
            _timed(lambda: what_if(pack, snap, absence, items=items, at=AT, known_at=KNOWN, engine=engine))[0] * 1000
            for _ in range(runs)
        ]
        figures[key] = statistics.median(times)
        figures[key.replace("_ms", "_items")] = len(out["items"])
    gc.unfreeze()
    return figures, None


def _engine_over(engine_cls, pack, snap: dict):
    engine = engine_cls(pack)
    engine.load(snap)
    return engine


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer runs (< 60 s)")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.cold_child:
        cold_child()
        return 0
    runs = args.runs or (3 if args.quick else 5)
    cold_runs = 1 if args.quick else runs

    build_s, snap = _timed(build_facts)
    wdb = working_days_between()
    pack = load_active_pack()
    full_report(pack, snap, wdb)  # warm-up
    warm = []
    size = 0
    for _ in range(runs):
        s, text = _timed(lambda: full_report(pack, snap, wdb))
        warm.append(s)
        size = len(text)
    parsed = json.loads(text)
    # baseline: serialising the same findings as plain dicts, nothing computed
    base = [_timed(lambda: json.dumps(parsed, ensure_ascii=False, default=str))[0] for _ in range(runs)]

    cold, pack_load = [], []
    for _ in range(cold_runs):
        proc = subprocess.run(
            [sys.executable, "-m", "bench.compliance", "--cold-child"], capture_output=True, text=True, check=True
        )
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        cold.append(child["report_s"])
        pack_load.append(child["pack_load_s"])

    wi, note = what_if_figure(pack, snap, 2 if args.quick else runs)
    what_if_ms = wi.get("what_if_ms")
    out = {
        "bench": "compliance",
        "quick": args.quick,
        "runs": runs,
        "cold_runs": cold_runs,
        "items": len(snap["items"]),
        "authorizations": len(snap["authorizations"]),
        "cases": len(snap["cases"]),
        "findings": len(parsed["findings"]),
        "report_bytes": size,
        "report_s": round(statistics.median(warm), 4),
        "report_cold_s": round(statistics.median(cold), 4),
        "pack_load_s": round(statistics.median(pack_load), 4),
        "baseline_json_s": round(statistics.median(base), 4),
        "what_if_ms": None if what_if_ms is None else round(what_if_ms, 2),
        "what_if_items": wi.get("what_if_items"),
        "what_if_department_ms": (
            None if wi.get("what_if_department_ms") is None else round(wi["what_if_department_ms"], 2)
        ),
        "what_if_department_items": wi.get("what_if_department_items"),
        "what_if_engine_build_s": None if "engine_build_s" not in wi else round(wi["engine_build_s"], 3),
        "targets": TARGETS,
        "meets_targets": {
            "report_s": statistics.median(warm) <= TARGETS["report_s"],
            "what_if_ms": None if what_if_ms is None else what_if_ms <= TARGETS["what_if_ms"],
        },
        "facts_build_s": round(build_s, 3),
        "python": sys.version.split()[0],
        "date": date.today().isoformat(),
        "load_avg_1m": round(os.getloadavg()[0], 2),  # other work on the machine during the run
    }
    if note:
        out["notes"] = [note]
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
