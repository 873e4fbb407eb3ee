"""Analysis: gaps (powers nobody holds), what-if absences, and the decision effect of a pack change.

The facts are the pack's own self-check world (rules/packs/xiangtan-2018/scenarios.yaml): 市发改委
with A岗张三 (minimum + 复杂事项审批决定), B岗李四 and 赵六 (one item); 市工商局 with A岗钱七
(revoked 2019-05-01) and B岗孙八; seals kept by 张三 and 钱七.
"""

import copy
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from rules import Engine, default_pack_dir, load_pack
from rules.analysis import gaps, what_if
from rules.effect import decision_effect

PACK = load_pack(default_pack_dir())
BJ = timezone(timedelta(hours=8))


def bj(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=BJ)


def world() -> dict:
    return copy.deepcopy(PACK.scenarios["world"])


def _by(found):
    return {(g["kind"], g["subject"]): g for g in found}


def test_gaps_of_the_self_check_world():
    found = gaps(PACK, world(), at=bj(2019, 3, 1))
    # only 企业合并登记 (complex) lacks a decider: 市工商局 never granted 复杂事项审批决定
    assert list(_by(found)) == [("no_decider", "item:G2")]
    g = found[0]
    assert g["clause"] == "XT-3.3.3" and g["rule"] == "chief_rep.decide_complex" and g["action"] == "decide_complex"
    assert g["department"] == "GSJ" and "企业合并登记" in g["text"] and "复杂事项审批决定权" in g["text"]


def test_gaps_follow_absences_revocations_and_custody():
    snap = world()
    snap["absences"].append(
        {
            "id": 41,
            "person": 6,
            "from": bj(2019, 5, 2, 0),
            "to": bj(2019, 5, 9, 0),
            "reason": "病假",
            "filed_at": bj(2019, 5, 1, 0),
        }
    )
    snap["revocations"].append(
        {"id": 31, "authorization": 11, "at": bj(2019, 3, 11, 0), "reason": "调岗", "filed_at": bj(2019, 3, 11, 0)}
    )
    snap["seals"].append({"code": "S4", "name": "市工商局业务专用章", "department": "GSJ", "kind": "business"})
    # 2019-03-12: 张三 is absent and his B post 李四 was revoked: 市发改委 has nobody for most things
    found = _by(gaps(PACK, snap, at=bj(2019, 3, 12)))
    assert ("no_decider", "item:I2") in found and ("no_decider", "item:I3") in found
    assert ("no_decider", "item:I1") not in found  # 赵六 still decides 企业投资项目备案
    assert found[("no_fee_executor", "item:I4")]["rule"] == "chief_rep.execute_fee"
    seal = found[("seal_no_custodian", "seal:S4")]
    assert seal["clause"] == "XT-3.3.3" and "没有在任的保管人" in seal["text"]
    # 2019-05-02: 钱七 revoked, 孙八 absent: nobody in 市工商局 countersigns for 重大项目联合审批
    found = _by(gaps(PACK, snap, at=bj(2019, 5, 2)))
    cs = found[("no_countersign_holder", "item:I5/department:GSJ")]
    assert cs["partner"] == "G1" and "市工商局" in cs["text"] and cs["rule"] == "chief_rep.countersign"
    assert ("no_decider", "item:G1") in found


def test_what_if_an_a_post_is_absent():
    snap = world()
    r = what_if(PACK, snap, {"person": 1, "from": bj(2019, 3, 20, 0), "to": bj(2019, 3, 25, 0)})
    rows = {x["item"]: x for x in r["items"]}
    assert [d["person"] for d in rows["I3"]["before"]] == [1]
    assert [(d["person"], d["acting_for"]) for d in rows["I3"]["after"]] == [(2, 1)]  # B岗李四代行
    assert rows["I2"]["before"] and not rows["I2"]["after"]  # nobody else holds 复杂事项审批决定
    assert r["newly_nobody"] == ["I2"] and r["nobody"] == ["I2"]
    assert {d["person"] for d in rows["I1"]["after"]} == {2, 4}
    # another department's items cannot change: they are counted, not re-decided (G2 is a gap anyway)
    assert "G1" not in rows and "G2" not in rows and r["unaffected_items"] >= 2
    assert rows["I3"]["changed"]
    assert r["absence"]["name"] == "张三" and r["ms"] >= 0  # its own timing is reported, not judged here


