"""A small world per test (the app fixture is in tests/conftest.py), with one token per role."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from registry.inputs.filings import PersonIn
from registry.services.accounts import create_token, create_user
from registry.services.context import SYSTEM
from tests.factories.world import city_hall


@pytest.fixture
def world(rt):
    """A small registry: two departments, a hall, places, people; tokens for every role."""
    from registry.services import org

    with rt.filing(SYSTEM) as ctx:
        for code, name, kind in [
            ("FGW", "市发改委", "department"),
            ("GA", "市公安局", "department"),
            ("ZWFW", "市政务服务中心", "gov_service"),
            ("ZF", "市人民政府", "government"),
            ("SGB", "市编办（审改办）", "reform_office"),
        ]:
            org.create_department(
                ctx,
                {
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "group": "city_department" if kind == "department" else "body",
                },
            )
        city_hall(ctx)
        a = org.create_person(ctx, PersonIn(name="张建国", department="FGW", position="行政审批科科长"))
        b = org.create_person(ctx, PersonIn(name="李明", department="FGW", position="行政审批科副科长"))
        c = org.create_person(ctx, PersonIn(name="王芳", department="GA", position="行政审批科科长"))
        w = org.create_person(ctx, PersonIn(name="赵丽", department="ZWFW", position="综合窗口受理员"))
        people = {"a": a.id, "b": b.id, "c": c.id, "w": w.id}
    tokens = {}
    with rt.filing_session() as session:
        for name, role, dept, person in [
            ("fgw", "department", "FGW", None),
            ("ga", "department", "GA", None),
            ("zwfw", "gov_service", "ZWFW", None),
            ("zf", "government", None, None),
            ("sgb", "reform_office", None, None),
            ("drc", "drc", None, None),
            ("audit", "auditor", None, None),
            ("win", "window", None, people["w"]),
            ("zhang", "window", None, people["a"]),
        ]:
            create_user(session, name, role, "password-123", department=dept, person=person)
            tokens[name] = create_token(session, name)
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
