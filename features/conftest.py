"""Step definitions for the Chinese feature files (pytest-bdd 9, `# language: zh-CN`).

Scenarios are tagged with clause ids (`@XT-3.3.3`); each tag becomes the marker
`clause("XT-3.3.3")`, which the clause-coverage test reads.
"""

from __future__ import annotations

import dataclasses

import pytest
from pytest_bdd import given, parsers, then, when

from rules import Engine, findings, load_pack, default_pack_dir
from features.steps import world as W
from features.steps.alerts import *  # noqa: F401,F403  (the steps of alerts.feature)
from features.steps.door import *  # noqa: F401,F403  (the steps of door.feature)
from features.steps.materials import *  # noqa: F401,F403  (the steps of materials.feature)

PACK = load_pack(default_pack_dir())


def pytest_configure(config):
    config.addinivalue_line("markers", "clause(id): the plan clause (docs/design.md §5) a scenario exercises")


def pytest_bdd_apply_tag(tag, function):
    if tag.startswith("XT-"):
        pytest.mark.clause(tag)(function)
        return True
    return None


@pytest.fixture
def facts():
    return W.FactsWorld(PACK)


def _engine(facts: W.FactsWorld) -> Engine:
    if facts.engine is None:
        facts.engine = Engine(facts.pack)
        facts.engine.load(facts.snapshot)
    return facts.engine


# ------------------------------------------------------------------ 假如: the world


@given(parsers.parse('规则包参数 {name} 为 "{value}"'))
def pack_parameter(facts, name, value):
    params = dict(facts.pack.parameters)
    if name == "compression":  # the one-line change between the two readings of 三分之一以上
        params[name] = {**params[name], "mode": value}
    else:
        params[name] = value
    facts.pack = dataclasses.replace(facts.pack, parameters=params)


@then(parsers.parse('规则包参数 {name} 为 "{value}" 时规则包不能通过校验，理由包含“{text}”'))
def pack_refuses_parameter(tmp_path, name, value, text):
    import re
    import shutil
    from rules import check_pack, default_pack_dir

    d = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), d)
    p = d / "pack.yaml"
    p.write_text(
        re.sub(rf"(?m)^(\s*){name}:.*$", rf"\g<1>{name}: {value}", p.read_text(encoding="utf-8")), encoding="utf-8"
    )
    errors = check_pack(str(d))
    assert errors and any(text in e.message for e in errors), errors


@given("有以下部门:")
def departments(facts, datatable):
    for r in W.rows(datatable):
        facts.add(
            "departments",
            {
                "code": r["代码"],
                "name": r.get("名称", r["代码"]),
                "kind": W.label("dept", r.get("类型"), "department"),
                "group": "city_department",
                "entry_phase": r.get("进驻批次") or "2018-12",
                "low_volume": W.yes(r.get("办件量少")),
                "placeholder": W.yes(r.get("占位")),
            },
        )


@given("有以下大厅:")
def halls(facts, datatable):
    for r in W.rows(datatable):
        facts.add(
            "halls",
            {
                "code": r["代码"],
                "name": r.get("名称", r["代码"]),
                "kind": W.label("hall", r.get("类型"), "city"),
                "host_department": r.get("主办部门"),
            },
        )


@given("有以下地点:")
def places(facts, datatable):
    for r in W.rows(datatable):
        facts.add(
            "places",
            {
                "code": r["代码"],
                "name": r.get("名称", r["代码"]),
                "kind": W.label("place", r.get("类型")),
                "hall": r.get("大厅") or None,
                "department": r.get("部门") or None,
                "function_section": r.get("功能板块") or None,
            },
        )


@given("有以下人员:")
def people(facts, datatable):
    for r in W.rows(datatable):
        pid = int(r["编号"])
        facts.people_by_name[r["姓名"]] = pid
        facts.add(
            "people",
            {
                "id": pid,
                "name": r["姓名"],
                "department": r["部门"],
                "section": int(r["科室"]) if r.get("科室") else None,
                "position": r.get("职务", ""),
            },
        )


@given("有以下科室:")
def sections(facts, datatable):
    for r in W.rows(datatable):
        head = r.get("负责人")
        facts.add(
            "sections",
            {
                "id": int(r["编号"]),
                "department": r["部门"],
                "name": r.get("名称", ""),
                "kind": W.label("section", r.get("类型"), "business"),
                "entered_whole": W.yes(r.get("成建制"), True),
                "head": facts.person(head) if head else None,
            },
        )


