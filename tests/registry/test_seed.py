"""The plan's facts: annex units by the annex's wording, bodies, halls, the platform."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from registry.db import transaction
from registry.models import Department, Hall, Place
from registry.seed import annex_codes, load_plan_facts
from registry.services.context import SYSTEM, FilingContext

# The annex, 一（一）（二）（三）, as printed in the plan.
CITY_DEPARTMENTS = [
    "市政府办（市民宗局）",
    "市发改委",
    "市经信委",
    "市教育局",
    "市科技局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市国土资源局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市农委",
    "市水务局",
    "市林业局",
    "市商务局",
    "市文体广新局",
    "市卫生计生委",
    "市环保局",
    "市统计局",
    "市粮食局",
    "市城乡规划局",
    "市城管执法局",
    "市安监局",
    "市旅外侨局",
    "市人防办",
    "市食品药品监管局",
    "市工商局",
    "市质监局",
    "市政府经济研究和金融工作局",
    "市国资委",
]
OTHER_UNITS = ["市两型办", "市档案局", "市残联", "韶山灌区工程管理局"]
VERTICAL = ["市气象局"]
UTILITIES = ["邮政快递", "燃气", "水费", "通讯费用", "公交卡"]
CITIZENS_HOME = ["承担政务服务职能的市直单位和企事业单位", "烟草", "海关", "银行", "供热", "供电", "网络", "电视"]


def _load(sessions):
    with transaction(sessions) as s:
        return load_plan_facts(FilingContext(s, SYSTEM))


def _names(s, **where):
    stmt = select(Department.name)
    for k, v in where.items():
        stmt = stmt.where(getattr(Department, k) == v)
    return set(s.scalars(stmt))


def test_annex_units_by_wording_and_group(sessions):
    created = _load(sessions)
    assert created == {"departments": 55, "halls": 7, "places": 1}
    with sessions() as s:
        annex = {"placeholder": False, "kind": "department", "entry_phase": "2018-12"}
        assert _names(s, group="city_department", **annex) == set(CITY_DEPARTMENTS)
        assert _names(s, group="other_unit", **annex) == set(OTHER_UNITS)
        assert _names(s, group="vertical", **annex) == set(VERTICAL)
        assert len(CITY_DEPARTMENTS) + len(OTHER_UNITS) + len(VERTICAL) == 37
        assert _names(s, placeholder=True, entry_phase="2018-12", group="enterprise") == set(UTILITIES)
        assert _names(s, placeholder=True, entry_phase="citizens_home") == set(CITIZENS_HOME)
        # Stable letter codes, the two the brief names among them.
        codes = list(s.scalars(select(Department.code)))
        assert all(re.fullmatch(r"[A-Z]{2,5}", c) for c in codes), codes
        assert s.get(Department, "FGW").name == "市发改委"
        assert s.get(Department, "GA").name == "市公安局"
        assert len(annex_codes("2018-12")) == 37 + 5
        assert len(annex_codes("citizens_home")) == 8


def test_bodies_halls_and_platform(sessions):
    _load(sessions)
    with sessions() as s:
        kinds = {d.code: (d.name, d.kind) for d in s.scalars(select(Department).where(Department.kind != "department"))}
        assert kinds == {
            "ZWFW": ("市政务服务中心", "gov_service"),
            "ZF": ("市人民政府", "government"),
            "SGB": ("市编办（审改办）", "reform_office"),
        }
        assert "审改部门" in s.get(Department, "SGB").note
        assert s.get(Department, "FGW").kind == "department"  # the DRC role maps to FGW
        tax, fund = s.get(Department, "SWZJ"), s.get(Department, "GJJ")
        assert (tax.name, tax.group, tax.entry_phase) == ("国家税务总局湘潭市税务局", "vertical", None)
        assert (fund.name, fund.group) == ("湘潭市住房公积金管理中心", "other_unit")

        halls = {h.code: h for h in s.scalars(select(Hall))}
        assert halls["CITY"].kind == "city" and halls["CITY"].host_department == "ZWFW"
        subs = {h.name: h.host_department for h in halls.values() if h.kind == "sub"}
        assert subs == {
            "房产交易分厅": "ZJJ",
            "不动产登记分厅": "GTJ",
            "人力资源和社会保障分厅": "RSJ",
            "公安交警车管驾管分厅": "GA",
            "住房公积金管理分厅": "GJJ",
            "税务分厅": "SWZJ",
        }
        assert s.get(Department, "ZJJ").name == "市住房和城乡建设局"
        assert s.get(Department, "GTJ").name == "市国土资源局"
        platform = list(s.scalars(select(Place).where(Place.kind == "platform")))
        assert [(p.code, p.name, p.hall) for p in platform] == [("PLATFORM", "一体化平台", None)]


def test_load_plan_facts_is_idempotent(sessions):
    _load(sessions)
    with transaction(sessions) as s:
        s.get(Department, "TJJ").low_volume = True  # something a later filing changed is kept
    assert _load(sessions) == {"departments": 0, "halls": 0, "places": 0}
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Department)) == 55
        assert s.get(Department, "TJJ").low_volume is True
