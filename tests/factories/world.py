"""The small city the registry and API tests start from: departments and bodies, a hall and its
places, people, a user and a bearer token per role; cases onehall holds."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session

from registry.inputs.filings import DepartmentIn, HallIn, PersonIn, PlaceIn
from registry.services import org
from registry.services.accounts import create_token, create_user
from registry.services.context import SYSTEM, FilingContext


def city_hall(ctx: FilingContext) -> None:
    """The city hall (CITY, hosted by ZWFW) with a comprehensive window (ZH-01), FGW's window
    (FGW-CK) and internal office (FGW-KS), and the integrated platform (PLATFORM)."""
    org.create_hall(ctx, HallIn(code="CITY", name="市本级政务大厅", kind="city", host_department="ZWFW"))
    org.create_place(ctx, PlaceIn(code="ZH-01", name="综合受理窗口一", kind="comprehensive_window", hall="CITY"))
    org.create_place(
        ctx, PlaceIn(code="FGW-CK", name="发改委窗口", kind="department_window", hall="CITY", department="FGW")
    )
    org.create_place(ctx, PlaceIn(code="FGW-KS", name="发改委投资科", kind="internal_office", department="FGW"))
    org.create_place(ctx, PlaceIn(code="PLATFORM", name="一体化平台", kind="platform"))


def departments(ctx: FilingContext, rows) -> None:
    """A department or body for each (code, name, kind[, low volume]) row: kind `department` is in
    the city departments' group, every other kind a body."""
    for code, name, kind, *low in rows:
        group = "city_department" if kind == "department" else "body"
        org.create_department(
            ctx,
            DepartmentIn.model_validate(
                {"code": code, "name": name, "kind": kind, "group": group, "low_volume": any(low)}
            ),
        )


BODIES = [
    ("ZWFW", "市政务服务中心", "gov_service"),
    ("ZF", "市人民政府", "government"),
    ("SGB", "市编办（审改办）", "reform_office"),
]


def role_accounts(session: Session, departments, windows: dict[str, int], password: str | None) -> dict[str, str]:
    """A user with `password` and a bearer token for every role: one per department code of
    `departments` (named by the code in lower case), the service centre (zwfw), the government
    (zf), the reform office (sgb), the fee reviewers (drc), the auditor (audit), and a window user
    for each name → person of `windows`. Returns name → token."""
    rows = [(code.lower(), "department", code, None) for code in departments]
    rows += [("zwfw", "gov_service", "ZWFW", None), ("zf", "government", None, None)]
    rows += [("sgb", "reform_office", None, None), ("drc", "drc", None, None), ("audit", "auditor", None, None)]
    rows += [(name, "window", None, person) for name, person in windows.items()]
    tokens = {}
    for name, role, department, person in rows:
        create_user(session, name, role, password, department=department, person=person)
        tokens[name] = create_token(session, name)
    return tokens


@pytest.fixture
def world(rt):
    """A small registry: two departments, a hall, places, people; tokens for every role."""
    from registry.services import org

    with rt.filing(SYSTEM) as ctx:
        departments(ctx, [("FGW", "市发改委", "department"), ("GA", "市公安局", "department"), *BODIES])
        city_hall(ctx)
        a = org.create_person(ctx, PersonIn(name="张建国", department="FGW", position="行政审批科科长"))
        b = org.create_person(ctx, PersonIn(name="李明", department="FGW", position="行政审批科副科长"))
        c = org.create_person(ctx, PersonIn(name="王芳", department="GA", position="行政审批科科长"))
        w = org.create_person(ctx, PersonIn(name="赵丽", department="ZWFW", position="综合窗口受理员"))
        people = {"a": a.id, "b": b.id, "c": c.id, "w": w.id}
    with rt.filing_session() as session:
        tokens = role_accounts(session, ["FGW", "GA"], {"win": people["w"], "zhang": people["a"]}, "password-123")
    return {"people": people, "tokens": tokens}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


T0 = datetime(2019, 1, 1, tzinfo=timezone.utc)


def hold_case(rt, number: str, item: str, place: str = "ZH-01", accepted_at: datetime | None = None) -> None:
    """A case onehall holds, properly accepted: the platform reported its application and a
    window accepted it (through the services; the door itself is tested in test_door.py)."""
    from registry.services import cases as case_service
    from registry.services import platform
    from registry.services.context import Actor

    when = accepted_at or datetime(2019, 3, 1, 2, tzinfo=timezone.utc)
    with rt.filing(Actor(name="platform", role="platform")) as ctx:
        platform.report_application(
            ctx,
            {"platform_no": f"PT-{number}", "item": item, "applicant": f"申请人{number}", "applied_at": when},
            secret=b"test",
        )
    with rt.filing(Actor(name="window", role="window")) as ctx:
        case_service.open_case(
            ctx,
            {"number": number, "item": item, "place": place, "accepted_at": when},
            key=f"test:{number}",
            due_at=None,
            clock_pending=False,
            decision_id=None,
            platform_no=f"PT-{number}",
        )


def at(text: str) -> datetime:
    """An ISO time; without an offset it is read as Asia/Shanghai (the hall's clock)."""
    from registry.inputs.types import parse_time

    return parse_time(text)
