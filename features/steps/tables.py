"""假如 steps of the facts world: the Chinese tables (有以下部门: …) as records of the snapshot.

One table is one fact kind; what it states is declared column by column (`TABLES`): each column
of the record reads its cell with a reader of this module (`cell`, `label`, `yes`, `moment` …).
One step (`_add_rows`) serves them all. Imported by features/conftest.py.
"""

from __future__ import annotations

from typing import Any, Callable

from pytest_bdd import given, when

from features.steps import world as W

Read = Callable[[W.FactsWorld, dict], Any]


def cell(header: str, default: Any = None) -> Read:
    """The cell as written; `default` where the table has no such column."""
    return lambda facts, r: r.get(header, default)


def filled(header: str, default: Any = None) -> Read:
    """The cell; `default` where it is missing or empty."""
    return lambda facts, r: r.get(header) or default


def required(header: str) -> Read:
    return lambda facts, r: r[header]


def const(value: Any) -> Read:
    return lambda facts, r: value


def number(header: str) -> Read:
    return lambda facts, r: int(r[header])


def number_or_none(header: str) -> Read:
    return lambda facts, r: int(r[header]) if r.get(header) else None


def label(kind: str, header: str, default: Any = None) -> Read:
    return lambda facts, r: W.label(kind, r.get(header), default)


def yes(header: str, default: bool = False) -> Read:
    return lambda facts, r: W.yes(r.get(header), default)


def split(header: str) -> Read:
    return lambda facts, r: W.split(r.get(header))


def limit(header: str) -> Read:
    return lambda facts, r: W.limit(r.get(header))


def moment(*headers: str, default: Any = None) -> Read:
    """The first of the cells that states a time (Beijing time, W.when); else `default`."""
    return lambda facts, r: next((t for t in (W.when(r.get(h)) for h in headers) if t is not None), default)


def person(header: str) -> Read:
    return lambda facts, r: facts.person(r[header])


def person_or_none(header: str) -> Read:
    return lambda facts, r: facts.person(r[header]) if r.get(header) else None


def items(header: str, everything: tuple[str, ...]) -> Read:
    """'*' where the cell is one of `everything` (全部 …), else the item codes it lists."""
    return lambda facts, r: "*" if r.get(header, "全部") in everything else W.split(r[header])


def next_id(facts: W.FactsWorld, r: dict) -> int:
    return facts.next_id()


CODE, NAME = required("代码"), (lambda facts, r: r.get("名称", r["代码"]))
START = moment("开始", default=W.BASE)  # a period's start, and when it was filed


def _fees(facts, r) -> list[dict]:
    return [{"code": f"F{i}", "name": n, "basis": "", "standard": ""} for i, n in enumerate(W.split(r.get("收费")), 1)]


def _entry(facts, r) -> dict | None:
    hall = r.get("进驻大厅", "CITY")
    return {"hall": hall} if hall and hall not in ("无", "-") else None


def _grantee(facts, r) -> dict:
    grantee = r["被授权人"]
    return {"gov_service": True} if grantee == "政务服务部门" else {"person": facts.person(grantee)}


def _exemption_decision(facts, r) -> dict | None:
    result = {"批准": "approved", "不批准": "refused"}.get(r.get("政府决定", ""), None)
    return {"result": result, "document_no": "潭政函〔2018〕1号", "filed_at": W.BASE} if result else None


def _accepted(facts, r) -> list[dict]:
    return [{"step": "accepted", "at": W.when(r.get("受理时间")) or W.BASE, "place": r.get("地点") or None}]


def _passed(facts, r) -> bool:
    return r.get("结果", "通过") == "通过"


