"""The app one scenario of alerts.feature and door.feature runs on (`AlertsWorld`): a fresh SQLite
database with the seeded 2026 calendar, a small world (`WORLD_DEPARTMENTS`, `WORLD_PLACES`), one
token per role, and the hall's clock; with the times and names the scenarios write."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import select

from registry.inputs.filings import DepartmentIn, HallIn, PersonIn, PlaceIn
from vocab.clock import SHANGHAI

# The world every scenario starts from: departments (code, name, kind, low volume) and places
# (code, name, kind, hall, department); the scenarios name departments and places by name.
WORLD_DEPARTMENTS = [
    ("FGW", "市发改委", "department", False),
    ("DAJ", "市档案局", "department", True),
    ("ZWFW", "市政务服务中心", "gov_service", False),
    ("SGB", "市编办（审改办）", "reform_office", False),
]
WORLD_PLACES = [
    ("ZH-01", "综合窗口", "comprehensive_window", "CITY", None),
    ("FGW-CK", "发改委窗口", "department_window", "CITY", "FGW"),
    ("FGW-KS", "发改委投资科", "internal_office", None, "FGW"),
    ("DAJ-KS", "档案局利用科", "internal_office", None, "DAJ"),
    ("PLATFORM", "一体化平台", "platform", None, None),
]
DEPARTMENTS = {name: code for code, name, kind, _ in WORLD_DEPARTMENTS if kind == "department"}
PLACES = {name: code for code, name, *_ in WORLD_PLACES}
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
            for code, name, kind, low in WORLD_DEPARTMENTS:
                group = "city_department" if kind == "department" else "body"
                org.create_department(
                    ctx,
                    DepartmentIn.model_validate(
                        {"code": code, "name": name, "kind": kind, "low_volume": low, "group": group}
                    ),
                )
            org.create_hall(ctx, HallIn(code="CITY", name="市本级政务大厅", kind="city", host_department="ZWFW"))
            for code, name, kind, hall, department in WORLD_PLACES:
                org.create_place(ctx, PlaceIn(code=code, name=name, kind=kind, hall=hall, department=department))
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
        for name, role, dept, person in [
            ("fgw", "department", "FGW", self.people["fgw"]),
            ("daj", "department", "DAJ", self.people["daj"]),
            ("sgb", "reform_office", None, None),
            ("audit", "auditor", None, None),
            ("win", "window", None, self.people["w"]),
        ]:
            self.account(name, role, dept, person)
        self.client = self.app.test_client()

    def account(self, name: str, role: str, department: str | None = None, person: int | None = None) -> str:
        """The API token of the account `name`, made with its user on first use (tokens only: no
        password hashing)."""
        if name not in self.tokens:
            from registry.services.accounts import create_token, create_user

            with self.rt.filing_session() as session:
                create_user(session, name, role, None, department=department, person=person)
                self.tokens[name] = create_token(session, name)
        return self.tokens[name]

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
        self.account("yth", "platform")
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
