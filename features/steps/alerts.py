"""Step definitions of features/alerts.feature: the alerts of the monitoring clock, on a real app.

Each scenario builds the web app on a fresh SQLite database in tmp_path (the policy statement;
both backends are covered by tests/), with the seeded 2026 calendar, a small world and one
token per role. Items, grants, delegations, cases and their steps are filed through the HTTP
API as users file them (a case the platform reports, through the case service); the clock is
``application.scheduler.clocks_pass(rt, now)`` at the times the scenario names (never sleeping); the
outcome is read from the ``Alert`` rows (rule, clause, level, state).

Imported by features/conftest.py, so the scenarios run once, through ``scenarios(".")``.
"""

from __future__ import annotations

import re
from datetime import timezone

import pytest
from pytest_bdd import given, parsers, then, when

from features.steps.app_world import DEPARTMENTS, KIND, KINDS, PLACES, TIME, WHO, AlertsWorld, moment


@pytest.fixture
def alerts_world(tmp_path):
    w = AlertsWorld(tmp_path)
    yield w
    if w.rt is not None:
        w.rt.engine.dispose()


# ------------------------------------------------------------------ 假如: the platform, items, delegations


@given(parsers.re(r"政务服务平台已导入2026年工作日历，办公时间为(?P<hours>.+)"))
def platform(alerts_world, hours):
    from application.scheduler import office_hours

    alerts_world.build()
    stated = [(a.zfill(5), b.zfill(5)) for a, b in re.findall(r"(\d{1,2}:\d{2})[—\-至到~]+(\d{1,2}:\d{2})", hours)]
    pack = [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in office_hours(alerts_world.rt).periods]
    assert stated == pack, f"场景写的办公时间 {stated} 与规则包的 {pack} 不一致"


@given(parsers.re(r"(?P<dept>市\S+?)的(?P<kind>承诺件|即办件)“(?P<name>[^”]+)”(?:承诺(?P<days>\d+)个工作日)?"))
def item(alerts_world, dept, kind, name, days):
    w, code = alerts_world, DEPARTMENTS[dept]
    number = f"{code}-{len(w.items) + 1:03d}"
    w.post(
        "/items",
        {
            "code": number,
            "name": name,
            "department": code,
            "item_type": "行政许可",
            "case_type": "commitment" if kind == "承诺件" else "instant",
            "statutory_limit": {"value": 20, "unit": "working_day"},
            "promised_limit": {"value": int(days), "unit": "working_day"} if days else None,
            "entry": {"hall": "CITY"},
            "effective_from": "2019-01-01T00:00:00+08:00",
        },
        code.lower(),
    )
    w.post(f"/items/{number}/review", {"result": "approved"}, "sgb")
    w.items[name] = number
    if code not in w.granted:  # the department authorizes the hall's body to receive and accept (综合窗口)
        w.post(
            "/authorizations",
            {
                "grantor": code,
                "grantee": {"gov_service": True},
                "powers": ["consult", "receive", "accept", "issue"],
                "valid_from": "2019-01-01",
            },
            code.lower(),
        )
        w.granted.add(code)


@given(
    parsers.re(r"(?P<dept>市\S+?)自(?P<day>\d{4}年\d{1,2}月\d{1,2}日)起委托政务服务部门受理其全部事项（事进人不进）")
)
def delegation(alerts_world, dept, day):
    alerts_world.post(
        "/delegations", {"items": "*", "from": moment(day + "0:00").isoformat()}, DEPARTMENTS[dept].lower()
    )


@given(parsers.re(r"(?P<dept>市\S+?)的A岗首席代表是“(?P<name>[^”]+)”"))
def chief_representative(alerts_world, dept, name):
    """The department's A post: a person of its own, authorized with the chief representative's
    minimum powers, signing in with an account linked to that person."""
    from registry.services import org
    from registry.services.context import SYSTEM
    from vocab import CHIEF_REP_MINIMUM

    w, code = alerts_world, DEPARTMENTS[dept]
    with w.rt.filing(SYSTEM) as ctx:
        person = org.create_person(ctx, {"name": name, "department": code, "position": "审批服务科科长"}).id
    w.post(
        "/authorizations",
        {
            "grantor": code,
            "grantee": {"person": person},
            "post": "A",
            "powers": list(CHIEF_REP_MINIMUM),
            "valid_from": "2019-01-01",
        },
        code.lower(),
    )
    w.account(f"{code.lower()}_rep", "department", code, person)


# ------------------------------------------------------------------ 假如/当: cases and their steps

ACCEPT = (
    rf"(?P<place>综合窗口|一体化平台|发改委窗口)于(?P<at>{TIME})受理了(?:“(?P<name>[^”]+)”的)?办件(?P<number>[\w-]+)"
    r"(?:，申请人为“(?P<applicant>[^”]+)”)?(?P<outside>，但没有一体化平台记录（门禁规则之前登记）)?"
)


