"""Step definitions of features/door.feature: acceptances decided at the door, on a real app.

Built on the app of features/steps/app_world.py (`alerts_world`: its calendar, items, tokens and
clock). The platform reports applications through its API client (role `platform`); windows
record acceptances through POST /api/v1/cases, and what a refusal wrote is counted in rows.
"""

from __future__ import annotations

import threading

from pytest_bdd import given, parsers, then, when
from sqlalchemy import func, select

from features.steps.app_world import PLACES, TIME, bearer, moment

PLACES_HERE = {**PLACES, "发改委投资科": "FGW-KS"}
PLACE = "|".join(PLACES_HERE)


def _counts(w) -> tuple[int, int]:
    from registry import models as m

    with w.rt.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(m.Case)),
            session.scalar(select(func.count()).select_from(m.LogEntry)),
        )


def _case(w, number):
    from registry.models import Case

    with w.rt.reading() as session:
        row = session.get(Case, number)
        if row is not None:
            session.expunge(row)
        return row


@given(
    parsers.re(
        r"一体化平台报送了申报号(?P<no>[\w-]+)：“(?P<name>[^”]+)”，申请人为“(?P<applicant>[^”]+)”"
        rf"(?:，申报时间(?P<at>{TIME}))?"
    )
)
@when(
    parsers.re(
        r"一体化平台报送了申报号(?P<no>[\w-]+)：“(?P<name>[^”]+)”，申请人为“(?P<applicant>[^”]+)”"
        rf"(?:，申报时间(?P<at>{TIME}))?"
    )
)
def platform_reports(alerts_world, no, name, applicant, at):
    alerts_world.report(no, alerts_world.items[name], applicant, moment(at or "2026年9月30日15:50"))


ACCEPT = (
    rf"(?P<place>{PLACE})于(?P<at>{TIME})受理(?:申报号(?P<no>[\w-]+)|申请人“(?P<applicant>[^”]+)”没有申报号)"
    r"的办件(?P<number>[\w-]+)"
)


def _accept_body(w, place, at, no, applicant, number) -> dict:
    body = {
        "number": number,
        "item": next(iter(w.items.values())),
        "place": PLACES_HERE[place],
        "person": w.people["w"],
        "applicant": applicant or "湘潭某建材有限公司",
        "accepted_at": moment(at).isoformat(),
    }
    if no:
        body["platform_no"] = no
    return body


@given(parsers.re(ACCEPT))
@when(parsers.re(ACCEPT))
def accept_at_door(alerts_world, place, at, no, applicant, number):
    w = alerts_world
    w.before = _counts(w)
    with w.clock(moment(at)):
        r = w.client.post(
            "/api/v1/cases", json=_accept_body(w, place, at, no, applicant, number), headers=bearer(w.tokens["win"])
        )
    w.answer = (r.status_code, r.get_json(), r.mimetype)


@given(parsers.re(rf"综合窗口于(?P<at>{TIME})退件了办件(?P<number>[\w-]+)"))
def returned(alerts_world, at, number):
    with alerts_world.clock(moment(at)):
        alerts_world.post(
            f"/cases/{number}/steps", {"step": "returned", "place": "ZH-01", "at": moment(at).isoformat()}, "win"
        )


@given(parsers.re(rf"政务服务部门声明一体化平台于(?P<start>{TIME})至(?P<end>{TIME})停机"))
def outage(alerts_world, start, end):
    w = alerts_world
    w.account("zwfw", "gov_service", "ZWFW")
    w.post(
        "/platform/outages",
        {"start": moment(start).isoformat(), "end": moment(end).isoformat(), "reason": "省一体化平台升级维护"},
        "zwfw",
    )


@when(parsers.re(r"综合窗口和一体化平台的两个工作进程同时受理申报号(?P<no>[\w-]+)的办件(?P<a>[\w-]+)和(?P<b>[\w-]+)"))
def race(alerts_world, no, a, b):
    w = alerts_world
    barrier = threading.Barrier(2)
    w.race = [None, None]

    def worker(i, place, number):
        client = w.app.test_client()  # one client per worker
        body = _accept_body(w, place, "2026年9月30日16:00", no, None, number)
        barrier.wait()
        r = client.post("/api/v1/cases", json=body, headers=bearer(w.tokens["win"]))
        w.race[i] = (r.status_code, r.get_json())

    threads = [
        threading.Thread(target=worker, args=(0, "综合窗口", a)),
        threading.Thread(target=worker, args=(1, "一体化平台", b)),
    ]
    with w.clock(moment("2026年9月30日16:00")):
        for th in threads:
            th.start()
        for th in threads:
            th.join()


