"""Clocks and the scheduler at explicit times on the seeded 2026 calendar (never sleeping):
yellow at 90% of the promised office time, red past due, the 1-hour response of delegated
cases, 体外循环, acceptance in an internal office; idempotent alerts; checkpoints; figures."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from registry.inputs.filings import AuthorizationIn, DelegationIn
from registry import calendar as cal
from registry import models as m
from registry.services import cases as case_service
from registry.services import grants
from registry.services.context import Actor
from tests.factories import api
from tests.factories.world import at, bearer
from application.casework import _due
from application.scheduler import Scheduler, single_instance

ITEM = {**api.ITEM, "code": "FGW-002", "name": "企业投资项目核准", "item_type": "行政许可", "case_type": "commitment"}
GA_ITEM = {
    **ITEM,
    "code": "GA-001",
    "name": "户口迁移审批",
    "department": "GA",
    "case_type": "instant",
    "promised_limit": None,
}
WINDOW = Actor(name="win", role="window")


def publish(client, world, item, token):
    assert client.post("/api/v1/items", json=item, headers=bearer(world["tokens"][token])).status_code == 201
    assert (
        client.post(
            f"/api/v1/items/{item['code']}/review", json={"result": "approved"}, headers=bearer(world["tokens"]["sgb"])
        ).status_code
        == 201
    )


def open_case(rt, world, number, item, accepted, place="ZH-01", platform_record=True):
    """A case as the platform reports it (the decision before acceptance is tested elsewhere)."""
    accepted_at = at(accepted)
    with rt.filing(WINDOW) as ctx:
        version = case_service.latest_item(ctx.session, item, published_only=True)
        due, pending = _due(ctx.session, version, accepted_at)
        case_service.open_case(
            ctx,
            {
                "number": number,
                "item": item,
                "place": place,
                "accepted_at": accepted_at,
                "person": world["people"]["w"],
                "platform_record": platform_record,
            },
            key=f"k-{number}",
            due_at=due,
            clock_pending=pending,
            decision_id=None,
        )
    return due


def step(rt, number, name, when, place="ZH-01", person=None):
    with rt.filing(WINDOW) as ctx:
        case_service.add_step(ctx, number, name, person=person, place=place, at=at(when))


def alerts(rt, case=None):
    with rt.reading() as session:
        stmt = select(m.Alert).order_by(m.Alert.id)
        if case:
            stmt = stmt.where(m.Alert.case == case)
        return [(a.key, a.state, a.clause) for a in session.scalars(stmt)]


def test_yellow_then_red_then_resolved_and_alerts_are_idempotent(client, world, rt):
    publish(client, world, ITEM, "fgw")
    # accepted 16:00 the day before the National Day holiday; 5 working days end 2026-10-13 17:30:
    # 1.5 office hours on 09-30, then 7 on each of 10-08, 10-09, 10-10 (调休), 10-12, 10-13 = 36.5 h
    due = open_case(rt, world, "C-1", "FGW-002", "2026-09-30T16:00:00")
    assert due == at("2026-10-13T17:30:00")
    scheduler = Scheduler(rt)
    quiet = scheduler.run_once(at("2026-10-13T13:30:00"), findings=False)  # 32.5 h: 89%
    assert quiet.errors == [] and alerts(rt, "C-1") == []
    assert quiet.checkpoint is not None  # the log grew (filings): a checkpoint is published
    r = scheduler.run_once(at("2026-10-13T14:00:00"), findings=False)  # 33 h: 90.4%
    assert r.clocks["raised"] == ["yellow:C-1"] and r.checkpoint is None  # nothing new in the log
    assert alerts(rt, "C-1") == [("yellow:C-1", "open", "XT-3.6")]
    # a restart (a new scheduler) and a repeated pass neither lose nor repeat the alert
    again = Scheduler(rt).run_once(at("2026-10-13T14:05:00"), findings=False)
    assert again.clocks["raised"] == [] and len(alerts(rt, "C-1")) == 1

    red = scheduler.run_once(at("2026-10-13T17:31:00"), findings=False)
    assert red.clocks["raised"] == ["red:C-1"] and red.clocks["resolved"] == ["yellow:C-1"]
    assert alerts(rt, "C-1") == [("yellow:C-1", "resolved", "XT-3.6"), ("red:C-1", "open", "XT-3.6")]

    # figures before and after the case is issued (late)
    audit = bearer(world["tokens"]["audit"])
    figures = client.get("/api/v1/cases/figures?at=2026-10-14T09:00:00", headers=audit).get_json()
    fgw = next(r for r in figures["items"] if r["department"] == "FGW")
    assert (fgw["cases"], fgw["open"], fgw["overdue"], fgw["open_alerts"]) == (1, 1, 1, 1)
    assert fgw["on_time_rate"] is None and fgw["open_alerts_by_level"] == {"red": 1}
    step(rt, "C-1", "issued", "2026-10-14T10:00:00")
    done = scheduler.run_once(at("2026-10-14T10:05:00"), findings=False)
    assert done.clocks["resolved"] == ["red:C-1"]
    assert [s for _, s, _ in alerts(rt, "C-1")] == ["resolved", "resolved"]  # never deleted
    fgw = client.get("/api/v1/cases/figures?department=FGW", headers=bearer(world["tokens"]["fgw"])).get_json()
    row = fgw["items"][0]
    assert (row["issued"], row["issued_late"], row["on_time_rate"], row["overdue"], row["open_alerts"]) == (
        1,
        1,
        0.0,
        0,
        0,
    )
    assert client.get("/api/v1/cases/figures?department=FGW", headers=bearer(world["tokens"]["ga"])).status_code == 403
    assert client.get("/api/v1/cases/figures", headers=bearer(world["tokens"]["win"])).status_code == 403


def test_delegated_cases_respond_within_one_office_hour_and_violations_are_alerted(client, world, rt):
    publish(client, world, ITEM, "fgw")
    publish(client, world, GA_ITEM, "ga")
    chief = world["people"]["c"]
    with rt.filing(Actor(name="ga", role="department", department="GA")) as ctx:
        grants.file_delegation(ctx, DelegationIn(department="GA", items="*", from_=at("2026-01-01T00:00:00")))
        grants.file_authorization(
            ctx,
            AuthorizationIn(
                grantor="GA",
                grantee={"person": chief},
                post="A",
                powers=["decide", "coordinate", "urge", "report_up", "countersign", "execute_fee", "use_seal"],
                items="*",
                valid_from=at("2026-01-01T00:00:00"),
            ),
        )
    # received 17:20 on Friday 2026-11-20: the hour runs 17:20–17:30 and 09:00–09:50 on Monday
    open_case(rt, world, "D-1", "GA-001", "2026-11-20T17:20:00")
    open_case(rt, world, "D-2", "GA-001", "2026-11-20T17:20:00")
    step(rt, "D-1", "taken_up", "2026-11-23T09:30:00", place="PLATFORM")  # not the chief representative
    step(rt, "D-2", "taken_up", "2026-11-23T09:45:00", place="PLATFORM", person=chief)
    open_case(rt, world, "X-1", "FGW-002", "2026-11-20T10:00:00", platform_record=False)
    open_case(rt, world, "X-2", "FGW-002", "2026-11-20T10:00:00", place="FGW-KS")
    scheduler = Scheduler(rt)
    first = scheduler.run_once(at("2026-11-23T09:40:00"), findings=False)
    assert sorted(first.clocks["raised"]) == ["internal_office:X-2", "outside_system:X-1"]
    later = scheduler.run_once(at("2026-11-23T10:00:00"), findings=False)
    assert later.clocks["raised"] == ["response:D-1"]  # D-2 was taken up in time
    with rt.reading() as session:
        a = session.scalar(select(m.Alert).where(m.Alert.key == "response:D-1"))
        assert a.clause == "XT-3.3.2" and a.department == "GA" and "09:50" in a.text
        texts = {x.key: x.text for x in session.scalars(select(m.Alert))}
    assert "体外循环" in texts["outside_system:X-1"] and "发改委投资科" in texts["internal_office:X-2"]
    assert {c for _, _, c in alerts(rt) if c} == {"XT-3.3.1", "XT-3.3.2"}
    # issuing a case resolves its clock alerts, not the violations
    step(rt, "X-1", "issued", "2026-11-23T10:10:00")
    step(rt, "D-1", "issued", "2026-11-23T10:10:00")
    resolved = scheduler.run_once(at("2026-11-23T10:15:00"), findings=False)
    assert resolved.clocks["resolved"] == ["response:D-1"]
    assert {k: s for k, s, _ in alerts(rt)}["outside_system:X-1"] == "open"


def test_pending_clock_gets_its_due_time_once_the_year_is_loaded(client, world, rt):
    publish(client, world, ITEM, "fgw")
    assert open_case(rt, world, "P-1", "FGW-002", "2027-01-05T10:00:00") is None  # 2027 not loaded: pending
    scheduler = Scheduler(rt)
    first = scheduler.run_once(at("2027-01-05T11:00:00"), findings=False)
    assert first.clocks["clocks_set"] == [] and first.clocks["clock_pending"] == 1
    with rt.filing_session() as session:
        cal.import_year(session, 2027, io.StringIO("日期,类型,名称\n2027-01-01,休,元旦\n"), source="test")
    second = scheduler.run_once(at("2027-01-05T11:00:00"), findings=False)
    assert second.clocks["clocks_set"] == ["P-1"] and second.clocks["clock_pending"] == 0
    with rt.reading() as session:
        case = session.get(m.Case, "P-1")
        assert case.due_at == at("2027-01-12T17:30:00") and case.clock_pending is False


def test_the_scheduler_command_runs_one_pass_and_warns_when_the_calendar_runs_out(client, world, rt, app, caplog):
    from web.cli_oversight import scheduler_command

    publish(client, world, ITEM, "fgw")
    runner = app.test_cli_runner()
    res = runner.invoke(scheduler_command, ["--once", "--at", "2026-11-26T10:00:00"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout[res.stdout.index("{") :])  # stderr carries the JSON log lines
    assert out["errors"] == [] and out["findings"]["opened"] >= 1 and out["checkpoint"] is not None
    assert "2026-12-31" in out["calendar_warning"]  # 35 days left (< 60)
    assert "2026-12-31" in caplog.text
    assert Scheduler(rt).run_once(at("2026-06-01T10:00:00"), findings=False).calendar_warning is None
    # one scheduler per deployment
    with single_instance(rt):
        busy = runner.invoke(scheduler_command, ["--once"])
    assert busy.exit_code == 1 and "另一个 scheduler" in busy.output


def test_the_outside_system_finding_reads_the_signed_cases_not_edited_rows(client, world, rt):
    """Issue 13.1: a case without a platform record, and one accepted during an outage whose record
    is overdue, are found as their signed records state them, whatever an UPDATE made of the rows."""
    from sqlalchemy import text

    publish(client, world, ITEM, "fgw")
    open_case(rt, world, "X-1", "FGW-002", "2026-11-20T10:00:00", platform_record=False)
    with rt.filing(WINDOW) as ctx:
        case_service.open_case(
            ctx,
            {
                "number": "X-2",
                "item": "FGW-002",
                "place": "ZH-01",
                "accepted_at": at("2026-11-20T10:00:00"),
                "person": world["people"]["w"],
            },
            key="k-X-2",
            due_at=None,
            clock_pending=False,
            decision_id=None,
            platform_due_at=at("2026-11-20T18:00:00"),
        )
    with rt.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET platform_record = :t WHERE number = 'X-1'"), {"t": True})
        conn.execute(
            text("UPDATE cases SET platform_due_at = :d WHERE number = 'X-2'"), {"d": "2099-01-01 00:00:00.000000"}
        )
    raised = Scheduler(rt).run_once(at("2026-11-23T09:40:00"), findings=False).clocks["raised"]
    assert {"outside_system:X-1", "outside_system:X-2"} <= set(raised), raised
    with rt.reading() as session:
        text_2 = session.scalar(select(m.Alert.text).where(m.Alert.key == "outside_system:X-2"))
    assert "应于2026-11-20 18:00前补录" in text_2, text_2