@given(parsers.re(ACCEPT))
@when(parsers.re(ACCEPT))
def accept(alerts_world, place, at, name, number, applicant, outside):
    """An acceptance through the door: the platform reported the application first (its number
    is the case's). Without a platform record the case is one recorded before the door existed
    (what the monitoring still has to catch), filed through the case service."""
    w = alerts_world
    item = w.items[name] if name else next(iter(w.items.values()))
    applicant = applicant or f"申请人{number}"
    if outside:
        from registry.services import cases as case_service
        from registry.services._common import latest_item
        from registry.services.context import Actor
        from application.casework import _due

        with w.rt.filing(Actor(name="legacy", role="window")) as ctx:
            due, pending = _due(ctx.session, latest_item(ctx.session, item, published_only=True), moment(at))
            case_service.open_case(
                ctx,
                {
                    "number": number,
                    "item": item,
                    "place": PLACES[place],
                    "accepted_at": moment(at),
                    "person": w.people["w"],
                    "platform_record": False,
                },
                key=f"legacy:{number}",
                due_at=due,
                clock_pending=pending,
                decision_id=None,
            )
        return
    w.report(f"PT-{number}", item, applicant, moment(at))
    with w.clock(moment(at)):
        w.post(
            "/cases",
            {
                "number": number,
                "item": item,
                "place": PLACES[place],
                "person": w.people["w"],
                "applicant": applicant,
                "accepted_at": moment(at).isoformat(),
                "platform_no": f"PT-{number}",
            },
            "win",
        )


@given(parsers.re(rf"一体化平台报送：办件(?P<number>[\w-]+)于(?P<at>{TIME})在(?P<place>\S+?)受理了“(?P<name>[^”]+)”"))
def reported(alerts_world, number, at, place, name):
    """A case the platform reports as it happened (the window's ask-first is not in the loop)."""
    from registry.services import cases as case_service
    from registry.services._common import latest_item
    from registry.services.context import Actor
    from application.casework import _due

    w, accepted_at = alerts_world, moment(at)
    with w.rt.filing(Actor(name="platform", role="window")) as ctx:
        due, pending = _due(ctx.session, latest_item(ctx.session, w.items[name], published_only=True), accepted_at)
        case_service.open_case(
            ctx,
            {
                "number": number,
                "item": w.items[name],
                "place": PLACES[place],
                "accepted_at": accepted_at,
                "person": w.people["w"],
            },
            key=f"platform:{number}",
            due_at=due,
            clock_pending=pending,
            decision_id=None,
        )


STEP = rf"(?P<who>\S+?)于(?P<at>{TIME})(?:在(?P<place>\S+?))?(?P<step>承办|审批|出件)了办件(?P<number>[\w-]+)"


@given(parsers.re(STEP))
@when(parsers.re(STEP))
def case_step(alerts_world, who, at, place, step, number):
    code = {"承办": "taken_up", "审批": "decided", "出件": "issued"}[step]
    place = PLACES[place] if place else (PLACES.get(who) or None)
    with alerts_world.clock(moment(at)):
        alerts_world.post(
            f"/cases/{number}/steps", {"step": code, "place": place, "at": moment(at).isoformat()}, WHO[who]
        )


# ------------------------------------------------------------------ 当: the monitoring clock


@when(parsers.re(rf"监察时钟在(?P<at>{TIME})(?:再次)?运行"))
def run_clock(alerts_world, at):
    from application.scheduler import clocks_pass

    alerts_world.last = clocks_pass(alerts_world.rt, moment(at))


# ------------------------------------------------------------------ 那么: the alerts


@given(parsers.re(rf"办件(?P<number>[\w-]+)应于(?P<at>{TIME})前办结"))
@then(parsers.re(rf"办件(?P<number>[\w-]+)应于(?P<at>{TIME})前办结"))
def due_at(alerts_world, number, at):
    from registry.models import Case

    with alerts_world.rt.reading() as session:
        case = session.get(Case, number)
        assert case.due_at is not None and case.due_at.replace(tzinfo=timezone.utc) == moment(at), case.due_at


@then(parsers.re(rf"办件(?P<number>[\w-]+)有(?P<kind>{KIND})预警，依据条款(?P<clause>XT-[\d.]+)"))
def has_alert(alerts_world, number, kind, clause):
    rule, level = KINDS[kind]
    live = [a for a in alerts_world.alerts(number, kind) if a.state != "resolved"]
    assert len(live) == 1, [(a.key, a.state) for a in alerts_world.alerts(number)]
    a = live[0]
    assert (a.rule, a.clause, a.level) == (rule, clause, level), (a.rule, a.clause, a.level)


@then(parsers.re(rf"办件(?P<number>[\w-]+)的(?P<kind>{KIND})预警(?P<state>已解除|仍未解除)"))
def alert_state(alerts_world, number, kind, state):
    rows = alerts_world.alerts(number, kind)
    assert len(rows) == 1, [(a.key, a.state) for a in rows]
    assert (rows[0].state == "resolved") is (state == "已解除"), rows[0].state
    if state == "已解除":
        assert rows[0].resolved_at is not None


@then(parsers.re(rf"办件(?P<number>[\w-]+)的(?P<kind>{KIND})预警说明包含“(?P<text>.+)”"))
def alert_text(alerts_world, number, kind, text):
    texts = [a.text for a in alerts_world.alerts(number, kind)]
    assert texts and all(text in t for t in texts), texts


@then(parsers.re(rf"办件(?P<number>[\w-]+)只有一条(?P<kind>{KIND})预警"))
def one_alert(alerts_world, number, kind):
    assert len(alerts_world.alerts(number, kind)) == 1, [(a.key, a.state) for a in alerts_world.alerts(number)]


@then(parsers.re(r"办件(?P<number>[\w-]+)没有预警"))
def no_alert(alerts_world, number):
    assert alerts_world.alerts(number) == [], [(a.key, a.text) for a in alerts_world.alerts(number)]


@then("这次运行没有产生新的预警")
def nothing_new(alerts_world):
    assert alerts_world.last is not None and alerts_world.last["raised"] == [], alerts_world.last


# features/conftest.py imports this module with `*`: export the fixture and the step fixtures only.
__all__ = ["alerts_world"] + [name for name in list(globals()) if name.startswith("pytestbdd_")]