@given("有以下事项:")
def items(facts, datatable):
    for r in W.rows(datatable):
        fees = [
            {"code": f"F{i}", "name": n, "basis": "", "standard": ""} for i, n in enumerate(W.split(r.get("收费")), 1)
        ]
        materials = [W.material(n) for n in W.split(r.get("材料"))]
        hall = r.get("进驻大厅", "CITY")
        facts.add(
            "items",
            {
                "code": r["代码"],
                "version": 1,
                "directory_item": r["代码"],
                "name": r.get("名称", r["代码"]),
                "department": r["部门"],
                "item_type": W.label("item_type", r.get("类型"), "licensing"),
                "on_application": W.yes(r.get("依申请"), True),
                "case_type": W.label("case_type", r.get("办件类型"), "instant"),
                "report_up": W.yes(r.get("上报件")),
                "joint": bool(r.get("协办事项")) or W.yes(r.get("联办")),
                "partners": W.split(r.get("协办事项")),
                "complexity": W.label("complexity", r.get("复杂程度"), "simple"),
                "statutory_limit": W.limit(r.get("法定时限")),
                "promised_limit": W.limit(r.get("承诺时限")),
                "promised_limit_2017": W.limit(r.get("2017承诺时限")),
                "fees": fees,
                "materials": materials,
                "online_depth": W.label("depth", r.get("办理深度"), "pre_review"),
                "function_section": r.get("功能板块") or None,
                "entry": {"hall": hall} if hall and hall not in ("无", "-") else None,
                "effective_from": W.when(r.get("生效")) or W.BASE,
                "status": r.get("状态") or "published",
                "entered_from": W.when(r.get("进驻日期")),
                "filed_at": W.BASE,
            },
        )


@given("有以下功能板块:")
def function_sections(facts, datatable):
    for r in W.rows(datatable):
        facts.add(
            "function_sections",
            {
                "code": r["代码"],
                "name": r.get("名称", r["代码"]),
                "lead_department": r.get("牵头部门"),
                "whole_chain": W.yes(r.get("全链条")),
                "chain": W.split(r.get("链条")),
            },
        )


@given("有以下授权:")
def authorizations(facts, datatable):
    for r in W.rows(datatable):
        grantee = r["被授权人"]
        filed = W.when(r.get("备案时间")) or W.when(r.get("生效")) or W.BASE
        facts.add(
            "authorizations",
            {
                "id": int(r["编号"]),
                "grantor": r["授权部门"],
                "grantee": {"gov_service": True} if grantee == "政务服务部门" else {"person": facts.person(grantee)},
                "post": r.get("岗位") or None,
                "backs": int(r["替补"]) if r.get("替补") else None,
                "powers": W.powers(r.get("权限", "")),
                "items": "*" if r.get("事项", "全部") in ("全部", "") else W.split(r["事项"]),
                "valid_from": W.when(r.get("生效")) or W.BASE,
                "valid_to": W.when(r.get("失效")),
                "filed_at": filed,
                "log_index": int(r["编号"]),
                "late_filed": W.yes(r.get("补录")),
            },
        )


@given(parsers.re(r'授权 (?P<auth>\d+) 于 "(?P<at>[^"]+)" 撤销(?:，备案于 "(?P<filed>[^"]+)")?'))
@when(parsers.re(r'授权 (?P<auth>\d+) 于 "(?P<at>[^"]+)" 撤销(?:，备案于 "(?P<filed>[^"]+)")?'))
def revoke(facts, auth, at, filed):
    facts.add(
        "revocations",
        {
            "id": facts.next_id(),
            "authorization": int(auth),
            "at": W.when(at),
            "reason": "撤销",
            "filed_at": W.when(filed or at),
        },
    )


@given("有以下缺位:")
@when("登记以下缺位:")
def absences(facts, datatable):
    for r in W.rows(datatable):
        facts.add(
            "absences",
            {
                "id": facts.next_id(),
                "person": facts.person(r["人员"]),
                "from": W.when(r["开始"]),
                "to": W.when(r.get("结束")),
                "reason": r.get("事由", "公出"),
                "filed_at": W.when(r.get("备案时间")) or W.when(r["开始"]),
            },
        )


@given("有以下印章:")
def seals(facts, datatable):
    for r in W.rows(datatable):
        facts.add(
            "seals",
            {
                "code": r["代码"],
                "name": r.get("名称", r["代码"]),
                "department": r["部门"],
                "kind": W.label("seal", r.get("类型"), "approval"),
            },
        )


@given("有以下印章保管:")
def seal_custody(facts, datatable):
    for r in W.rows(datatable):
        start = W.when(r.get("开始")) or W.BASE
        facts.add(
            "seal_custody",
            {
                "id": facts.next_id(),
                "seal": r["印章"],
                "person": facts.person(r["保管人"]),
                "from": start,
                "to": W.when(r.get("结束")),
                "filed_at": start,
            },
        )


