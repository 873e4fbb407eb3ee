"""The door (XT-3.3.1, docs/design.md §12.1): an acceptance is decided before anything is written.

两头受理 (an open case of the same application anywhere), 体外循环 (an application the platform
never reported) and acceptance in an internal office are refused with 403 problem+json and
reasons citing XT-3.3.1; a refused acceptance leaves no case row and no log entry. The
uniqueness holds between workers at once (a barrier releases two acceptances together).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from registry import models as m
from tests.factories.world import bearer
from tests.factories.api import case, gov_grant, hall_clock, platform_token  # noqa: F401 (hall_clock: autouse)
from tests.factories.door import accept, assert_refused, calendar_2026, hall, report  # noqa: F401  (helpers and fixtures)


def counts(rt) -> tuple[int, int]:
    with rt.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(m.Case)),
            session.scalar(select(func.count()).select_from(m.LogEntry)),
        )


def test_an_application_the_platform_reported_is_accepted_with_its_number(client, hall):
    report(client, hall)
    r = accept(client, hall, "C-1")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["platform_no"] == "PT-0001" and body["status"] == "open" and body["pending_platform"] is False


def test_an_application_the_platform_never_reported_is_refused_and_nothing_written(client, hall, rt):
    before = counts(rt)
    r = accept(client, hall, "C-1", platform_no="PT-9999")
    assert_refused(r, "place.no_case_outside_system", "没有一体化平台的申报记录")
    assert counts(rt) == before


def test_a_second_acceptance_at_another_window_is_refused_and_nothing_written(client, hall, rt):
    report(client, hall)
    assert accept(client, hall, "C-1").status_code == 201
    before = counts(rt)
    r = accept(client, hall, "C-2", place="PLATFORM")
    assert_refused(r, "place.no_two_headed_acceptance", "严禁两头受理")
    assert counts(rt) == before


def test_the_same_applicant_without_a_number_is_found_by_the_application_key(client, hall):
    report(client, hall)
    assert accept(client, hall, "C-1").status_code == 201
    r = accept(client, hall, "C-2", platform_no=None, place="PLATFORM")
    assert_refused(r, "place.no_two_headed_acceptance", "C-1")


def test_a_returned_case_does_not_block_a_new_acceptance(client, hall):
    report(client, hall)
    assert accept(client, hall, "C-1").status_code == 201
    r = client.post(
        "/api/v1/cases/C-1/steps", json={"step": "returned", "place": "ZH-01"}, headers=bearer(hall["tokens"]["win"])
    )
    assert r.status_code == 201, r.get_json()
    r = accept(client, hall, "C-2")
    assert r.status_code == 201, r.get_json()


def test_acceptance_in_an_internal_office_is_refused(client, hall, rt):
    report(client, hall)
    before = counts(rt)
    r = accept(client, hall, "C-1", place="FGW-KS")
    assert r.status_code == 403
    assert any(x["rule"] == "place.no_internal_office_handling" for x in r.get_json()["reasons"])
    assert counts(rt) == before


def test_two_workers_accepting_the_same_application_at_once_one_succeeds(app, hall):
    """Two threads, each with its own client (a worker each), released together by a barrier:
    whichever takes the log's lock first records the case, the other is refused."""
    client0 = app.test_client()
    report(client0, hall)
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def worker(i: int) -> None:
        client = app.test_client()
        body = case(f"R-{i}", hall, place=("ZH-01", "PLATFORM")[i])
        barrier.wait()
        r = client.post("/api/v1/cases", json=body, headers=bearer(hall["tokens"]["win"]))
        results[i] = (r.status_code, r.get_json())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(code for code, _ in results) == [201, 403], results
    refused = next(body for code, body in results if code == 403)
    assert refused["reasons"][0]["rule"] == "place.no_two_headed_acceptance"
    with app.extensions["onehall"].reading() as session:
        assert session.scalar(select(func.count()).select_from(m.Case).where(m.Case.platform_no == "PT-0001")) == 1


