"""Pack self-checks: a pack proves itself on its own scenarios before it may serve."""

import shutil

import pytest

from rules import check_pack, default_pack_dir, load_pack
from rules.selfcheck import compare, run_self_checks
from tests.factories.pack_files import edit as _edit, line_of as _line_of


def test_the_shipped_pack_passes_its_self_checks():
    pack = load_pack(default_pack_dir())
    scenarios = pack.scenarios["scenarios"]
    assert 20 <= len(scenarios) <= 40
    assert run_self_checks(pack) == []


def test_the_scenarios_cover_every_power_and_the_ab_seal_and_time_rules():
    pack = load_pack(default_pack_dir())
    scenarios = pack.scenarios["scenarios"]
    from rules.schema import ACTIONS

    assert {s["ask"]["action"] for s in scenarios} == set(ACTIONS)
    rules = {s["expect"].get("rule") for s in scenarios}
    assert {
        "seal.custodian_uses",
        "seal.not_in_internal_office",
        "seal.licensing_needs_approval_seal",
        "seal.of_item_department",
        "place.no_internal_office_handling",
        "sections.one_window_own_section",
        "grant.outside_validity",
        "grant.outside_scope",
    } <= rules
    assert any(s["expect"].get("acting_for") for s in scenarios)  # B acts for A
    assert any("known_at" in s["ask"] for s in scenarios)  # time travel as known then


def test_a_pack_whose_decide_no_longer_requires_simple_complexity_fails(pack_dir):
    p = pack_dir / "powers.yaml"
    _edit(
        p,
        "      item.case_type: [commitment]\n      item.complexity: [simple]\n",
        "      item.case_type: [commitment]\n",
    )
    assert check_pack(pack_dir) == []  # still valid YAML and rules: only the scenarios catch it
    failures = run_self_checks(load_pack(pack_dir))
    assert len(failures) == 1, failures
    line = failures[0]
    assert "复杂承诺件不在一般事项决定权之内" in line
    assert "期望结果为“未获授权”，实际为“允许”" in line and "(allow)" not in line
    assert (
        "（XT-3.3.3，编号「chief_rep.decide.simple_commitment」）" in line
    )  # the rule by its words, clause and the id in the file


def test_a_failing_scenario_names_what_differed(pack_dir):
    p = pack_dir / "scenarios.yaml"
    _edit(
        p,
        "rule: chief_rep.decide.instant, authorization: 21, acting_for: 5}",
        "rule: chief_rep.decide.instant, authorization: 20, acting_for: null}",
    )
    failures = run_self_checks(load_pack(pack_dir))
    assert len(failures) == 1
    assert "A岗授权撤销(空缺)后B岗代行" in failures[0]
    assert "期望不是代行，实际代行A岗钱七（人员5）" in failures[0]
    assert "期望依据第 20 号授权书，实际依据第 21 号授权书" in failures[0]


def test_a_pack_without_scenarios_passes_trivially(pack_dir):
    (pack_dir / "scenarios.yaml").unlink()
    pack = load_pack(pack_dir)
    assert pack.scenarios is None and run_self_checks(pack) == []


@pytest.mark.parametrize(
    "old,new,needle,words",
    [
        ("    ask: {person: 3, action: consult,", "    ask: {person: 3, action: consultt,", "consultt", "consultt"),
        (
            "rule: gov_service.front_desk, authorization: 12}",
            "rule: gov_service.frontdesk, authorization: 12}",
            "gov_service.frontdesk",
            "不存在的规则",
        ),
        (
            "expect: {allowed: true, kind: allow, rule: chief_rep.decide_complex",
            "expect: {allowed: true, kind: allowed, rule: chief_rep.decide_complex",
            "kind: allowed",
            "expect.kind",
        ),
        (
            "    ask: {person: 1, action: urge, item: I2,",
            "    ask: {person: 99, action: urge, item: I2,",
            "person: 99",
            "不在 world.people 中",
        ),
        (
            "    clause: XT-3.5\n    ask: {person: 3, action: accept, item: G1, place: ZH-SS",
            "    clause: XT-9.9\n    ask: {person: 3, action: accept, item: G1, place: ZH-SS",
            "XT-9.9",
            "XT-9.9",
        ),
        (
            "  - name: 上报件的上(转)报\n    clause: XT-3.3.3\n",
            "  - name: 上报件的上(转)报\n    clause: XT-3.3.3\n    expected: 1\n",
            "expected: 1",
            "未知的键 'expected'",
        ),
        ("  seals:\n", "  seal:\n", "  seal:", "未知的事实类别 'seal'"),
    ],
)
def test_the_shape_of_scenarios_is_checked_with_file_and_line(pack_dir, old, new, needle, words):
    p = pack_dir / "scenarios.yaml"
    _edit(p, old, new)
    errs = check_pack(pack_dir)
    assert errs, "expected a problem"
    assert all(e.file == "scenarios.yaml" for e in errs), errs
    assert any(e.line == _line_of(p, needle) and words in e.message for e in errs), errs


def test_duplicate_scenario_names_and_missing_expect(pack_dir):
    p = pack_dir / "scenarios.yaml"
    _edit(p, "  - name: 非联办件不会签\n", "  - name: 联办件的联合审批会签\n")
    errs = check_pack(pack_dir)
    lines = [
        i for i, t in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "name: 联办件的联合审批会签" in t
    ]
    assert [(e.line, "重复" in e.message) for e in errs] == [(lines[1], True)]
    shutil.copy(default_pack_dir() + "/scenarios.yaml", p)
    _edit(p, "    expect: {allowed: true, kind: allow, rule: chief_rep.report_up.flagged}\n", "")
    errs = check_pack(pack_dir)
    assert [e.message for e in errs] == ["自检场景需要 expect：至少写明 kind"]


def test_unknown_keys_in_ask_and_expect_are_named(pack_dir):
    p = pack_dir / "scenarios.yaml"
    _edit(p, "ask: {person: 3, action: consult, item: I3,", "ask: {persn: 1, person: 3, action: consult, item: I3,")
    _edit(
        p,
        "expect: {allowed: true, kind: allow, rule: gov_service.front_desk, authorization: 12}",
        "expect: {allowd: true, allowed: true, kind: allow, rule: gov_service.front_desk, authorization: 12}",
    )
    messages = [e.message for e in check_pack(pack_dir)]
    assert any(m.startswith("ask 中未知的键 'persn'") for m in messages), messages
    assert any(m.startswith("expect 中未知的键 'allowd'") for m in messages), messages


def test_compare_reports_in_chinese():
    answer = {
        "allowed": True,
        "kind": "allow",
        "reasons": [{"rule": "r1", "detail": "甲"}],
        "why_not": None,
        "authorization": {"id": 3, "log_index": 3},
        "acting_for": None,
        "unchecked": ["place"],
    }
    assert (
        compare({"kind": "allow", "rule": "r1", "authorization": 3, "detail": "甲", "unchecked": ["place"]}, answer)
        == []
    )
    diffs = compare({"kind": "forbidden", "rule": "r2", "failed": "x"}, answer)
    assert diffs[0].startswith("期望结果为“禁止”，实际为“允许”")
    assert "期望依据规则「r2」，实际依据规则「r1」" in diffs
