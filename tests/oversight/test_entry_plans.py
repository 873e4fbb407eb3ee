"""Entry plans (XT-4.1–XT-4.3): drafted → fees_reviewed (drc) → chain_confirmed (section lead)
→ aggregated (reform office) → approved (government) → entered (gov_service); returns with
reasons and resubmission; wrong role 403, wrong state 409; every step a signed record."""

from __future__ import annotations

import json

import pytest

from registry import models as m
from registry.errors import Conflict
from registry.inputs.filings import FunctionSectionIn
from registry.services import catalog
from registry.services import entry_plans as plans
from registry.services.context import SYSTEM
from tests.factories import api
from tests.factories.world import bearer

FEE = {"code": "F1", "name": "项目评审费", "basis": "湘发改价费〔2018〕1号", "standard": "每件200元"}
ITEM_1 = {**api.ITEM, "name": "企业投资项目核准", "item_type": "行政许可", "case_type": "commitment", "fees": [FEE]}
ITEM_2 = {**ITEM_1, "code": "FGW-002", "name": "企业投资项目备案", "fees": [], "case_type": "instant"}


def setup_catalog(client, world, rt, sections=(("TZXM", "投资项目", "ZJ", ["FGW-001"]),)):
    for item in (ITEM_1, ITEM_2):
        assert client.post("/api/v1/items", json=item, headers=bearer(world["tokens"]["fgw"])).status_code == 201
        assert (
            client.post(
                f"/api/v1/items/{item['code']}/review",
                json={"result": "approved"},
                headers=bearer(world["tokens"]["sgb"]),
            ).status_code
            == 201
        )
    with rt.filing(SYSTEM) as ctx:
        for code, name, lead, chain in sections:
            catalog.create_function_section(
                ctx, FunctionSectionIn(code=code, name=name, lead_department=lead, whole_chain=True, chain=chain)
            )


def plan_body(world, **over):
    p = world["people"]
    return {
        "items": ["FGW-001", "FGW-002"],
        "fee_items": [{"item": "FGW-001", "fee": "F1"}],
        "chief_representatives": {"A": p["a"], "B": p["b"]},
        "staff": [p["s"]],
        **over,
    }


def step(client, world, token, plan_id, name, **extra):
    return client.post(
        f"/api/v1/entry-plans/{plan_id}/steps", json={"step": name, **extra}, headers=bearer(world["tokens"][token])
    )


def ok(r, state):
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["plan"]["state"] == state
    return r.get_json()


def test_transition_table_is_pure():
    assert plans.transition("drafted", "fees_reviewed") == ("fees_reviewed", "drc")
    assert plans.transition("fees_reviewed", "chain_confirmed") == ("chain_confirmed", "section_lead")
    assert plans.transition("chain_confirmed", "aggregated") == ("aggregated", "reform_office")
    assert plans.transition("aggregated", "approved") == ("approved", "government")
    assert plans.transition("approved", "entered") == ("entered", "gov_service")
    assert plans.transition("aggregated", "returned") == ("returned", "government")
    assert plans.transition("returned", "resubmitted") == ("drafted", "own_department")
    for state, bad in [
        ("drafted", "approved"),
        ("entered", "returned"),
        ("returned", "fees_reviewed"),
        ("drafted", "resubmitted"),
        ("approved", "aggregated"),
    ]:
        with pytest.raises(Conflict) as exc:
            plans.transition(state, bad)
        assert exc.value.status == 409 and "进驻方案当前" in exc.value.detail


