"""A rule pack as the reform office reads it (issue 12 item 6): each rule with its clause, the
plan's own sentence, when it applies and what it tells a clerk, all in Chinese; the explanation
templates with their blanks named (〔某人员〕), never as template source; the parameters with
their meaning."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import vocab
from rules.pack import Pack, Rule
from rules.wording import BOOLS, SUBJECTS, show

KINDS = {"grant": "授予", "prohibition": "禁止", "finding": "合规检查"}
STRENGTHS = {"must": "必须", "in_principle": "原则上"}
GRANTEES = {"person": "获授权的人员", "department": "获授权的部门", "gov_service": "政务服务部门"}
SLOTS = {
    "person_name": "某人员",
    "department_name": "某部门",
    "grantor_name": "授权部门",
    "item_name": "某事项",
    "item_code": "事项编码",
    "post": "A或B",
    "action_label": "所问行为",
    "why": "原因",
    "auth_id": "授权书编号",
    "place_name": "某办理场所",
    "missing": "所缺内容",
    "section_name": "某科室",
    "seal_name": "某印章",
    "date": "某日",
    "material": "某材料",
    "item_department_name": "事项所属部门",
    "detail": "详情",
    "count": "若干",
    "state": "状态",
    "scope_name": "范围",
    "revoked": "撤销情况",
    "reason_label": "原因",
    "position": "职务",
    "places": "若干场所",
    "place_section_name": "某功能区",
    "opening": "启用日期",
    "online_depth_label": "网上办理深度",
    "limit": "时限",
    "hall_name": "某大厅",
    "fee_name": "某收费项目",
    "earlier_name": "前一位人员",
    "delegation_id": "委托编号",
    "case": "某办件",
    "cases": "若干办件",
    "b_name": "B岗人员",
    "a_name": "A岗人员",
}
# Yes/no fields the why-not sentences never need (rules.wording.BOOLS has the others).
MORE_BOOLS = {
    "item.entered_now": ("该事项此时已进驻政务大厅", "该事项此时尚未进驻政务大厅"),
    "case.properly_accepted": ("该办件已依规受理", "该办件未依规受理"),
    "case.pending_platform": ("该办件在等待一体化平台补报申请记录", "该办件不在等待平台补报"),
    "case.held": ("本系统登记了该办件", "本系统没有登记该办件"),
}
_SLOT = re.compile(r"\{(\w+)(?:[!:][^{}]*)?\}")


def explained(template: str) -> str:
    """An explanation template as a sentence with its blanks named: “〔某人员〕是〔授权部门〕的…”."""
    return (
        _SLOT.sub(lambda m: f"〔{SLOTS.get(m.group(1), '…')}〕", template or "").replace("{{", "{").replace("}}", "}")
    )


def _requirement(cond) -> str:
    name, op, operand = cond.field.name, cond.op, cond.operand
    bools = BOOLS.get(name) or MORE_BOOLS.get(name)
    if bools is None and isinstance(operand, bool):
        bools = ("满足该条件", "不满足该条件")
    if bools is not None:
        yes, no = bools
        values = [operand] if op in ("eq", "ne") else list(operand) if op in ("in", "not_in") else []
        if len(values) == 1 and isinstance(values[0], bool):
            return yes if values[0] == (op in ("eq", "in")) else no
    subject = SUBJECTS.get(name, "条件")
    if op == "matches":
        return f"{subject}符合“{operand}”"
    values = [operand] if op in ("eq", "ne") else list(operand)
    shown = "或".join(f"“{show(name, v)}”" for v in values)
    return f"{subject}{'不是' if op in ('ne', 'not_in') else '为'}{shown}"


def conditions(rule: Rule) -> list[str]:
    """When the rule applies, one Chinese phrase per condition (the actions first)."""
    out = []
    if rule.when.actions is not None:
        out.append("所问行为为" + "或".join(f"“{vocab.ACTIONS.get(a, a)}”" for a in rule.when.actions))
    out += [_requirement(c) for c in rule.when.conditions]
    if rule.posts:
        out.append("授权书所列岗位为" + "或".join(f"{p}岗" for p in rule.posts))
    return out


def rule_view(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "clause": rule.clause,
        "kind": KINDS.get(rule.kind, rule.kind),
        "told": "合规报告中的说明" if rule.kind == "finding" else "对窗口的说明",
        "strength": STRENGTHS.get(rule.strength, rule.strength),
        "text": rule.text,
        "source_text": rule.source_text,
        "explain": explained(rule.explain),
        "conditions": conditions(rule),
        "grantee": GRANTEES.get(rule.grantee or "", ""),
        "severity": {"high": "高", "medium": "中", "low": "低", "info": "提示"}.get(rule.severity, rule.severity)
        if rule.kind == "finding"
        else "",
    }


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        from web.ui.common import fmt_local

        return fmt_local(value)
    return str(value)


def parameter_rows(pack: Pack) -> list[tuple[str, str]]:
    """The pack's parameters (its rulings on the plan's ambiguities) as (meaning, value) in Chinese."""
    p = pack.parameters
    rows: list[tuple[str, str]] = []
    comp = p.get("compression") or {}
    if comp:
        frac = comp.get("fraction")
        rows.append(
            (
                "承诺时限压减方式",
                f"至少压减法定时限的 {frac}"
                if comp.get("mode") == "reduce_by_at_least"
                else f"压减至法定时限的 {frac} 以内",
            )
        )
    if "ab_mode" in p:
        rows.append(("A/B岗", "B岗仅在A岗缺位时代行" if p["ab_mode"] == "backup" else str(p["ab_mode"])))
    if p.get("whole_chain_sections"):
        rows.append(("全链条进驻的功能板块", "、".join(map(str, p["whole_chain_sections"]))))
    if p.get("office_hours"):
        rows.append(("大厅办公时间（北京时间）", "、".join(f"{a}—{b}" for a, b in p["office_hours"])))
    starts = {"entry_deadline": "事项进驻期限", "limits_deadline": "时限压减期限"}
    for key, value in (p.get("rule_start_dates") or {}).items():
        rows.append((f"{starts.get(key, '带日期要求')}（自此起适用）", _when(value)))
    if "aggregate_reduction" in p:
        rows.append(("承诺时限整体压缩", f"{float(p['aggregate_reduction']) * 100:g}%"))
    simple = {
        "instant_threshold_days": ("改为即办件的承诺件时限", "个工作日以内"),
        "response_hours": ("事进人不进的响应时限", "小时"),
        "step_backdate_hours": ("办件环节最多可补记", "小时以前"),
    }
    for key, (label, unit) in simple.items():
        if key in p:
            rows.append((label, f"{p[key]} {unit}"))
    for key, label in (
        ("catch_all", "兜底表述（正则表达式）"),
        ("catch_all_patterns", "兜底表述"),
        ("head_positions", "科室负责人的职务"),
    ):
        if p.get(key):
            rows.append((label, "  ".join(map(str, p[key]))))
    return rows


RULE_KEYS = {
    "id": "编号",
    "clause": "条款",
    "strength": "强度",
    "kind": "类别",
    "text": "规则要求",
    "source_text": "方案原文",
    "explain": "对窗口的说明",
    "when": "适用条件",
    "grantee": "授权对象",
    "post": "岗位",
    "power": "权限",
    "from": "起始时间",
    "check": "检查内容",
    "subject": "检查对象",
    "severity": "严重程度",
    "params": "规则参数",
    "note": "备注",
    "title": "标题",
}
PARAMETERS = {
    "compression": "承诺时限压减方式",
    "ab_mode": "A/B岗",
    "whole_chain_sections": "全链条进驻的功能板块",
    "office_hours": "大厅办公时间",
    "rule_start_dates": "带日期要求的起始时间",
    "aggregate_reduction": "承诺时限整体压缩",
    "instant_threshold_days": "改为即办件的承诺件时限",
    "response_hours": "事进人不进的响应时限",
    "step_backdate_hours": "办件环节最多可补记的时间",
    "catch_all": "兜底表述",
    "catch_all_patterns": "兜底表述",
    "head_positions": "科室负责人的职务",
}


def _short(value: Any) -> str:
    text = "、".join(map(str, value)) if isinstance(value, list) else "未设置" if value is None else str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def change_sentences(a: Pack, b: Pack, changes) -> list[str]:
    """rules.pack.diff_packs' changes from pack `a` to pack `b`, one Chinese sentence each."""
    out = []
    pa, pb = a.files["pack.yaml"].get("parameters") or {}, b.files["pack.yaml"].get("parameters") or {}
    for c in changes:
        if c.rule == "parameters":
            out += [f"修改参数“{PARAMETERS.get(k, k)}”：{_short(pa.get(k))} → {_short(pb.get(k))}" for k in c.keys]
            continue
        rule = b.by_id.get(c.rule) or a.by_id.get(c.rule)
        what = f"（{c.clause or rule.clause}）{rule.text}" if rule is not None else c.rule
        if c.change == "added":
            out.append(f"新增规则{what}")
        elif c.change == "removed":
            out.append(f"删除规则{what}")
        else:
            out.append(f"修改规则{what}：改动{'、'.join(RULE_KEYS.get(k, k) for k in c.keys)}")
    return out
