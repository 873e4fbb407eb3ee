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
from features.steps.tables import *  # noqa: F401,F403  (the tables of the facts world)

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
