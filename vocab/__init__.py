"""onehall's vocabulary, written once: enum codes with their Chinese labels, the minimum grants,
the decision-id format (:mod:`vocab.ids`) and the hall's clock (:mod:`vocab.clock`).

Every layer reads it (rules, registry, application, web, the feature steps); it imports nothing
of ours, so no layer contract has to bend for it (pyproject.toml, import-linter).
Codes are English and stored; labels are what people read. The API accepts either
(:func:`to_code`), so a clerk may type 行政许可 where a client sends ``licensing``.
"""

from __future__ import annotations

DEPARTMENT_GROUPS = {
    "city_department": "市政府工作部门",
    "other_unit": "市直其他单位",
    "vertical": "垂直管理单位",
    "enterprise": "企事业单位",
    "body": "市级机构",
}
DEPARTMENT_KINDS = {
    "department": "部门",
    "gov_service": "政务服务部门",
    "government": "市人民政府",
    "reform_office": "审改部门",
    "drc": "发改部门",
}
ENTRY_PHASES = {"2018-12": "2018年12月底前进驻", "citizens_home": "市民之家启用后进驻"}
# main_business / other (docs/design.md §12.2): the A post's eligibility reads the kind and the head;
# "business" (业务科室) stays for sections filed before the distinction, read as a main business section
SECTION_KINDS = {
    "approval_service": "审批服务科室",
    "main_business": "主要业务科室",
    "other": "其他科室",
    "business": "业务科室",
}
HALL_KINDS = {"city": "市本级政务大厅", "sub": "专业分厅"}
PLACE_KINDS = {
    "comprehensive_window": "综合受理窗口",
    "department_window": "部门窗口",
    "internal_office": "内部科室",
    "platform": "一体化平台",
}
ITEM_TYPES = {
    "licensing": "行政许可",
    "penalty": "行政处罚",
    "coercion": "行政强制",
    "levy": "行政征收",
    "payment": "行政给付",
    "inspection": "行政检查",
    "confirmation": "行政确认",
    "reward": "行政奖励",
    "adjudication": "行政裁决",
    "other_power": "其他行政权力",
    "public_service": "公共服务",
}
CASE_TYPES = {"instant": "即办件", "commitment": "承诺件", "report_up": "上报件"}
COMPLEXITY = {"simple": "简单事项", "complex": "复杂事项"}
LIMIT_UNITS = {"working_day": "工作日", "calendar_day": "自然日", "month": "个月", "hour": "小时"}
ONLINE_DEPTHS = {
    "on_site": "现场办理",
    "pre_review": "原件预审",
    "verify_original": "原件核验",
    "full_online": "全程网办",
}
ITEM_STATUSES = {"filed": "待审核", "published": "已发布", "returned": "已退回"}
DECISION_KINDS = {"allow": "允许", "forbidden": "禁止", "not_granted": "未获授权"}
POSTS = {"A": "A岗", "B": "B岗"}
ACTIONS = {
    "consult": "咨询",
    "receive": "接件",
    "accept": "受理",
    "issue": "出件",
    "decide": "审批决定",
    "decide_complex": "复杂事项审批决定",
    "coordinate": "组织协调",
    "urge": "催办督办代办",
    "report_up": "上(转)报",
    "countersign": "联合审批会签",
    "execute_fee": "收费执行",
    "use_seal": "用印",
}
# Acts on a case that no authorization grants: who may do them follows from the place and the
# person's section (帮办代办: a comprehensive window, XT-3.5, or the approval service section, XT-3.2;
# rules.agency). POST /decisions answers them beside ACTIONS; they are never a power of a grant.
CASE_ACTIONS = {"agency": "帮办代办"}
DECISION_ACTIONS = {**ACTIONS, **CASE_ACTIONS}
# What a window does (docs/design.md §4); also the government service department's minimum grant (XT-3.3.3).
WINDOW_ACTIONS = ("consult", "receive", "accept", "issue")
# The powers a chief representative must hold at the least (XT-3.3.3).
CHIEF_REP_MINIMUM = ("decide", "coordinate", "urge", "report_up", "countersign", "execute_fee", "use_seal")
GOV_SERVICE_MINIMUM = WINDOW_ACTIONS
EXEMPTION_REASONS = {"law": "法律法规明文规定", "venue": "场地条件限制", "other": "其他特殊情况"}
SEAL_KINDS = {"approval": "行政审批专用章", "business": "业务专用章"}
STAFF_ROLES = {"chief_representative": "首席代表", "staff": "进驻人员"}
# The bodies that hold a role are department kinds (docs/design.md §1), named as such; then the roles of users.
ROLES = {
    **{kind: DEPARTMENT_KINDS[kind] for kind in ("reform_office", "government", "gov_service", "drc", "department")},
    "window": "窗口",
    "auditor": "电子监察",
    "platform": "一体化平台",
}
ENTRY_PLAN_STATES = {
    "drafted": "已起草",
    "fees_reviewed": "收费已审查",
    "chain_confirmed": "全链条已确认",
    "aggregated": "已汇总",
    "approved": "已审定",
    "entered": "已完成进驻",
    "returned": "已退回",
}
CASE_STEPS = {
    "received": "接件",
    "accepted": "受理",
    "taken_up": "承办",
    "decided": "审批决定",
    "sealed": "用印",
    "issued": "出件",
    "returned": "退件",
    "agency": CASE_ACTIONS["agency"],  # a comprehensive window or the approval section acts for the applicant
}

VOCABULARIES: dict[str, dict[str, str]] = {
    "group": DEPARTMENT_GROUPS,
    "entry_phase": ENTRY_PHASES,
    "section_kind": SECTION_KINDS,
    "hall_kind": HALL_KINDS,
    "place_kind": PLACE_KINDS,
    "item_type": ITEM_TYPES,
    "case_type": CASE_TYPES,
    "complexity": COMPLEXITY,
    "unit": LIMIT_UNITS,
    "online_depth": ONLINE_DEPTHS,
    "post": POSTS,
    "action": DECISION_ACTIONS,
    "exemption_reason": EXEMPTION_REASONS,
    "seal_kind": SEAL_KINDS,
    "role": ROLES,
    "staff_role": STAFF_ROLES,
    "case_step": CASE_STEPS,
}


def to_code(vocabulary: dict[str, str], value: str) -> str:
    """Return the code for a code or its Chinese label; raise ValueError otherwise."""
    if value in vocabulary:
        return value
    for code, label in vocabulary.items():
        if label == value:
            return code
    allowed = "、".join(f"{c}（{l}）" for c, l in vocabulary.items())
    raise ValueError(f"未知取值“{value}”，可选：{allowed}")


# A code (department, item, place, seal, fee, material …): what the API accepts (web.api.types.Code)
# and the catalog import checks (registry.catalog_io), one pattern for both.
CODE_PATTERN = r"^[A-Za-z0-9_.\-]+$"
CODE_MAX = 64