@then("受理成功")
def accepted(alerts_world):
    code, body, _ = alerts_world.answer
    assert code == 201, body


@then(parsers.re(r"受理被拒绝，依据规则(?P<rule>[\w.]+)（条款(?P<clause>XT-[\d.]+)），理由包含“(?P<text>.+)”"))
def refused(alerts_world, rule, clause, text):
    code, body, mimetype = alerts_world.answer
    assert code == 403 and mimetype == "application/problem+json", body
    assert any(r["rule"] == rule and r["clause"] == clause and text in r["detail"] for r in body["reasons"]), body


@then(parsers.re(r"没有办件(?P<number>[\w-]+)，日志没有新增记录"))
def nothing_written(alerts_world, number):
    w = alerts_world
    assert _case(w, number) is None
    assert _counts(w) == w.before


@then(parsers.re(r"办件(?P<number>[\w-]+)的平台申报号是(?P<no>[\w-]+)"))
def platform_no(alerts_world, number, no):
    case = _case(alerts_world, number)
    assert case.platform_no == no and case.pending_platform is False and case.platform_record is True


@then(parsers.re(rf"办件(?P<number>[\w-]+)待平台补录，应于(?P<at>{TIME})前补录"))
def pending(alerts_world, number, at):
    from datetime import timezone

    case = _case(alerts_world, number)
    assert case.pending_platform is True and case.platform_no is None
    assert case.platform_due_at.replace(tzinfo=timezone.utc) == moment(at), case.platform_due_at


def _window_asks(w, action: str, number: str):
    """The comprehensive window's clerk asks for a decision on `action` for case `number`."""
    return w.client.post(
        "/api/v1/decisions",
        json={
            "person": w.people["w"],
            "action": action,
            "place": "ZH-01",
            "item": next(iter(w.items.values())),
            "case": number,
        },
        headers=bearer(w.tokens["win"]),
    )


def _seal_decision(w, number) -> dict:
    r = _window_asks(w, "use_seal", number)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


@then(parsers.re(r"对办件(?P<number>[\w-]+)用印的判定是禁止，依据规则(?P<rule>[\w.]+)"))
def seal_forbidden(alerts_world, number, rule):
    body = _seal_decision(alerts_world, number)
    assert body["allowed"] is False and rule in [r["rule"] for r in body["reasons"]], body


@then(parsers.re(r"对办件(?P<number>[\w-]+)用印的判定不因待补录而禁止"))
def seal_not_pending(alerts_world, number):
    body = _seal_decision(alerts_world, number)
    assert "place.no_seal_before_platform_record" not in [r["rule"] for r in body["reasons"]], body


@then(parsers.re(r"办件(?P<number>[\w-]+)没有体外循环预警"))
def no_outside_alert(alerts_world, number):
    assert alerts_world.alerts(number, "体外循环") == []


@then(parsers.re(r"恰好一个受理成功，另一个以(?P<rule>[\w.]+)被拒绝"))
def one_wins(alerts_world, rule):
    results = alerts_world.race
    assert sorted(code for code, _ in results) == [201, 403], results
    refused_body = next(body for code, body in results if code == 403)
    assert refused_body["reasons"][0]["rule"] == rule


@when(parsers.re(r"询问综合窗口能否对办件(?P<number>[\w-]+)出件"))
def ask_issue(alerts_world, number):
    r = _window_asks(alerts_world, "issue", number)
    alerts_world.answer = (r.status_code, r.get_json(), r.mimetype)


@then(parsers.re(r"判定是禁止，依据规则(?P<rule>[\w.]+)，未检查项中没有办件"))
def forbidden_checked(alerts_world, rule):
    code, body, _ = alerts_world.answer
    assert code == 200 and body["allowed"] is False and body["reasons"][0]["rule"] == rule, body
    assert "case" not in body["unchecked"], body


