"""Names, not codes (issue 12 item 3): what a page shows for a reference the registry keeps as a
code or an id — a finding's subject ("item:FGW-006" → 事项“企业投资项目核准”), a department, a
hall, a function section — and a signed record as a readable summary above its raw JSON."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import func, select

from registry import models as m
import vocab
from web.ui.common import fmt_local


_LOOKUP_OF = {"place": "places", "hall": "halls", "seal": "seals"}  # a reference's kind → its lookup


def _names_of(key, name, *order) -> cached_property[dict[Any, str]]:
    """A lookup of every row's name by its key (code or id), read in one query when first asked for."""
    return cached_property(lambda self: dict(self.session.execute(select(key, name).order_by(*order)).all()))


class Names:
    """Lookups by code or id, each table read once per page (and only when asked for)."""

    def __init__(self, session):
        self.session = session

    departments = _names_of(m.Department.code, m.Department.name)
    people = _names_of(m.Person.id, m.Person.name)
    places = _names_of(m.Place.code, m.Place.name)
    halls = _names_of(m.Hall.code, m.Hall.name)
    seals = _names_of(m.Seal.code, m.Seal.name, m.Seal.code)
    sections = _names_of(m.FunctionSection.code, m.FunctionSection.name)
    dept_sections = _names_of(m.Section.id, m.Section.name)

    @cached_property
    def items(self) -> dict[str, str]:
        newest = (
            select(m.ItemVersion.code, func.max(m.ItemVersion.version).label("v"))
            .group_by(m.ItemVersion.code)
            .subquery()
        )
        return dict(
            self.session.execute(
                select(m.ItemVersion.code, m.ItemVersion.name).join(
                    newest, (m.ItemVersion.code == newest.c.code) & (m.ItemVersion.version == newest.c.v)
                )
            ).all()
        )

    def named(self, kind: str, code: Any) -> Any:
        """The name of a place, hall or seal by its code (the code itself if unknown)."""
        return getattr(self, _LOOKUP_OF[kind]).get(code, code)

    def department(self, code: str | None) -> str:
        return "全市" if not code else self.departments.get(code, code)

    def person(self, pid) -> str:
        try:
            return self.people.get(int(pid), "（已不在册的人员）")
        except (TypeError, ValueError):
            return str(pid)

    def subject(self, subject: str | None) -> str:
        """A finding's subject in words: each `kind:value` part by its name (a material or fee by
        its name in the item it belongs to)."""
        if not subject:
            return "—"
        parts, item = [], None
        for p in subject.split("/"):
            parts.append(self._part(p, item))
            kind, _, value = p.partition(":")
            item = value if kind == "item" else item
        return "，".join(parts)

    def _listed(self, item: str | None, key: str, code: str) -> str:
        """The name of an item's material or fee (`key`: materials | fees) with this code (or name)."""
        if item is None:
            return code
        row = self.session.scalar(
            select(getattr(m.ItemVersion, key))
            .where(m.ItemVersion.code == item)
            .order_by(m.ItemVersion.version.desc())
            .limit(1)
        )
        return next(
            (
                x.get("name")
                for x in row or ()
                if isinstance(x, dict) and code in (x.get("code"), x.get("name")) and x.get("name")
            ),
            code,
        )

    def _part(self, part: str, item: str | None = None) -> str:
        kind, _, value = part.partition(":")
        if kind == "item":
            return f"事项“{self.items.get(value, value)}”"
        if kind in ("department", "dept"):
            return self.departments.get(value, value)
        if kind == "person":
            return self.person(value)
        if kind == "authorization":
            return f"授权书第{value}号"
        if kind == "exemption":
            return f"不宜进驻申请第{value}号"
        if kind == "section":
            try:
                return f"科室“{self.dept_sections.get(int(value), value)}”"
            except ValueError:
                return f"科室“{value}”"
        if kind == "material":
            return f"材料“{self._listed(item, 'materials', value)}”"
        if kind == "fee":
            return f"收费项目“{self._listed(item, 'fees', value)}”"
        if kind == "condition":
            return f"申请条件第{value}项"
        if kind in _LOOKUP_OF:
            return self.named(kind, value)
        return value or part


# --- a signed record, summarised --------------------------------------------------------------