def test_a_plan_walks_every_step_by_the_right_body_with_a_return_on_the_way(client, world, rt):
    setup_catalog(client, world, rt)
    fgw = bearer(world["tokens"]["fgw"])

    # content (XT-4.1): every fee of the listed items is listed; A and B posts named
    r = client.post("/api/v1/entry-plans", json=plan_body(world, fee_items=[]), headers=fgw)
    assert r.status_code == 422 and "fee_items" in {e["field"] for e in r.get_json()["errors"]}
    r = client.post("/api/v1/entry-plans", json={**plan_body(world), "chief_representatives": {"A": 1}}, headers=fgw)
    assert r.status_code == 422 and "chief_representatives.B" in {e["field"] for e in r.get_json()["errors"]}
    assert (
        client.post("/api/v1/entry-plans", json={**plan_body(world), "department": "GA"}, headers=fgw).status_code
        == 403
    )
    r = client.post("/api/v1/entry-plans", json=plan_body(world), headers=fgw)
    assert r.status_code == 201, r.get_json()
    plan = r.get_json()
    pid = plan["id"]
    assert plan["state"] == "drafted" and plan["waiting_for"]["bodies"] == ["drc"]
    assert "发改部门" in plan["waiting_for"]["text"]
    assert client.post("/api/v1/entry-plans", json=plan_body(world), headers=fgw).status_code == 409

    # wrong role: 403; wrong state: 409; each with a Chinese message
    r = step(client, world, "zwfw", pid, "fees_reviewed")
    assert r.status_code == 403 and "发改部门" in r.get_json()["detail"]
    r = step(client, world, "sgb", pid, "aggregated")
    assert r.status_code == 409 and "已起草" in r.get_json()["detail"]
    assert step(client, world, "win", pid, "fees_reviewed").status_code == 403
    # the DRC moves it on only once the fee items passed its review (XT-4.2)
    r = step(client, world, "drc", pid, "fees_reviewed")
    assert r.status_code == 409 and "FGW-001/F1" in r.get_json()["detail"]
    r = client.post(
        "/api/v1/fees/FGW-001/review",
        json={"fee": "F1", "result": "approved", "basis_ok": True, "standard_ok": True},
        headers=bearer(world["tokens"]["drc"]),
    )
    assert r.status_code == 201, r.get_json()
    out = ok(step(client, world, "drc", pid, "fees_reviewed"), "fees_reviewed")
    waiting = out["plan"]["waiting_for"]
    assert waiting["bodies"] == ["dept:ZJ"] and "市住建局" in waiting["text"] and "投资项目" in waiting["text"]

    # 卡在哪一步、等谁: the lead department sees the plan waiting for it; another does not
    listed = client.get("/api/v1/entry-plans?waiting_for=me", headers=bearer(world["tokens"]["zj"])).get_json()
    assert [p["id"] for p in listed["items"]] == [pid]
    assert client.get("/api/v1/entry-plans", headers=bearer(world["tokens"]["ga"])).get_json()["items"] == []
    assert client.get(f"/api/v1/entry-plans/{pid}", headers=bearer(world["tokens"]["ga"])).status_code == 403

    # only the section's lead department confirms the chain
    assert step(client, world, "fgw", pid, "chain_confirmed").status_code == 403
    assert step(client, world, "zwfw", pid, "chain_confirmed").status_code == 403
    ok(step(client, world, "zj", pid, "chain_confirmed"), "chain_confirmed")
    ok(step(client, world, "sgb", pid, "aggregated"), "aggregated")

    # the government returns it with reasons; the department resubmits with a change
    assert step(client, world, "zf", pid, "returned").status_code == 422
    assert step(client, world, "drc", pid, "returned", reasons=["x"]).status_code == 403  # not the DRC's turn
    out = ok(step(client, world, "zf", pid, "returned", reasons=["工作人员名单不全"]), "returned")
    assert out["plan"]["returned_reasons"] == ["工作人员名单不全"]
    assert out["plan"]["waiting_for"]["bodies"] == ["dept:FGW"]
    assert step(client, world, "zj", pid, "resubmitted").status_code == 403
    staff = [world["people"]["s"], world["people"]["b"]]
    new_content = dict(plan_body(world, staff=staff).items())
    ok(step(client, world, "fgw", pid, "resubmitted", content=new_content), "drafted")

    # and round again to the end
    ok(step(client, world, "drc", pid, "fees_reviewed"), "fees_reviewed")
    ok(step(client, world, "zj", pid, "chain_confirmed"), "chain_confirmed")
    ok(step(client, world, "sgb", pid, "aggregated"), "aggregated")
    ok(step(client, world, "zf", pid, "approved"), "approved")
    r = step(client, world, "sgb", pid, "entered")
    assert r.status_code == 403 and "政务服务部门" in r.get_json()["detail"]
    out = ok(step(client, world, "zwfw", pid, "entered"), "entered")
    assert out["plan"]["waiting_for"] is None
    assert step(client, world, "zwfw", pid, "returned", reasons=["x"]).status_code == 409

    detail = client.get(f"/api/v1/entry-plans/{pid}", headers=fgw).get_json()
    assert detail["content"]["staff"] == staff
    assert [(s["step"], s["by"]) for s in detail["steps"]] == [
        ("drafted", "dept:FGW"),
        ("fees_reviewed", "drc"),
        ("chain_confirmed", "dept:ZJ"),
        ("aggregated", "reform_office"),
        ("returned", "government"),
        ("resubmitted", "dept:FGW"),
        ("fees_reviewed", "drc"),
        ("chain_confirmed", "dept:ZJ"),
        ("aggregated", "reform_office"),
        ("approved", "government"),
        ("entered", "gov_service"),
    ]
    # each step is a signed record in the log, signed by the body that took it
    with rt.reading() as session:
        for s in detail["steps"]:
            leaf = json.loads(session.get(m.LogEntry, s["log_index"]).leaf)
            assert leaf["record"]["type"] == "entry_plan_step" and leaf["record"]["filed_by"] == s["by"]
            assert leaf["record"]["step"] == s["step"] and leaf["sig"]["value"]
            assert leaf["record"]["clause"] == s["clause"] and s["clause"] in ("XT-4.1", "XT-4.2", "XT-4.3")
    # a new plan may be filed once the last one is entered
    assert client.post("/api/v1/entry-plans", json=plan_body(world), headers=fgw).status_code == 201