def test_what_if_on_a_live_engine_leaves_it_untouched():
    snap = world()
    engine = Engine(PACK)
    engine.load(snap)
    at = bj(2019, 3, 21)
    r = what_if(
        PACK,
        snap,
        {"person": 1, "from": bj(2019, 3, 20, 0), "to": bj(2019, 3, 25, 0)},
        items=["I2", "I3"],
        engine=engine,
    )
    assert [x["item"] for x in r["items"]] == ["I2", "I3"] and r["newly_nobody"] == ["I2"]
    assert engine.decide(1, "decide", "I3", at=at)["allowed"]  # the hypothesis stayed in the fork
    assert not engine.decide(2, "decide", "I3", at=at)["allowed"]


def test_fork_takes_cancellations_only():
    engine = Engine(PACK)
    engine.load(world())
    fork = engine.fork()
    fork.apply(
        {
            "kind": "revocation",
            "op": "upsert",
            "record": {"id": 99, "authorization": 10, "at": bj(2019, 3, 1, 0), "filed_at": bj(2019, 3, 1, 0)},
        }
    )
    assert fork.decide(1, "decide", "I1", at=bj(2019, 3, 2))["kind"] == "forbidden"
    assert engine.decide(1, "decide", "I1", at=bj(2019, 3, 2))["allowed"]
    with pytest.raises(ValueError):
        fork.apply({"kind": "person", "op": "upsert", "record": {"id": 77, "name": "新", "department": "FGW"}})


def test_what_if_over_a_registry_of_demo_size_answers_the_affected_department():
    snap = _demo_sized()
    engine = Engine(PACK)
    engine.load(snap)
    absent = {x["person"] for x in snap["absences"]}
    a = next(
        x
        for x in snap["authorizations"]
        if x.get("post") == "A" and x["valid_to"] is None and x["grantee"]["person"] not in absent
    )
    r = what_if(
        PACK,
        snap,
        {"person": a["grantee"]["person"], "from": bj(2019, 6, 3, 0), "to": bj(2019, 6, 6, 0)},
        engine=engine,
    )
    # every entered item is either answered (its department can change) or counted as unaffected;
    # how fast is measured by bench.compliance, not asserted here
    assert r["items"] and r["changed"]
    assert {x["department"] for x in r["items"]} <= {a["grantor"]}
    assert len(r["items"]) + r["unaffected_items"] >= 200


def _demo_sized() -> dict:
    """About the demo registry's size: 40 departments, 230 items, 110 authorizations."""
    from bench import workload as W

    snap = W.build(110)
    snap["items"] = snap["items"][:230]
    return snap


def test_decision_effect_of_a_pack_change(tmp_path):
    d = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), d)
    p = d / "powers.yaml"
    text = p.read_text(encoding="utf-8")
    old = "      item.case_type: [commitment]\n      item.complexity: [simple]\n"
    assert old in text
    p.write_text(text.replace(old, "      item.case_type: [commitment]\n", 1), encoding="utf-8")
    looser = load_pack(d)
    snap = world()
    at = bj(2019, 3, 1)
    assert decision_effect(PACK, PACK, snap, at=at) == []
    changes = decision_effect(PACK, looser, snap, at=at)
    assert changes, "dropping the simple-complexity condition must change decisions"
    assert all(c["action"] == "decide" and c["after"]["allowed"] and not c["before"]["allowed"] for c in changes)
    assert {(c["person"], c["item"]) for c in changes} == {(1, "I2"), (5, "G2")}
    c = next(c for c in changes if c["person"] == 1)
    assert c["after"]["rule"] == "chief_rep.decide.simple_commitment"
    assert c["text"] == "张三对“企业投资项目核准”（I2）审批决定：未获授权 → 允许（chief_rep.decide.simple_commitment）"
    # explicit requests are compared as given
    only = decision_effect(
        PACK,
        looser,
        snap,
        requests=[{"person": 1, "action": "decide", "item": "I2"}, {"person": 1, "action": "decide", "item": "I1"}],
        at=at,
    )
    assert [(c["person"], c["item"]) for c in only] == [(1, "I2")]