FIELD_LABELS = {
    "type": "记录类型",
    "id": "编号",
    "grantor": "授权单位",
    "grantee": "被授权人",
    "person": "人员",
    "post": "岗位",
    "backs": "所支撑的A岗授权",
    "powers": "授予的职权",
    "items": "事项范围",
    "valid_from": "生效时间",
    "valid_to": "失效时间",
    "filed_at": "登记时间",
    "filed_by": "登记单位",
    "late_filed": "补录",
    "log_index": "日志序号",
    "at": "时间",
    "reason": "事由",
    "from": "开始",
    "to": "结束",
    "seal": "印章",
    "item": "事项",
    "case": "办件编号",
    "place": "场所",
    "department": "部门",
    "code": "编码",
    "name": "名称",
    "kind": "类别",
    "hall": "大厅",
    "authorization": "授权书",
    "document_sha256": "文件 SHA-256",
    "result": "结果",
    "note": "意见",
    "fee": "收费项目",
    "version": "版本",
    "status": "状态",
    "basis": "依据",
    "effective_from": "生效时间",
    "effective_to": "截止时间",
    "acting_for": "代行A岗",
    "findings": "涉及问题",
    "event": "事件",
    "pack": "规则包",
    "digest": "摘要",
    "section": "科室",
    "position": "职务",
    "decision": "判定",
    "document_no": "文号",
}
RECORD_TYPES = {
    "authorization": "授权书",
    "revocation": "撤销授权",
    "absence": "缺位登记",
    "seal_custody": "印章保管",
    "seal_use": "用印",
    "item": "事项申报",
    "item_review": "事项审核",
    "fee_review": "收费审查",
    "exemption": "不宜进驻申请",
    "exemption_decision": "不宜进驻审批",
    "delegation": "委托受理（事进人不进）",
    "staff_filing": "人员备案",
    "staff_ack": "备案确认",
    "department": "单位",
    "person": "人员",
    "place": "场所",
    "hall": "大厅",
    "seal": "印章",
    "section": "科室",
    "finding_events": "问题处理记录",
    "case": "办件",
    "case_step": "办件环节",
    "pack": "规则包发布",
    "exception": "例外",
    "hall_approval": "专业分厅批准",
    "citizens_home_opening": "市民之家启用",
    "entry_plan": "进驻方案",
    "entry_plan_step": "进驻方案环节",
    "key": "签名密钥",
    "function_section": "功能板块",
}
_TIMES = {"valid_from", "valid_to", "filed_at", "at", "from", "to", "effective_from", "effective_to"}


def record_type(kind: str | None) -> str:
    if not kind:
        return "登记记录"
    return RECORD_TYPES.get(kind) or vocab.VOCABULARIES.get("record_kind", {}).get(kind) or "登记记录"


def summarize(record: dict[str, Any], names: Names) -> list[tuple[str, str]]:
    """(label, text) rows for the fields a person reads; hashes and nested proofs stay in the raw JSON."""
    rows: list[tuple[str, str]] = []
    for key, value in record.items():
        if key not in FIELD_LABELS or value is None or value == "" or value == []:
            continue
        rows.append((FIELD_LABELS[key], _value(key, value, names)))
    return rows


def _value(key: str, value: Any, names: Names) -> str:
    if key == "type":
        return record_type(value)
    if key in _TIMES and isinstance(value, (str, datetime)):
        return fmt_local(value, "%Y-%m-%d %H:%M:%S") + "（北京时间）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key in ("grantor", "department"):
        return names.department(value)
    if key == "filed_by":
        text = str(value)
        return (
            names.department(text[5:])
            if text.startswith("dept:")
            else vocab.ROLES.get(
                text,
                {
                    "gov_service": "政务服务部门",
                    "reform_office": "审改部门",
                    "government": "市人民政府",
                    "system": "系统",
                }.get(text, text),
            )
        )
    if key in ("person", "acting_for"):
        return names.person(value)
    if key == "grantee":
        if isinstance(value, dict):
            if value.get("gov_service"):
                return "政务服务部门（市政务服务中心）"
            return names.person(value.get("person"))
        return names.person(value)
    if key == "item":
        return f"{names.items.get(value, value)}（{value}）"
    if key == "items":
        if value == "*":
            return "本单位全部事项"
        return "、".join(names.items.get(c, c) for c in value) if isinstance(value, list) else str(value)
    if key == "powers":
        return "、".join(vocab.ACTIONS.get(p, p) for p in value) if isinstance(value, list) else str(value)
    if key == "post":
        return {"A": "A岗", "B": "B岗"}.get(value, "—")
    if key in _LOOKUP_OF:
        return names.named(key, value)
    if key == "backs":
        return f"授权书第{value}号"
    if key == "result":
        return {"approved": "通过", "returned": "退回", "refused": "不予批准"}.get(value, str(value))
    if key == "findings" and isinstance(value, list):
        return f"{len(value)} 项"
    if isinstance(value, (list, dict)):
        return "（见下方原始记录）"
    return str(value)