def test_chain_confirmation_waits_for_every_lead_and_gov_service_confirms_plain_plans(client, world, rt):
    setup_catalog(
        client, world, rt, sections=(("TZXM", "投资项目", "ZJ", ["FGW-001"]), ("BDC", "不动产登记", None, ["FGW-002"]))
    )
    r = client.post("/api/v1/entry-plans", json=plan_body(world), headers=bearer(world["tokens"]["fgw"]))
    pid = r.get_json()["id"]
    client.post(
        "/api/v1/fees/FGW-001/review",
        json={"fee": "F1", "result": "approved", "basis_ok": True, "standard_ok": True},
        headers=bearer(world["tokens"]["drc"]),
    )
    ok(step(client, world, "drc", pid, "fees_reviewed"), "fees_reviewed")
    out = ok(step(client, world, "zj", pid, "chain_confirmed"), "fees_reviewed")  # the other section still to confirm
    assert out["plan"]["waiting_for"]["bodies"] == ["gov_service"]
    assert "已确认：市住建局" in out["plan"]["waiting_for"]["text"]
    assert step(client, world, "zj", pid, "chain_confirmed").status_code == 409  # confirmed already
    ok(step(client, world, "zwfw", pid, "chain_confirmed"), "chain_confirmed")

    # a plan without whole-chain items: gov_service confirms, a department cannot
    with rt.filing(SYSTEM) as ctx:
        plan = ctx.session.get(m.EntryPlan, pid)
        plan.content = {**plan.content, "items": ["FGW-002"], "fee_items": []}
        ctx.session.get(m.FunctionSection, "BDC").whole_chain = False
        plan.state = "fees_reviewed"
        ctx.session.add(m.EntryPlanStep(plan=pid, step="resubmitted", by_body="dept:FGW", reasons=[]))
    with rt.reading() as session:
        assert plans.chain_confirmers(session, session.get(m.EntryPlan, pid)) == {"gov_service": []}
    assert step(client, world, "zj", pid, "chain_confirmed").status_code == 403
    ok(step(client, world, "zwfw", pid, "chain_confirmed"), "chain_confirmed")