def test_the_platform_reports_only_with_its_own_role(client, hall):
    r = client.post(
        "/api/v1/platform/applications",
        json={"platform_no": "PT-1", "item": "FGW-002", "applicant": "某人", "applied_at": "2026-09-30"},
        headers=bearer(hall["tokens"]["win"]),
    )
    assert r.status_code == 403
    report(client, hall, platform_no="PT-1")
    assert report(client, hall, platform_no="PT-1", expect=409)["status"] == 409


def test_a_decision_naming_a_case_onehall_does_not_hold_is_forbidden(client, hall):
    r = client.post(
        "/api/v1/decisions",
        json={
            "person": hall["people"]["w"],
            "action": "issue",
            "item": "FGW-002",
            "case": "NOWHERE-1",
            "place": "ZH-01",
        },
        headers=bearer(hall["tokens"]["win"]),
    )
    body = r.get_json()
    assert r.status_code == 200 and body["allowed"] is False, body
    assert body["reasons"][0]["rule"] == "place.case_not_held" and "case" not in body["unchecked"]


def test_a_decision_naming_a_held_case_answers_from_its_facts(client, hall):
    report(client, hall)
    assert accept(client, hall, "C-1").status_code == 201
    r = client.post(
        "/api/v1/decisions",
        json={"person": hall["people"]["w"], "action": "issue", "item": "FGW-002", "case": "C-1", "place": "ZH-01"},
        headers=bearer(hall["tokens"]["win"]),
    )
    body = r.get_json()
    assert body["allowed"] is True and body["unchecked"] == [], body


def test_the_platform_export_is_imported_whole_or_not_at_all(app, hall, rt, tmp_path):
    from registry.errors import Invalid
    from registry.platform_io import import_applications
    from registry.services.context import Actor

    good = tmp_path / "export.csv"
    good.write_text(
        "申报号,事项编码,申请人,申报时间\nPT-0001,FGW-002,湘潭某建材有限公司,2026-09-30\n"
        "PT-0002,FGW-002,湘潭某运输公司,2026-09-30T15:00:00+08:00\n",
        encoding="utf-8-sig",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "申报号,事项编码,申请人,申报时间\nPT-0003,FGW-002,甲,2026-09-30\nPT-0004,NOPE,乙,明天\n", encoding="utf-8-sig"
    )
    with pytest.raises(Invalid) as refused:
        with rt.filing(Actor(name="import", role="platform")) as ctx:
            import_applications(ctx, bad, secret=b"k")
    assert "第3行" in " ".join(e.field for e in refused.value.errors)
    with rt.filing(Actor(name="import", role="platform")) as ctx:
        assert import_applications(ctx, good, secret=rt.ledger.commitment_key) == 2
    with rt.reading() as session:
        assert session.scalar(select(func.count()).select_from(m.PlatformApplication)) == 2
    client = app.test_client()
    assert accept(client, hall, "C-1").status_code == 201  # an imported application is a platform record


def test_the_cli_accepts_through_the_same_door(app, hall):
    from flask.cli import ScriptInfo

    from web.cli import main

    runner = app.test_cli_runner()
    invoke = runner.invoke
    runner.invoke = lambda args: invoke(main, args, obj=ScriptInfo(create_app=lambda: app))
    args = [
        "case",
        "accept",
        "--number",
        "CLI-1",
        "--item",
        "FGW-002",
        "--place",
        "ZH-01",
        "--person",
        str(hall["people"]["w"]),
        "--applicant",
        "某公司",
        "--platform-no",
        "PT-404",
        "--at",
        "2026-09-30T16:00:00",
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 3 and "体外循环" in result.output, result.output
    report(app.test_client(), hall, platform_no="PT-404")
    result = runner.invoke(args=args)
    assert result.exit_code == 0 and "PT-404" in result.output, result.output