# (the table's heading, the fact kind, the record's columns: field -> reader)
TABLES: list[tuple[str, str, dict[str, Read]]] = [
    (
        "有以下部门:",
        "departments",
        {
            "code": CODE,
            "name": NAME,
            "kind": label("dept", "类型", "department"),
            "group": const("city_department"),
            "entry_phase": filled("进驻批次", "2018-12"),
            "low_volume": yes("办件量少"),
            "placeholder": yes("占位"),
        },
    ),
    (
        "有以下大厅:",
        "halls",
        {"code": CODE, "name": NAME, "kind": label("hall", "类型", "city"), "host_department": cell("主办部门")},
    ),
    (
        "有以下地点:",
        "places",
        {
            "code": CODE,
            "name": NAME,
            "kind": label("place", "类型"),
            "hall": filled("大厅"),
            "department": filled("部门"),
            "function_section": filled("功能板块"),
        },
    ),
    (
        "有以下人员:",
        "people",
        {
            "id": number("编号"),
            "name": required("姓名"),
            "department": required("部门"),
            "section": number_or_none("科室"),
            "position": cell("职务", ""),
        },
    ),
    (
        "有以下科室:",
        "sections",
        {
            "id": number("编号"),
            "department": required("部门"),
            "name": cell("名称", ""),
            "kind": label("section", "类型", "business"),
            "entered_whole": yes("成建制", True),
            "head": person_or_none("负责人"),
        },
    ),
    (
        "有以下事项:",
        "items",
        {
            "code": CODE,
            "version": const(1),
            "directory_item": CODE,
            "name": NAME,
            "department": required("部门"),
            "item_type": label("item_type", "类型", "licensing"),
            "on_application": yes("依申请", True),
            "case_type": label("case_type", "办件类型", "instant"),
            "report_up": yes("上报件"),
            "joint": lambda facts, r: bool(r.get("协办事项")) or W.yes(r.get("联办")),
            "partners": split("协办事项"),
            "complexity": label("complexity", "复杂程度", "simple"),
            "statutory_limit": limit("法定时限"),
            "promised_limit": limit("承诺时限"),
            "promised_limit_2017": limit("2017承诺时限"),
            "fees": _fees,
            "materials": lambda facts, r: [W.material(n) for n in W.split(r.get("材料"))],
            "online_depth": label("depth", "办理深度", "pre_review"),
            "function_section": filled("功能板块"),
            "entry": _entry,
            "effective_from": moment("生效", default=W.BASE),
            "status": filled("状态", "published"),
            "entered_from": moment("进驻日期"),
            "filed_at": const(W.BASE),
        },
    ),
    (
        "有以下功能板块:",
        "function_sections",
        {
            "code": CODE,
            "name": NAME,
            "lead_department": cell("牵头部门"),
            "whole_chain": yes("全链条"),
            "chain": split("链条"),
        },
    ),
    (
        "有以下授权:",
        "authorizations",
        {
            "id": number("编号"),
            "grantor": required("授权部门"),
            "grantee": _grantee,
            "post": filled("岗位"),
            "backs": number_or_none("替补"),
            "powers": lambda facts, r: W.powers(r.get("权限", "")),
            "items": items("事项", ("全部", "")),
            "valid_from": moment("生效", default=W.BASE),
            "valid_to": moment("失效"),
            "filed_at": moment("备案时间", "生效", default=W.BASE),
            "log_index": number("编号"),
            "late_filed": yes("补录"),
        },
    ),
    (
        "有以下印章:",
        "seals",
        {"code": CODE, "name": NAME, "department": required("部门"), "kind": label("seal", "类型", "approval")},
    ),
    (
        "有以下印章保管:",
        "seal_custody",
        {
            "id": next_id,
            "seal": required("印章"),
            "person": person("保管人"),
            "from": START,
            "to": moment("结束"),
            "filed_at": START,
        },
    ),
    (
        "有以下委托:",
        "delegations",
        {
            "id": number("编号"),
            "department": required("部门"),
            "items": items("事项", ("全部",)),
            "from": START,
            "to": moment("结束"),
            "filed_at": START,
        },
    ),
    (
        "有以下不宜进驻申请:",
        "exemptions",
        {
            "id": number("编号"),
            "item": required("事项"),
            "reason": label("reason", "理由", "other"),
            "basis": cell("依据", ""),
            "effective_from": const(W.BASE),
            "effective_to": const(None),
            "filed_at": const(W.BASE),
            "decision": _exemption_decision,
        },
    ),
    (
        "有以下备案:",
        "staff_filings",
        {
            "id": next_id,
            "department": required("部门"),
            "people": lambda facts, r: [
                {"person": facts.person(r["人员"]), "role": W.label("role", r.get("角色"), "staff")}
            ],
            "filed_at": const(W.BASE),
            "acknowledged_at": const(W.BASE),
        },
    ),
    (
        "有以下收费审查:",
        "fee_reviews",
        {
            "id": next_id,
            "item": required("事项"),
            "fee": cell("收费", "F1"),
            "result": lambda facts, r: "approved" if _passed(facts, r) else "returned",
            "basis_ok": _passed,
            "standard_ok": _passed,
            "note": const(""),
            "filed_at": const(W.BASE),
        },
    ),
    (
        "有以下办件:",
        "cases",
        {
            "number": required("编号"),
            "item": required("事项"),
            "place": filled("地点"),
            "accepted_at": moment("受理时间", default=W.BASE),
            "application_key": filled("申请标识"),
            "platform_record": yes("平台记录", True),
            "steps": _accepted,
        },
    ),
]

ABSENCE = {
    "id": next_id,
    "person": person("人员"),
    "from": lambda facts, r: W.when(r["开始"]),
    "to": moment("结束"),
    "reason": cell("事由", "公出"),
    "filed_at": lambda facts, r: W.when(r.get("备案时间")) or W.when(r["开始"]),
}


def _add_rows(facts: W.FactsWorld, datatable, kind: str, columns: dict[str, Read]) -> None:
    for r in W.rows(datatable):
        if kind == "people":  # the scenarios name people; the facts know them by number
            facts.people_by_name[r["姓名"]] = int(r["编号"])
        facts.add(kind, {field: read(facts, r) for field, read in columns.items()})


def _table_step(kind: str, columns: dict[str, Read]) -> Callable[..., None]:
    def step(facts, datatable):
        _add_rows(facts, datatable, kind, columns)

    step.__name__ = f"table_{kind}"
    return step


for _heading, _kind, _columns in TABLES:
    given(_heading)(_table_step(_kind, _columns))
given("有以下缺位:")(when("登记以下缺位:")(_table_step("absences", ABSENCE)))


# features/conftest.py imports this module with `*`: export the step fixtures only.
__all__ = [name for name in list(globals()) if name.startswith("pytestbdd_")]
