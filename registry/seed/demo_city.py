"""The demo city as data: the catalogue (demo_catalogue.csv) and its tables (demo_tables.yaml).

registry.demo files them through the services; this module only reads them into Python values
(the item dicts of docs/design.md §3, the departments' plans), deterministically.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import yaml

import vocab
from registry.catalog_io import parse_limit
from registry.seed import SEED_DIR
from vocab.clock import SHANGHAI

SEED = 20181212


def sh(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    """A Shanghai wall-clock time as an aware UTC datetime."""
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI).astimezone(timezone.utc)


def _local(text: str | None) -> datetime | None:
    """'2019-01-08 09:00' (Beijing time) as an aware UTC datetime."""
    if text is None:
        return None
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).astimezone(timezone.utc)


VALID_FROM = sh(2019, 1, 1, 0, 0)

# ---------------------------------------------------------------------------------------
# The catalog (demo_catalogue.csv): one row per item — 部门, 名称, 类型, 法定时限, 承诺时限, 2017年承诺时限, 标记
#   类型: 许可 处罚 强制 征收 给付 检查 确认 奖励 裁决 其他 服务
#   时限: “20工作日”“60自然日”“3个月”, “即办” (instant, 0 working days), “-” (none)
#   标记: 复杂 上报 联办 联办:名称,名称 网办 预审 核验 现场 板块:CODE 大厅:HALL 不进驻
#         兜底 (a catch-all “其他材料”) 重复:CODE (a shared material re-required along a chain)
# ---------------------------------------------------------------------------------------


def _catalogue_rows() -> list[list[str]]:
    with (SEED_DIR / "demo_catalogue.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return [[cell.strip() for cell in row] for row in rows[1:] if row]


with (SEED_DIR / "demo_tables.yaml").open(encoding="utf-8") as _fh:
    TABLES: dict[str, Any] = yaml.safe_load(_fh)

TYPES: dict[str, str] = TABLES["item_types"]
NOT_ON_APPLICATION = {"penalty", "coercion", "inspection"}
DEPTHS = {"网办": "full_online", "预审": "pre_review", "核验": "verify_original", "现场": "on_site"}

# item name -> [(fee name, basis, standard)]
FEES: dict[str, list[tuple[str, str, str]]] = {
    name: [(f["name"], f["basis"], f["standard"]) for f in fees] for name, fees in TABLES["fees"].items()
}
# Fees the DRC has not reviewed yet; one it returned.
FEES_UNREVIEWED = set(TABLES["fees_unreviewed"])
FEES_RETURNED: dict[str, str] = TABLES["fees_returned"]
LEGAL_BASIS: dict[str, str] = TABLES["legal_basis"]
MATERIAL_POOLS: dict[str, list[str]] = TABLES["material_pools"]
SHARED_MATERIALS: dict[str, str] = TABLES["shared_materials"]
PERSON_TYPES = set(TABLES["person_types"])
# code, name, lead, whole_chain, ordered chain by item name
FUNCTION_SECTIONS = [
    (f["code"], f["name"], f["lead"], f["whole_chain"], f["chain"]) for f in TABLES["function_sections"]
]
# Exemptions (不宜进驻): item name -> (reason, basis, decision, document no, requested, decided)
EXEMPTIONS = [
    (e["item"], e["reason"], e["basis"], e["decision"], e["document_no"], _local(e["requested"]), _local(e["decided"]))
    for e in TABLES["exemptions"]
]

# Departments: approval section (None = lacks one), business sections, who holds A and B,
# extra powers, grants below the minimum, government-service grant.
FULL = list(vocab.CHIEF_REP_MINIMUM)


@dataclass
class DeptPlan:
    code: str
    approval: str | None = "行政审批科"
    business: list[str] = field(default_factory=list)
    a: str = "head"  # head | deputy | biz0 | office | clerk
    b: str | None = "deputy"
    powers: list[str] = field(default_factory=lambda: list(FULL))
    decide_complex: bool = False
    items_subset: int | None = None  # grant only the first n items
    gov_service: list[str] | None = field(default_factory=lambda: list(vocab.GOV_SERVICE_MINIMUM))
    window: bool = True
    internal_office: bool = False
    staff_filing: bool = True
    low_volume: bool = False
    entered_whole: bool = True


DEPT_PLANS = [DeptPlan(**plan) for plan in TABLES["departments"]]
# Windows in the sub-halls: (code, name, hall, department); comprehensive: (code, name, hall, section)
SUB_HALL_WINDOWS = [(w["code"], w["name"], w["hall"], w["department"]) for w in TABLES["sub_hall_windows"]]
COMPREHENSIVE_WINDOWS = [
    (w["code"], w["name"], w["hall"], w["function_section"]) for w in TABLES["comprehensive_windows"]
]
BUSINESS_SEALS = [(s["code"], s["name"], s["department"]) for s in TABLES["business_seals"]]
GOV_SERVICE_STAFF: dict[str, Any] = TABLES["gov_service_staff"]
RETURNED_ITEM: dict[str, str] = TABLES["returned_item"]
SUB_HALL_APPROVALS: dict[str, Any] = TABLES["sub_hall_approvals"]
# Absences: (department, person key, from, to, reason, filed)
ABSENCES = [
    (a["department"], a["person"], _local(a["from"]), _local(a["to"]), a["reason"], _local(a["filed"]))
    for a in TABLES["absences"]
]
SURNAMES: list[str] = TABLES["surnames"]
GIVEN: list[str] = TABLES["given_names"]


@dataclass
class DemoItem:
    code: str
    department: str
    data: dict[str, Any]
    flags: list[str]
    partner_names: list[str]


def parse_items() -> list[DemoItem]:
    """The catalog table as item dicts (§3 shape), codes ``DEPT-NNN``; partners resolved by name."""
    rng = random.Random(SEED)
    items: list[DemoItem] = []
    counters: Counter[str] = Counter()
    for dept, name, typ, stat, prom, base, flags in _catalogue_rows():
        item_type = TYPES[typ]
        counters[dept] += 1
        code = f"{dept}-{counters[dept]:03d}"
        flag_list = flags.split()
        on_app = item_type not in NOT_ON_APPLICATION
        opts = dict(f.split(":", 1) for f in flag_list if ":" in f)
        bare = {f for f in flag_list if ":" not in f}
        depth = next((DEPTHS[f] for f in bare if f in DEPTHS), None)
        if depth is None:
            depth = (
                rng.choices(["on_site", "pre_review", "verify_original", "full_online"], weights=[2, 4, 3, 1])[0]
                if on_app
                else "on_site"
            )
        if not on_app or "不进驻" in bare:
            entry = None
        else:
            entry = {"hall": opts.get("大厅", "CITY")}
        materials = _materials(rng, code, name, item_type, bare, opts) if on_app else []
        fees = [
            {"code": f"{code}-F{i}", "name": fn, "basis": fb, "standard": fs}
            for i, (fn, fb, fs) in enumerate(FEES.get(name, []), start=1)
        ]
        joint = "联办" in bare or "联办" in opts
        data = {
            "code": code,
            "directory_item": f"ML-{code}",
            "name": name,
            "department": dept,
            "item_type": item_type,
            "on_application": on_app,
            "case_type": "instant" if prom == "即办" else "commitment",
            "report_up": "上报" in bare,
            "joint": joint,
            "partners": [],
            "complexity": "complex" if "复杂" in bare else "simple",
            "statutory_limit": _limit(stat),
            "promised_limit": _limit(prom),
            "promised_limit_2017": _limit(base),
            "fees": fees,
            "materials": materials,
            "online_depth": depth,
            "function_section": opts.get("板块"),
            "entry": entry,
            "effective_from": sh(2019, 7, 1, 0, 0) if name == "小餐饮经营许可" else VALID_FROM,
        }
        partners = [p for p in opts.get("联办", "").split(",") if p]
        items.append(DemoItem(code, dept, data, flag_list, partners))
    by_name = {it.data["name"]: it.code for it in items}
    for it in items:
        it.data["partners"] = [by_name[n] for n in it.partner_names]
    return items


def _limit(text: str) -> dict[str, Any] | None:
    return None if text == "-" else parse_limit(text)


def _materials(
    rng: random.Random, code: str, name: str, item_type: str, bare: set[str], opts: dict[str, str]
) -> list[dict[str, str]]:
    form = f"{name}申请表" if not name.endswith("登记") else f"{name}申请书"
    out = [{"code": f"{code}-01", "name": form}]
    pool = MATERIAL_POOLS["person" if item_type in PERSON_TYPES else "enterprise"]
    for i, m in enumerate(rng.sample(pool, rng.randint(1, 3)), start=2):
        out.append({"code": f"{code}-{i:02d}", "name": m})
    for shared in opts.get("重复", "").split(","):
        if shared:
            out.append({"code": shared, "name": SHARED_MATERIALS[shared]})
    if "兜底" in bare:
        out.append({"code": f"{code}-99", "name": "其他材料"})
    return out