# ------------------------------------------------------------------ 帮办代办 (XT-3.5, XT-3.2)


@given(parsers.re(r"市发改委审批服务科的工作人员是“(?P<name>[^”]+)”"))
def approval_section_person(alerts_world, name):
    """FGW's approval service section and one of its people, signing in with an account of their own."""
    from registry.services import org
    from registry.services.context import SYSTEM

    w = alerts_world
    with w.rt.filing(SYSTEM) as ctx:
        section = org.create_section(ctx, {"department": "FGW", "name": "行政审批服务科", "kind": "approval_service"})
        person = org.create_person(
            ctx, {"name": name, "department": "FGW", "section": section.id, "position": "科员"}
        ).id
    w.account("fgw_sec", "department", "FGW", person)
    w.people[name] = person


AGENCY_WHO = {"综合窗口": "win", "市发改委": "fgw", "市发改委审批服务科": "fgw_sec"}


@when(
    parsers.re(
        rf"(?P<who>综合窗口|市发改委审批服务科|市发改委)于(?P<at>{TIME})在(?P<place>{PLACE})"
        r"为办件(?P<number>[\w-]+)的申请人帮办代办"
    )
)
def agency(alerts_world, who, at, place, number):
    w = alerts_world
    w.before = _counts(w)
    with w.clock(moment(at)):
        r = w.client.post(
            f"/api/v1/cases/{number}/steps",
            json={"step": "agency", "place": PLACES_HERE[place], "at": moment(at).isoformat()},
            headers=bearer(w.tokens[AGENCY_WHO[who]]),
        )
    w.answer = (r.status_code, r.get_json(), r.mimetype)


@then("帮办代办记在办件上")
def agency_recorded(alerts_world):
    code, body, _ = alerts_world.answer
    assert code == 201 and body["step"] == "agency", body


@then(
    parsers.re(
        r"帮办代办被拒绝，依据规则(?P<rule>[\w.]+)（条款(?P<clause>XT-[\d.]+)），理由包含“(?P<text>.+)”，"
        r"日志没有新增记录"
    )
)
def agency_refused(alerts_world, rule, clause, text):
    refused(alerts_world, rule, clause, text)
    assert _counts(alerts_world) == alerts_world.before


PERSON_KEYS = {"赵丽": "w", "钱进": "fgw"}  # the clerks of the scenario's world (features/steps/alerts.py)


@when(parsers.re(rf"询问(?P<who>[^的]+)的(?P<name>[^能]+)能否在(?P<place>{PLACE})为“(?P<item>[^”]+)”的申请人帮办代办"))
def ask_agency(alerts_world, who, name, place, item):
    """POST /decisions with action `agency`: the same rule as the case step (rules.agency)."""
    w = alerts_world
    r = w.client.post(
        "/api/v1/decisions",
        json={
            "person": w.people[PERSON_KEYS.get(name, name)],
            "action": "agency",
            "item": w.items[item],
            "place": PLACES_HERE[place],
        },
        headers=bearer(w.tokens["win"]),
    )
    assert r.status_code == 200, r.get_json()
    w.decision = r.get_json()


@then(
    parsers.re(
        r"判定(?P<verdict>允许|不允许)，依据规则(?P<rule>[\w.]+)（条款(?P<clause>XT-[\d.]+)），理由包含“(?P<text>.+)”"
    )
)
def agency_decision(alerts_world, verdict, rule, clause, text):
    body = alerts_world.decision
    assert body["allowed"] is (verdict == "允许"), body
    assert any(r["rule"] == rule and r["clause"] == clause and text in r["detail"] for r in body["reasons"]), body


@then("帮办代办被拒绝，理由与判定的理由相同")
def agency_refused_alike(alerts_world):
    code, body, _ = alerts_world.answer
    assert code == 403 and body["reasons"] == alerts_world.decision["reasons"], (body, alerts_world.decision)
    assert _counts(alerts_world) == alerts_world.before


__all__ = [name for name in list(globals()) if name.startswith("pytestbdd_")]
