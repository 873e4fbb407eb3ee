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
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from pytest_bdd import given, parsers, then, when
from sqlalchemy import select

from registry.inputs.filings import HallIn, PersonIn, PlaceIn
from vocab.clock import SHANGHAI


DEPARTMENTS = {"市发改委": "FGW", "市档案局": "DAJ"}
PLACES = {
    "综合窗口": "ZH-01",
    "一体化平台": "PLATFORM",
    "发改委窗口": "FGW-CK",
    "发改委投资科": "FGW-KS",
    "档案局利用科": "DAJ-KS",
}
WHO = {"综合窗口": "win", "市发改委": "fgw", "市档案局": "daj", "市档案局首席代表": "daj_rep"}
# 预警种类 → (rule, level): the kinds an alert is named by in the scenarios
KINDS = {
    "黄色": ("clock.yellow", "yellow"),
    "红色": ("clock.red", "red"),
    "超时未响应": ("clock.delegated_response", "red"),
    "体外循环": ("entry.outside_system", "red"),
    "内部科室受理审批": ("entry.internal_office", "red"),
    "两头受理": ("entry.no_double_acceptance", "red"),
}
TIME = r"\d{4}年\d{1,2}月\d{1,2}日\d{1,2}:\d{2}"
KIND = "|".join(KINDS)


def moment(text: str) -> datetime:
    """'2026年9月30日16:00' (the hall's clock, Asia/Shanghai) → aware UTC datetime."""
    y, mo, d, h, mi = map(int, re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日(\d{1,2}):(\d{2})", text).groups())
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI).astimezone(timezone.utc)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class AlertsWorld:
    """The app of one scenario, its tokens and people, the items filed, the last clock pass."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.app = self.rt = self.client = None
        self.tokens: dict[str, str] = {}
        self.people: dict[str, int] = {}
        self.items: dict[str, str] = {}  # name → code
        self.granted: set[str] = set()  # departments that authorized the gov_service body
        self.last: dict | None = None  # the result of the last clock pass

    def build(self) -> None:
        from registry import migrate
        from registry.calendar import seed_from_chinesecalendar
        from registry.services import org
        from registry.services.accounts import create_token, create_user
        from registry.services.context import SYSTEM
        from web.app import create_app
        from application.config import Settings
        from application.packs import ensure_active_pack

        settings = Settings(
            instance_dir=self.tmp_path / "instance",
            database_url=f"sqlite:///{self.tmp_path / 'hall.db'}",
            key_dir=self.tmp_path / "keys",
            key_passphrase=b"test-passphrase",
            secret_key="test",
            testing=True,
            checkpoint_interval_ms=10,
        )
        settings.instance_dir.mkdir(parents=True, exist_ok=True)
        self.app = create_app(settings)
        self.rt = self.app.extensions["onehall"]
        migrate.upgrade(self.rt.engine)
        ensure_active_pack(self.rt)
        with self.rt.filing(SYSTEM) as ctx:
            for code, name, kind, low in [
                ("FGW", "市发改委", "department", False),
                ("DAJ", "市档案局", "department", True),
                ("ZWFW", "市政务服务中心", "gov_service", False),
                ("SGB", "市编办（审改办）", "reform_office", False),
            ]:
                org.create_department(
                    ctx,
                    {
                        "code": code,
                        "name": name,
                        "kind": kind,
                        "low_volume": low,
                        "group": "city_department" if kind == "department" else "body",
                    },
                )
            org.create_hall(ctx, HallIn(code="CITY", name="市本级政务大厅", kind="city", host_department="ZWFW"))
            org.create_place(ctx, PlaceIn(code="ZH-01", name="综合窗口", kind="comprehensive_window", hall="CITY"))
            org.create_place(
                ctx, PlaceIn(code="FGW-CK", name="发改委窗口", kind="department_window", hall="CITY", department="FGW")
            )
            org.create_place(ctx, PlaceIn(code="FGW-KS", name="发改委投资科", kind="internal_office", department="FGW"))
            org.create_place(ctx, PlaceIn(code="DAJ-KS", name="档案局利用科", kind="internal_office", department="DAJ"))
            org.create_place(ctx, PlaceIn(code="PLATFORM", name="一体化平台", kind="platform"))
            self.people["w"] = org.create_person(
                ctx, PersonIn(name="赵丽", department="ZWFW", position="综合窗口受理员")
            ).id
            # each department's account is linked to its clerk: a case step names the caller's person
            self.people["fgw"] = org.create_person(
                ctx, PersonIn(name="钱进", department="FGW", position="审批服务科科员")
            ).id
            self.people["daj"] = org.create_person(
                ctx, PersonIn(name="孙兰", department="DAJ", position="审批服务科科员")
            ).id
            seed_from_chinesecalendar(ctx.session, [2026])
        with self.rt.filing_session() as session:  # tokens only: no password hashing
            for name, role, dept, person in [
                ("fgw", "department", "FGW", self.people["fgw"]),
                ("daj", "department", "DAJ", self.people["daj"]),
                ("sgb", "reform_office", None, None),
                ("audit", "auditor", None, None),
                ("win", "window", None, self.people["w"]),
            ]:
                create_user(session, name, role, None, department=dept, person=person)
                self.tokens[name] = create_token(session, name)
        self.client = self.app.test_client()

    @contextmanager
    def clock(self, at: datetime):
        """The hall's clock reads `at` while a window files what happens at `at` (a case step is
        not back-dated beyond the pack's step_backdate_hours, application.acts)."""
        import application.acts

        saved = application.acts.utcnow
        application.acts.utcnow = lambda: at
        try:
            yield
        finally:
            application.acts.utcnow = saved

    def post(self, path: str, body: dict, who: str, expect: int = 201) -> dict:
        r = self.client.post(f"/api/v1{path}", json=body, headers=bearer(self.tokens[who]))
        assert r.status_code == expect, (path, r.status_code, r.get_json())
        return r.get_json()

    def report(self, platform_no: str, item: str, applicant: str, at: datetime) -> None:
        """The integrated platform reports an application through its API client (role platform)."""
        if "yth" not in self.tokens:
            from registry.services.accounts import create_token, create_user

            with self.rt.filing_session() as session:
                create_user(session, "yth", "platform", None)
                self.tokens["yth"] = create_token(session, "yth")
        self.post(
            "/platform/applications",
            {"platform_no": platform_no, "item": item, "applicant": applicant, "applied_at": at.isoformat()},
            "yth",
        )

    def alerts(self, case: str, kind: str | None = None) -> list:
        from registry.models import Alert

        stmt = select(Alert).where(Alert.case == case).order_by(Alert.id)
        if kind is not None:
            stmt = stmt.where(Alert.rule == KINDS[kind][0])
        with self.rt.reading() as session:
            rows = list(session.scalars(stmt))
            session.expunge_all()
        return rows


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
    from registry.services.accounts import create_token, create_user
    from registry.services.context import SYSTEM
    from vocab import CHIEF_REP_MINIMUM

    w, code = alerts_world, DEPARTMENTS[dept]
    with w.rt.filing(SYSTEM) as ctx:
        person = org.create_person(ctx, PersonIn(name=name, department=code, position="审批服务科科长")).id
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
    with w.rt.filing_session() as session:
        account = f"{code.lower()}_rep"
        create_user(session, account, "department", None, department=code, person=person)
        w.tokens[account] = create_token(session, account)


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