@given("有以下委托:")
def delegations(facts, datatable):
    for r in W.rows(datatable):
        start = W.when(r.get("开始")) or W.BASE
        facts.add(
            "delegations",
            {
                "id": int(r["编号"]),
                "department": r["部门"],
                "items": "*" if r.get("事项", "全部") == "全部" else W.split(r["事项"]),
                "from": start,
                "to": W.when(r.get("结束")),
                "filed_at": start,
            },
        )


@given("有以下不宜进驻申请:")
def exemptions(facts, datatable):
    for r in W.rows(datatable):
        result = {"批准": "approved", "不批准": "refused"}.get(r.get("政府决定", ""), None)
        facts.add(
            "exemptions",
            {
                "id": int(r["编号"]),
                "item": r["事项"],
                "reason": W.label("reason", r.get("理由"), "other"),
                "basis": r.get("依据", ""),
                "effective_from": W.BASE,
                "effective_to": None,
                "filed_at": W.BASE,
                "decision": {"result": result, "document_no": "潭政函〔2018〕1号", "filed_at": W.BASE}
                if result
                else None,
            },
        )


@given("有以下备案:")
def staff_filings(facts, datatable):
    for r in W.rows(datatable):
        facts.add(
            "staff_filings",
            {
                "id": facts.next_id(),
                "department": r["部门"],
                "people": [{"person": facts.person(r["人员"]), "role": W.label("role", r.get("角色"), "staff")}],
                "filed_at": W.BASE,
                "acknowledged_at": W.BASE,
            },
        )


@given("有以下收费审查:")
def fee_reviews(facts, datatable):
    for r in W.rows(datatable):
        ok = r.get("结果", "通过") == "通过"
        facts.add(
            "fee_reviews",
            {
                "id": facts.next_id(),
                "item": r["事项"],
                "fee": r.get("收费", "F1"),
                "result": "approved" if ok else "returned",
                "basis_ok": ok,
                "standard_ok": ok,
                "note": "",
                "filed_at": W.BASE,
            },
        )


@given("有以下办件:")
def cases(facts, datatable):
    for r in W.rows(datatable):
        facts.add(
            "cases",
            {
                "number": r["编号"],
                "item": r["事项"],
                "place": r.get("地点") or None,
                "accepted_at": W.when(r.get("受理时间")) or W.BASE,
                "application_key": r.get("申请标识") or None,
                "platform_record": W.yes(r.get("平台记录"), True),
                "steps": [
                    {"step": "accepted", "at": W.when(r.get("受理时间")) or W.BASE, "place": r.get("地点") or None}
                ],
            },
        )


@given(parsers.parse('"市民之家" 于 "{date}" 启用'))
def citizens_home(facts, date):
    facts.add("citizens_home_opening", {"id": 1, "date": W.when(date), "filed_at": W.BASE})


@given(parsers.parse('专业分厅 "{hall}" 经市人民政府批准保留'))
def hall_approval(facts, hall):
    facts.add(
        "hall_approvals",
        {
            "id": facts.next_id(),
            "hall": hall,
            "valid_from": W.BASE,
            "valid_to": None,
            "document_no": "潭政函",
            "filed_at": W.BASE,
        },
    )


@given(parsers.parse('审改部门对规则 "{rule}" 就 "{subject}" 记录了例外'))
def exception(facts, rule, subject):
    facts.add(
        "exceptions",
        {
            "id": facts.next_id(),
            "rule": rule,
            "subject": subject,
            "reason": "经审改部门同意",
            "until": None,
            "filed_at": W.BASE,
        },
    )


# ------------------------------------------------------------------ 当: questions

ASK = (
    r'"(?P<person>[^"]+)" 于 "(?P<at>[^"]+)"(?: 在 "(?P<place>[^"]+)")?(?: 用印章 "(?P<seal>[^"]+)")?'
    r'(?: 就办件 "(?P<case>[^"]+)")? 对事项 "(?P<item>[^"]+)" 请求 "(?P<act>[^"]+)"'
    r'(?:，按 "(?P<known>[^"]+)" 所知)?'
)


@when(parsers.re(ASK))
def ask(facts, person, at, place, seal, case, item, act, known):
    engine = _engine(facts)
    facts.answer = engine.decide(
        facts.person(person),
        W.action(act),
        item,
        at=W.when(at),
        known_at=W.when(known) if known else None,
        place=place,
        seal=seal,
        case=case,
    )


@when(parsers.parse('在 "{at}" 做合规检查'))
def run_findings(facts, at):
    facts.found = findings(facts.pack, facts.snapshot, at=W.when(at))


@when(parsers.parse('不提供工作日历，在 "{at}" 做合规检查'))
def run_findings_no_calendar(facts, at):
    facts.found = findings(facts.pack, facts.snapshot, at=W.when(at))


