"""Decisions over the registry through the API, and seal uses with offline-verifiable receipts."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from registry.inputs.filings import ExemptionDecisionIn, ExemptionIn
from registry import models as m
from registry.services import grants
from registry.services.context import Actor
from signing.receipt import verify_receipt
from tests.factories.api import MINIMUM, ask, file_item, grant, seal_setup, use_seal  # noqa: F401


def test_decision_follows_filings_and_b_post_acts_for_absent_a(client, world, as_user):
    file_item(client, world)
    a, b = world["people"]["a"], world["people"]["b"]
    a_id = grant(client, world, a, "A")
    grant(client, world, b, "B", backs=a_id)
    yes = ask(client, world, person=a, action="decide", item="FGW-001", place="FGW-CK")
    assert yes["allowed"] is True and yes["kind"] == "allow"
    assert yes["authorization"]["id"] == a_id and yes["acting_for"] is None
    assert all(r["clause"].startswith("XT-") for r in yes["reasons"])
    no = ask(client, world, person=b, action="decide", item="FGW-001", place="FGW-CK")
    assert no["allowed"] is False and no["why_not"] is not None
    r = as_user("fgw").post(
        "/api/v1/absences", {"person": a, "from": "2019-01-01", "to": "2099-01-01", "reason": "病假"}
    )
    assert r.status_code == 201
    now_b = ask(client, world, person=b, action="decide", item="FGW-001", place="FGW-CK")
    assert now_b["allowed"] is True and now_b["acting_for"] == a
    # the answer that held before the absence was filed is still there for an earlier known_at
    before = ask(
        client, world, person=b, action="decide", item="FGW-001", place="FGW-CK", known_at="2019-06-01T00:00:00+08:00"
    )
    assert before["allowed"] is False


def test_time_travel_across_a_revocation(client, world, as_user):
    file_item(client, world)
    a = world["people"]["a"]
    a_id = grant(client, world, a, "A")
    as_user("fgw").post(f"/api/v1/authorizations/{a_id}/revoke", {"at": "2020-06-01T00:00:00+08:00", "reason": "调岗"})
    then = ask(client, world, person=a, action="decide", item="FGW-001", at="2020-01-01T10:00:00+08:00")
    later = ask(client, world, person=a, action="decide", item="FGW-001", at="2021-01-01T10:00:00+08:00")
    assert then["allowed"] is True
    assert later["allowed"] is False


def test_unknown_references_are_422(client, world, as_user):
    r = as_user("win").post("/api/v1/decisions", {"person": 999, "action": "decide", "item": "NOPE"})
    assert r.status_code == 422
    r = as_user("win").post("/api/v1/decisions", {"person": 1, "action": "fly", "item": "X"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "action"


def test_field_errors_are_said_in_chinese(client, world, as_user):
    r = as_user("win").post(
        "/api/v1/decisions",
        {
            "person": "first",
            "action": "decide",
            "item": "X" * 300,
            "case": "",
            "seal": 7,
            "at": "2019-01-01T10:00:00+08:00",
        },
    )
    assert r.status_code == 422
    assert {e["field"]: e["message"] for e in r.get_json()["errors"]} == {
        "person": "须为整数",
        "item": "最多 64 个字符",
        "case": "至少 1 个字符",
        "seal": "须为字符串",
    }


def test_custodian_uses_the_seal_and_gets_a_receipt_anyone_can_verify(rt, client, world, as_user):
    a, a_id = seal_setup(rt, client, world)
    doc = hashlib.sha256("批复文件".encode()).hexdigest()
    body = {
        "seal": "FGW-SP",
        "person": a,
        "item": "FGW-001",
        "case": "XT2026-0001",
        "document_sha256": doc,
        "place": "FGW-CK",
    }
    r = as_user("zhang").post("/api/v1/seal-uses", body)
    assert r.status_code == 201, r.get_json()
    receipt = r.get_json()["receipt"]
    keys = client.get("/api/v1/keys").get_json()["items"]
    result = verify_receipt(receipt)
    assert result.leaf_index == receipt["leaf_index"]
    check = client.get(f"/api/v1/verify/{receipt['leaf_hash']}").get_json()
    assert check["sealed"] is True and check["department"] == "FGW" and "person" not in check
    assert any(k["body"] == "log" for k in keys)


def test_someone_elses_credential_is_refused_and_nothing_appended(rt, client, world):
    a, _ = seal_setup(rt, client, world)
    with rt.reading() as session:
        before = session.scalar(select(func.count()).select_from(m.LogEntry))
    assert use_seal(client, world, a, "C-1", "0" * 64, token="win", status=403)["reasons"]
    with rt.reading() as session:
        assert session.scalar(select(func.count()).select_from(m.LogEntry)) == before
        assert session.scalar(select(func.count()).select_from(m.SealUse)) == 0


def test_seal_in_an_internal_office_is_refused(rt, client, world, as_user):
    a, _ = seal_setup(rt, client, world)
    body = {
        "seal": "FGW-SP",
        "person": a,
        "item": "FGW-001",
        "case": "C-2",
        "document_sha256": "1" * 64,
        "place": "FGW-KS",
    }
    r = as_user("zhang").post("/api/v1/seal-uses", body)
    assert r.status_code == 403
    assert any(reason["clause"].startswith("XT-3.3") for reason in r.get_json()["reasons"])


def test_log_endpoints_serve_proofs(rt, client, world, as_user):
    seal_setup(rt, client, world)
    doc = "2" * 64
    a = world["people"]["a"]
    as_user("zhang").post(
        "/api/v1/seal-uses",
        {"seal": "FGW-SP", "person": a, "item": "FGW-001", "case": "C-3", "document_sha256": doc, "place": "FGW-CK"},
    )
    cp = client.get("/api/v1/log/checkpoint").get_json()
    size = cp["tree_size"]
    assert size >= 3
    proof = client.get(f"/api/v1/log/proofs/inclusion?index=0&size={size}").get_json()
    assert len(proof["hashes"]) >= 1
    cons = client.get(f"/api/v1/log/proofs/consistency?first=1&second={size}").get_json()
    assert "hashes" in cons
    entries = client.get(f"/api/v1/log/entries?start=0&end={size}").get_json()["items"]
    assert [e["index"] for e in entries] == list(range(size))
    assert client.get("/api/v1/log/proofs/inclusion?index=5&size=2").status_code == 422


def test_exemption_grants_services(rt, client, world):
    """Services refuse an exemption decision by a non-government actor even outside the API."""
    import pytest

    from registry.errors import Forbidden

    file_item(client, world)
    with rt.filing(Actor(name="fgw", role="department", department="FGW")) as ctx:
        ex = grants.request_exemption(
            ctx, ExemptionIn(item="FGW-001", reason="law", basis="《某法》第十条", effective_from=ctx.now)
        )
    with pytest.raises(Forbidden):
        with rt.filing(Actor(name="fgw", role="department", department="FGW")) as ctx:
            grants.decide_exemption(ctx, ex.id, ExemptionDecisionIn(result="approved", document_no="X"))


def test_decisions_are_logged_in_batches_and_replay_to_the_same_answer(rt, client, world):
    import json

    from registry.decision_log import find_decision
    from registry.facts import export_facts
    from rules.replay import replay, same_decision

    file_item(client, world)
    a = world["people"]["a"]
    grant(client, world, a, "A")
    answer = ask(
        client, world, person=a, action="decide", item="FGW-001", place="FGW-CK", at="2020-01-01T10:00:00+08:00"
    )
    assert rt.policy.flush_decisions() >= 1
    with rt.reading() as session:
        record = find_decision(session, answer["decision_id"])
        assert record is not None and record.pack_digest == answer["policy"]["digest"]
        assert record.answer == answer  # the answer exactly as the window received it
        snapshot = export_facts(session)
    again = replay(rt.policy.engine.pack, snapshot, record.request)
    assert same_decision(json.loads(json.dumps(record.answer)), json.loads(json.dumps(again, default=str)))


def test_naming_a_successor_custodian_hands_the_seal_over(rt, client, world, as_user):
    a, a_id = seal_setup(rt, client, world)
    b = world["people"]["b"]
    grant(client, world, b, "A", powers=MINIMUM)  # the successor holds a grant of the department
    r = as_user("fgw").post("/api/v1/seal-custody", {"seal": "FGW-SP", "person": b, "from": "2020-01-01"})
    assert r.status_code == 201, r.get_json()
    q = {
        "action": "use_seal",
        "item": "FGW-001",
        "place": "FGW-CK",
        "seal": "FGW-SP",
        "at": "2021-01-01T10:00:00+08:00",
    }
    assert ask(client, world, person=b, **q)["allowed"] is True
    assert ask(client, world, person=a, **q)["allowed"] is False
    # before the handover, the first custodian kept it
    assert ask(client, world, person=a, **{**q, "at": "2019-06-01T10:00:00+08:00"})["allowed"] is True


def test_onehall_replay_finds_a_logged_decision_and_agrees_with_it(app, rt, client, world):
    """`onehall replay ID` (the command, on this app) re-decides a logged decision with its pack."""
    import json

    from web.cli_policy import replay_command

    file_item(client, world)
    a = world["people"]["a"]
    grant(client, world, a, "A")
    answer = ask(
        client, world, person=a, action="decide", item="FGW-001", place="FGW-CK", at="2020-01-01T10:00:00+08:00"
    )
    rt.policy.flush_decisions()
    runner = app.test_cli_runner()
    result = runner.invoke(replay_command, [answer["decision_id"]])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["same"] is True and shown["logged"]["decision_id"] == answer["decision_id"]
    missing = runner.invoke(replay_command, [answer["decision_id"][:-1] + "f"])
    assert missing.exit_code == 2


def test_a_seal_on_a_case_onehall_does_not_hold_is_refused_and_nothing_appended(rt, client, world):
    a, _ = seal_setup(rt, client, world)
    with rt.reading() as session:
        before = session.scalar(select(func.count()).select_from(m.LogEntry))
    refused = use_seal(client, world, a, "XT2026-外面", "3" * 64, status=403)
    assert [x["rule"] for x in refused["reasons"]][0] == "place.case_not_held"
    with rt.reading() as session:
        assert session.scalar(select(func.count()).select_from(m.LogEntry)) == before
        assert session.scalar(select(func.count()).select_from(m.SealUse)) == 0


def test_a_stopping_worker_logs_the_decisions_it_answered(app, rt, client, world):
    """gunicorn's worker_exit hook (web.server) closes the runtime: the answers still queued for
    the decision log are written before the worker's interpreter drops its daemon threads."""
    from types import SimpleNamespace

    from registry.decision_log import find_decision
    from registry.models import DecisionBatch
    from web.server import _close_worker

    file_item(client, world)
    a = world["people"]["a"]
    grant(client, world, a, "A")
    rt.policy.flush_decisions()
    with rt.reading() as session:
        before = session.scalar(select(func.count()).select_from(DecisionBatch))
    answer = ask(client, world, person=a, action="decide", item="FGW-001", place="FGW-CK")
    _close_worker(None, SimpleNamespace(wsgi=app))
    with rt.reading() as session:
        assert session.scalar(select(func.count()).select_from(DecisionBatch)) == before + 1
        assert find_decision(session, answer["decision_id"]) is not None
