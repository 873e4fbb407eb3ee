"""Why-not in plain Chinese (issue 12 item 2): the words a clerk reads when a grant did not hold.

The engine keeps `why_not.failed` in the pack's own terms ("item.complexity == complex, rule
requires simple") for programs and the policy's feature files; every sentence a person reads is
built here, from the same failure, with names instead of codes and dates in Beijing time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .schema import (
    ACTIONS,
    CASE_TYPES,
    COMPLEXITY,
    DEPARTMENT_KINDS,
    ITEM_STATUS,
    ITEM_TYPES,
    ONLINE_DEPTHS,
    PLACE_KINDS,
    SEAL_HOLDERS,
    SEAL_KINDS,
    SECTION_FITS,
)
from .shapes import JSON
from .timeutil import local_date

if TYPE_CHECKING:
    from .conditions import Condition
    from .context import Ctx


class Fail(str):
    """One failure: the string is the pack's terms (why_not.failed), `zh` the Chinese sentence."""

    __slots__ = ("zh",)
    zh: str

    def __new__(cls, code: str, zh: str) -> Fail:
        s = super().__new__(cls, code)
        s.zh = zh
        return s


def zh_of(fail: str) -> str:
    zh: str | None = getattr(fail, "zh", None)
    return zh or fail


def post_label(post: object) -> str:
    """A post as every explanation writes it: "A", "B", or nothing (no post, "none")."""
    return "" if post in (None, "none") else str(post)


def zh_date(t: float) -> str:
    """A date in Beijing time as the explanation templates write it ('2019-03-01'; '—' for an open end)."""
    return local_date(t)


# Values of the enumerated fields, as a person says them.
VALUES: dict[str, dict[JSON, str]] = {
    "item.item_type": dict(
        zip(
            ITEM_TYPES,
            (
                "行政许可",
                "行政处罚",
                "行政强制",
                "行政征收",
                "行政给付",
                "行政检查",
                "行政确认",
                "行政奖励",
                "行政裁决",
                "其他行政权力",
                "公共服务",
            ),
        )
    ),
    "item.case_type": dict(zip(CASE_TYPES, ("即办件", "承诺件"))) | {"report_up": "上报件"},
    "item.complexity": dict(zip(COMPLEXITY, ("简单事项", "复杂事项"))),
    "item.online_depth": dict(zip(ONLINE_DEPTHS, ("现场办理", "网上预审", "只验原件", "全程网办"))),
    "item.entry_hall_kind": {"city": "市本级政务大厅", "sub": "专业分厅"},
    "item.status": dict(zip(ITEM_STATUS, ("已申报待审核", "已发布", "已退回"))),
    "place.kind": dict(zip(PLACE_KINDS, ("综合受理窗口", "部门窗口", "内部科室", "一体化平台"))),
    "place.section_fit": dict(zip(SECTION_FITS, ("本事项所属的功能区", "其他功能区", "不分功能区的综合窗口"))),
    "seal.kind": dict(zip(SEAL_KINDS, ("行政审批专用章", "业务专用章"))),
    "seal.held_by": dict(zip(SEAL_HOLDERS, ("本人保管", "其所支撑的A岗保管", "他人保管或无人保管"))),
    "person.department_kind": dict(
        zip(DEPARTMENT_KINDS, ("部门", "政务服务部门", "市人民政府", "审改部门", "发改部门"))
    ),
    "grant.post": {"A": "A岗", "B": "B岗", "none": "不分A/B岗", None: "不分A/B岗"},
}

# Yes/no fields: (what holds when true, what holds when false).
BOOLS: dict[str, tuple[str, str]] = {
    "item.on_application": ("该事项是依申请事项", "该事项不是依申请事项"),
    "item.in_application_class": ("该事项属于依申请类政务服务事项", "该事项不属于依申请类政务服务事项"),
    "item.report_up": ("该事项须上报上级审批", "该事项不须上报上级审批"),
    "item.joint": ("该事项是联合审批事项", "该事项不是联合审批事项"),
    "item.has_fees": ("该事项有收费项目", "该事项没有收费项目"),
    "item.entered": ("该事项已进驻政务大厅", "该事项尚未进驻政务大厅"),
    "item.effective": ("该事项已发布并生效", "该事项尚未发布或尚未生效"),
    "item.delegated": ("该事项已委托政务服务部门受理（事进人不进）", "该事项未委托政务服务部门受理（事进人不进）"),
    "item.exempted": ("该事项经批准不宜进驻", "该事项没有经批准的不宜进驻"),
    "place.in_hall": ("办理场所在政务大厅窗口或一体化平台", "办理场所不在政务大厅窗口或一体化平台"),
    "place.own_department": ("办理场所属于事项所属部门", "办理场所不属于事项所属部门"),
    "seal.item_department": ("印章属于事项所属部门", "印章不属于事项所属部门"),
    "person.same_department_as_item": ("办理人与事项同属一个部门", "办理人与事项不属于同一部门"),
    "grant.valid": ("授权书在有效期内", "授权书不在有效期内或已撤销"),
    "grant.covers_item": ("授权书的事项范围包含该事项", "授权书的事项范围不包含该事项"),
    "case.accepted_elsewhere": ("同一申请已在别处受理（两头受理）", "同一申请没有在别处受理"),
    "case.platform_record": ("该办件有一体化平台申报记录", "该办件没有一体化平台申报记录（体外循环）"),
}

