"""The registry is what was signed (issue 13.1): an edited row changes no decision, and
`onehall audit` names the row and the field (exit non-zero); on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text

from registry.inputs.filings import HallIn
from registry import models as m
from registry.services import org
from registry.services.context import Actor
from tests.factories.world import bearer
from tests.factories.api import ask, file_item, grant, seal_setup, use_seal
from application.auditing import audit_pass
from web.cli_audit import audit_command


def _sql(rt, statement: str, **params) -> None:
    with rt.engine.begin() as conn:
        conn.execute(text(statement), params)


def _fresh_decision(rt, client, world, **q):
    """The answer after the worker rebuilt its facts and after it read a later filing."""
    rt.policy.reload()
    first = ask(client, world, **q)
    with rt.filing(Actor(name="zwfw", role="gov_service")) as ctx:  # any filing moves the change feed
        org.create_hall(ctx, HallIn(code=f"H{first['decision_id'][:6]}", name="另一大厅", kind="sub"))
    second = ask(client, world, **q)
    assert first["allowed"] == second["allowed"]
    return first


def _audit(rt):
    report, _ = audit_pass(rt, incremental=False, workers=1)
    return report


def _named(report, table, key, field):
    return [d for d in report.differences if d.table == table and str(d.key) == str(key) and d.field == field]


def test_a_clean_registry_audits_clean_and_the_page_shows_it(rt, client, world):
    file_item(client, world)
    grant(client, world, world["people"]["a"], "A")
    report = _audit(rt)
    assert report.ok, (report.problems, [d.text() for d in report.differences])
    assert report.signatures_checked == report.tree_size > 0
    page = client.get("/audit/", headers=bearer(world["tokens"]["audit"]))
    assert page.status_code == 200 and "审计通过" in page.get_data(as_text=True)


def test_grantee_edited_to_another_person_changes_nothing_and_is_named(rt, client, world):
    file_item(client, world)
    a, b = world["people"]["a"], world["people"]["b"]
    a_id = grant(client, world, a, "A")
    q = {"person": b, "action": "decide", "item": "FGW-001", "place": "FGW-CK"}
    assert ask(client, world, **q)["allowed"] is False
    _sql(rt, "UPDATE authorizations SET grantee_person = :b WHERE id = :id", b=b, id=a_id)
    assert _fresh_decision(rt, client, world, **q)["allowed"] is False
    assert (
        _fresh_decision(rt, client, world, person=a, action="decide", item="FGW-001", place="FGW-CK")["allowed"] is True
    )
    report = _audit(rt)
    assert not report.ok
    [d] = _named(report, "authorizations", a_id, "grantee")
    assert d.row == {"person": b} and d.logged == {"person": a}


def test_powers_edited_in_change_nothing_and_are_named(rt, client, world):
    file_item(client, world)
    a = world["people"]["a"]
    a_id = grant(client, world, a, "A", powers=["coordinate"])
    q = {"person": a, "action": "decide", "item": "FGW-001", "place": "FGW-CK"}
    assert ask(client, world, **q)["allowed"] is False
    _sql(rt, "UPDATE authorizations SET powers = :p WHERE id = :id", p=json.dumps(["coordinate", "decide"]), id=a_id)
    assert _fresh_decision(rt, client, world, **q)["allowed"] is False
    assert _named(_audit(rt), "authorizations", a_id, "powers")


def test_validity_edited_open_changes_nothing_and_is_named(rt, client, world):
    file_item(client, world)
    a = world["people"]["a"]
    r = client.post(
        "/api/v1/authorizations",
        json={
            "grantor": "FGW",
            "grantee": {"person": a},
            "post": "A",
            "powers": ["decide"],
            "valid_from": "2019-01-01T00:00:00+08:00",
            "valid_to": "2019-02-01T00:00:00+08:00",
        },
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 201, r.get_json()
    a_id = r.get_json()["id"]
    q = {"person": a, "action": "decide", "item": "FGW-001", "place": "FGW-CK"}
    assert ask(client, world, **q)["allowed"] is False
    _sql(rt, "UPDATE authorizations SET valid_to = NULL WHERE id = :id", id=a_id)
    assert _fresh_decision(rt, client, world, **q)["allowed"] is False
    [d] = _named(_audit(rt), "authorizations", a_id, "valid_to")
    assert d.row is None and d.logged.startswith("2019-01-31T16:00:00")


def test_absence_edited_away_changes_nothing_and_is_named(rt, client, world):
    file_item(client, world)
    a = world["people"]["a"]
    grant(client, world, a, "A")
    r = client.post(
        "/api/v1/absences",
        json={"person": a, "from": "2019-01-01", "to": "2099-01-01", "reason": "病假"},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 201
    absence = r.get_json()["id"]
    q = {"person": a, "action": "decide", "item": "FGW-001", "place": "FGW-CK"}
    assert ask(client, world, **q)["allowed"] is False
    _sql(rt, 'UPDATE absences SET "to" = "from" WHERE id = :id', id=absence)
    assert _fresh_decision(rt, client, world, **q)["allowed"] is False
    report = _audit(rt)
    assert _named(report, "absences", absence, "to")
    _sql(rt, "UPDATE absences SET reason = '出差' WHERE id = :id", id=absence)
    assert _named(_audit(rt), "absences", absence, "reason")  # held only as a commitment in the log


def test_person_and_section_head_edits_change_nothing_and_are_named(rt, client, world):
    file_item(client, world)
    a, c = world["people"]["a"], world["people"]["c"]
    grant(client, world, a, "A")
    q = {"person": c, "action": "decide", "item": "FGW-001", "place": "FGW-CK"}
    before = ask(client, world, **q)
    _sql(rt, "UPDATE people SET department = 'FGW', position = '科长' WHERE id = :id", id=c)
    assert _fresh_decision(rt, client, world, **q)["allowed"] == before["allowed"]
    report = _audit(rt)
    assert _named(report, "people", c, "department") and _named(report, "people", c, "position")
    _sql(rt, "UPDATE people SET name = '冒名' WHERE id = :id", id=a)
    assert _named(_audit(rt), "people", a, "name")


def test_seal_use_document_hash_edited_is_named_and_verify_shows_the_logged_one(rt, client, world):
    a, _ = seal_setup(rt, client, world)
    doc = hashlib.sha256("批复文件".encode()).hexdigest()
    receipt = use_seal(client, world, a, "C-1", doc)["receipt"]
    _sql(rt, "UPDATE seal_uses SET document_sha256 = :d", d="f" * 64)
    [d] = [x for x in _audit(rt).differences if x.table == "seal_uses" and x.field == "document_sha256"]
    assert d.row == "f" * 64 and d.logged == doc
    check = client.get(f"/api/v1/verify/{receipt['leaf_hash']}").get_json()
    assert check["document_sha256"] == doc


def test_audit_command_exits_non_zero_naming_the_row(rt, app, client, world):
    file_item(client, world)
    a_id = grant(client, world, world["people"]["a"], "A")
    runner = app.test_cli_runner()
    clean = runner.invoke(audit_command, [])
    assert clean.exit_code == 0, clean.output
    _sql(rt, "UPDATE authorizations SET items = :i WHERE id = :id", i=json.dumps(["FGW-999"]), id=a_id)
    found = runner.invoke(audit_command, [])
    assert found.exit_code == 1
    assert f"authorizations {a_id} 的 items" in found.output
    with rt.reading() as session:
        alerts = session.query(m.Alert).filter(m.Alert.rule == "registry.audit").all()
    assert len(alerts) == 1 and alerts[0].level == "red"
    again = runner.invoke(audit_command, [])  # the same finding raises no second alert
    assert again.exit_code == 1
    with rt.reading() as session:
        assert session.query(m.Alert).filter(m.Alert.rule == "registry.audit").count() == 1


def test_a_changed_leaf_is_a_log_problem(rt, client, world):
    file_item(client, world)
    grant(client, world, world["people"]["a"], "A")
    from application.bootstrap import publish_checkpoint

    publish_checkpoint(rt)
    with rt.reading() as session:
        leaf = bytes(session.get(m.LogEntry, 3).leaf)
    _sql(rt, 'UPDATE log_entries SET leaf = :l WHERE "index" = 3', l=leaf.replace(b'"', b'"', 1) + b" ")
    report = _audit(rt)
    assert any("第3条" in p for p in report.problems)


@pytest.mark.parametrize("incremental", [True])
def test_incremental_audit_checks_only_new_signatures(rt, client, world, incremental):
    file_item(client, world)
    first, _ = audit_pass(rt, incremental=False, workers=1)
    grant(client, world, world["people"]["a"], "A")
    second, _ = audit_pass(rt, incremental=incremental, workers=1)
    assert second.ok and second.signatures_checked == second.tree_size - first.tree_size


def test_the_scheduler_audits_and_alerts_the_auditor(rt, client, world):
    from application.scheduler import Scheduler

    file_item(client, world)
    a_id = grant(client, world, world["people"]["a"], "A")
    scheduler = Scheduler(rt)
    assert scheduler.run_once(findings=False, audit=True).audit["ok"] is True
    _sql(rt, "UPDATE authorizations SET post = 'B' WHERE id = :id", id=a_id)
    result = scheduler.run_once(findings=False, audit=True)
    assert result.audit["ok"] is False and not result.errors
    with rt.reading() as session:
        [alert] = session.query(m.Alert).filter(m.Alert.rule == "registry.audit").all()
    assert f"authorizations {a_id} 的 post" in alert.text
    page = client.get("/audit/", headers=bearer(world["tokens"]["audit"])).get_data(as_text=True)
    assert f"authorizations {a_id} 的 post" in page


def test_a_first_build_report_up_item_converted_by_the_migration_audits_clean(rt, client, world, monkeypatch):
    """An item signed by the first build as `case_type: commitment` with the report_up flag is a
    report-up item; revision d3f5a1c7e902 converts its row, the audit reads the signed record the
    same way (no difference), and an edit of the converted row is still named."""
    import importlib.util
    from pathlib import Path

    from registry.services import catalog
    from tests.factories.api import ITEM

    real = catalog.validate_item

    def first_build(ctx, data, errors, prefix=""):
        out = real(ctx, data, errors, prefix)
        if out.get("report_up"):
            out["case_type"] = "commitment"  # as the first build signed it: the flag beside the type
        return out

    monkeypatch.setattr(catalog, "validate_item", first_build)
    file_item(client, world, {**ITEM, "code": "FGW-009", "case_type": "commitment", "report_up": True})
    monkeypatch.undo()
    path = Path(catalog.__file__).parents[1] / "migrations/versions/d3f5a1c7e902_report_up_case_type.py"
    spec = importlib.util.spec_from_file_location("report_up_revision", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    label = "FGW-009 第1版"
    with rt.reading() as session:
        assert session.get(m.ItemVersion, 1) is not None
        assert session.scalar(text("SELECT case_type FROM item_versions WHERE code = 'FGW-009'")) == "commitment"
    _sql(rt, revision.CONVERT, flag=True)
    with rt.reading() as session:
        assert session.scalar(text("SELECT case_type FROM item_versions WHERE code = 'FGW-009'")) == "report_up"
    assert not _named(_audit(rt), "item_versions", label, "case_type")
    _sql(rt, "UPDATE item_versions SET case_type = 'instant' WHERE code = 'FGW-009'")
    assert _named(_audit(rt), "item_versions", label, "case_type")