@when(parsers.parse('按每周五个工作日的日历，在 "{at}" 做合规检查'))
def run_findings_calendar(facts, at):
    from datetime import timedelta

    def working_days_between(start, end):
        n, d = 0, start
        while d < end:
            n += d.weekday() < 5
            d += timedelta(days=1)
        return n

    facts.found = findings(facts.pack, facts.snapshot, at=W.when(at), working_days_between=working_days_between)


# ------------------------------------------------------------------ 那么: answers


@then(parsers.parse('结果为 "{kind}"'))
def result_is(facts, kind):
    assert facts.answer["kind"] == W.KIND_LABELS.get(kind, kind), (facts.answer["why_not"], facts.answer["reasons"])
    assert facts.answer["allowed"] is (facts.answer["kind"] == "allow")


@then(parsers.parse('依据规则 "{rule}"'))
def reason_rule(facts, rule):
    assert rule in [r["rule"] for r in facts.answer["reasons"]], facts.answer


@then(parsers.parse('触发禁止规则 "{rule}"'))
def prohibition_fired(facts, rule):
    assert facts.answer["kind"] == "forbidden", facts.answer
    assert rule in [r["rule"] for r in facts.answer["reasons"]], facts.answer


@then(parsers.parse('最接近的授予规则是 "{rule}"'))
def nearest_rule(facts, rule):
    assert facts.answer["why_not"] and facts.answer["why_not"]["rule"] == rule, facts.answer


@then(parsers.parse('未满足的条件包含 "{text}"'))
def failed_contains(facts, text):
    assert facts.answer["why_not"] and text in facts.answer["why_not"]["failed"], facts.answer


@then(parsers.parse('说明包含 "{text}"'))
def detail_contains(facts, text):
    assert any(text in r["detail"] for r in facts.answer["reasons"]), facts.answer


@then(parsers.parse('代行A岗 "{name}"'))
def acting_for(facts, name):
    assert facts.answer["acting_for"] == facts.person(name), facts.answer


@then("不是代行")
def not_acting(facts):
    assert facts.answer["acting_for"] is None, facts.answer


@then(parsers.parse("所依据的授权是 {auth:d}"))
def relied_on(facts, auth):
    assert facts.answer["authorization"] and facts.answer["authorization"]["id"] == auth, facts.answer


@then(parsers.parse('未核对 "{what}"'))
def unchecked(facts, what):
    assert what in facts.answer["unchecked"], facts.answer


@then(parsers.parse('有发现 "{rule}" 针对 "{subject}"'))
def has_finding(facts, rule, subject):
    assert any(f["rule"] == rule and f["subject"] == subject for f in facts.found), [
        (f["rule"], f["subject"]) for f in facts.found
    ]


@then(parsers.parse('没有发现 "{rule}" 针对 "{subject}"'))
def no_finding_for(facts, rule, subject):
    assert not any(f["rule"] == rule and f["subject"] == subject for f in facts.found), [
        (f["rule"], f["subject"], f["text"]) for f in facts.found if f["rule"] == rule
    ]


@then(parsers.parse('没有发现 "{rule}"'))
def no_finding(facts, rule):
    assert not any(f["rule"] == rule for f in facts.found), [f["text"] for f in facts.found if f["rule"] == rule]


@then(parsers.parse('发现 "{rule}" 的说明包含 "{text}"'))
def finding_text(facts, rule, text):
    texts = [f["text"] for f in facts.found if f["rule"] == rule]
    assert any(text in t for t in texts), texts


# ------------------------------------------------------------------ gaps (rules.analysis)


@when(parsers.parse('在 "{at}" 查找无人可行使的权限'))
def find_gaps(facts, at):
    from rules.analysis import gaps

    facts.gaps = gaps(facts.pack, facts.snapshot, at=W.when(at))


def _gap(facts, kind, subject):
    found = [g for g in facts.gaps if g["kind"] == kind and g["subject"] == subject]
    return found[0] if found else None


@then(parsers.parse('有缺口 "{kind}" 针对 "{subject}"'))
def has_gap(facts, kind, subject):
    assert _gap(facts, kind, subject), [(g["kind"], g["subject"]) for g in facts.gaps]


@then(parsers.parse('没有缺口 "{kind}" 针对 "{subject}"'))
def no_gap(facts, kind, subject):
    assert not _gap(facts, kind, subject), _gap(facts, kind, subject)


@then(parsers.parse('缺口 "{kind}" 针对 "{subject}" 的条款是 "{clause}"，依据规则 "{rule}"'))
def gap_clause(facts, kind, subject, clause, rule):
    g = _gap(facts, kind, subject)
    assert g and g["clause"] == clause and g["rule"] == rule, g


@then(parsers.parse('缺口 "{kind}" 针对 "{subject}" 的说明包含 "{text}"'))
def gap_text(facts, kind, subject, text):
    g = _gap(facts, kind, subject)
    assert g and text in g["text"], g