# Other fields: what the sentence calls them.
SUBJECTS: dict[str, str] = {
    "item.item_type": "事项类型",
    "item.case_type": "办件类型",
    "item.complexity": "事项复杂程度",
    "item.online_depth": "网上办理深度",
    "item.entry_hall_kind": "进驻大厅类别",
    "item.status": "事项状态",
    "item.code": "事项",
    "item.department": "事项所属部门",
    "item.function_section": "事项所属功能区",
    "place.kind": "办理场所类型",
    "place.section_fit": "综合窗口的功能区",
    "place.hall": "办理场所所在大厅",
    "place.department": "办理场所所属部门",
    "place.function_section": "办理场所的功能区",
    "seal.kind": "印章类别",
    "seal.held_by": "印章保管情况",
    "seal.department": "印章所属部门",
    "person.department_kind": "办理人所在单位类别",
    "person.department": "办理人所在部门",
    "person.position": "办理人职务",
    "grant.post": "授权岗位",
}

_DEPT_FIELDS = ("item.department", "place.department", "seal.department", "person.department")


def show(field: str, value: JSON, c: Ctx | None = None) -> str:
    """One value of `field` as a person reads it (a department or hall by name where the world knows it)."""
    if value is None:
        return "未填写"
    table = VALUES.get(field)
    if table is not None:
        return table.get(value, str(value))
    if c is not None:
        w = c.world
        if field in _DEPT_FIELDS:
            return w.dept_names.get(value) or str(value)
        if field == "place.hall":
            return _name(w.tables["halls"].get(value)) or str(value)
        if field in ("item.function_section", "place.function_section"):
            return _name(w.tables["function_sections"].get(value)) or str(value)
        if field == "item.code":
            it = w.items.get(value)
            return it.name if it is not None else str(value)
    return str(value)


def _name(row: dict[str, JSON] | None) -> str | None:
    """The `name` of a facts row, if it has one."""
    name: str | None = (row or {}).get("name")
    return name


def _requirement(cond: Condition, c: Ctx | None) -> str:
    name, op, operand = cond.field.name, cond.op, cond.operand
    if op == "in":
        vals = list(operand)
        return (
            "、".join(f"“{show(name, v, c)}”" for v in vals)
            if len(vals) < 2
            else "为" + "或".join(f"“{show(name, v, c)}”" for v in vals)
        )
    if op == "not_in":
        return "不能是" + "或".join(f"“{show(name, v, c)}”" for v in operand)
    if op == "eq":
        return f"“{show(name, operand, c)}”"
    if op == "ne":
        return f"不能是“{show(name, operand, c)}”"
    if op == "matches":
        return "符合规则包对职务的要求"
    return str(operand)


def condition_failed(cond: Condition, value: object, c: Ctx | None = None) -> str:
    """Why `value` fails `cond`, as one Chinese clause ("该事项是复杂事项，本规则只适用于“简单事项”")."""
    name = cond.field.name
    if name in BOOLS:
        yes, no = BOOLS[name]
        wanted = (
            cond.operand
            if cond.op == "eq"
            else (list(cond.operand)[0] if cond.op == "in" and len(list(cond.operand)) == 1 else None)
        )
        if wanted is True or wanted is False:
            return f"{yes if value else no}，本规则要求{yes if wanted else no}"
        return yes if value else no
    subject = SUBJECTS.get(name, "条件")
    if cond.op == "matches":
        return f"{subject}为“{show(name, value, c)}”，不符合本规则对职务的要求"
    return f"{subject}为“{show(name, value, c)}”，本规则要求{_requirement(cond, c)}"


def condition_holds(cond: Condition, value: object, c: Ctx | None = None) -> str:
    name = cond.field.name
    if name in BOOLS:
        yes, no = BOOLS[name]
        return yes if value else no
    return f"{SUBJECTS.get(name, '条件')}为“{show(name, value, c)}”"


def no_grant(person_name: str, action: str) -> str:
    return f"{person_name}没有在有效期内、授予“{ACTIONS.get(action, action)}”权限的授权书"


def why_not_text(
    person_name: str, item_name: str, action: str, fails: Iterable[str], close: list[str] | None = None
) -> str:
    """The whole sentence: who cannot do what on which item, and why; and the close action they do hold."""
    reasons = "；".join(dict.fromkeys(zh_of(f) for f in fails)) if fails else "没有适用的授权"
    text = f"{person_name}不能对“{item_name}”办理“{ACTIONS.get(action, action)}”：{reasons}。"
    if close:
        text += "但可以办理" + "、".join(f"“{ACTIONS.get(a, a)}”" for a in close) + "。"
    return text


# An action asked that the person does not hold, and the one beside it they may hold instead.
CLOSE_ACTIONS: dict[str, tuple[str, ...]] = {
    "decide": ("decide_complex",),
    "decide_complex": ("decide",),
    "receive": ("accept",),
    "accept": ("receive",),
}
