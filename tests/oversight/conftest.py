"""Oversight tests: an app per test on SQLite and PostgreSQL, a small world, one token per role.

Users are created without passwords (tokens only): an Argon2 hash costs about half a second,
and these tests never log in through the browser.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from registry.inputs.filings import PersonIn
from registry.calendar import seed_from_chinesecalendar
from registry.services import org
from registry.services.accounts import create_token, create_user
from registry.services.context import SYSTEM
from tests.factories.world import city_hall
from application.notify import LogNotifier


@pytest.fixture
def rt(rt):
    """The shared runtime, with a notifier that only records."""
    rt.notifier = LogNotifier()
    return rt


@pytest.fixture
def world(rt):
    """Departments (FGW, GA low-volume, ZJ the investment section's lead), the bodies, a hall,
    places, people, the 2026 calendar; a token for every role."""
    with rt.filing(SYSTEM) as ctx:
        for code, name, kind, low in [
            ("FGW", "市发改委", "department", False),
            ("GA", "市公安局", "department", True),
            ("ZJ", "市住建局", "department", False),
            ("ZWFW", "市政务服务中心", "gov_service", False),
            ("ZF", "市人民政府", "government", False),
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
        city_hall(ctx)
        people = {}
        for key, name, dept, position in [
            ("a", "张建国", "FGW", "行政审批科科长"),
            ("b", "李明", "FGW", "行政审批科副科长"),
            ("s", "陈静", "FGW", "科员"),
            ("c", "王芳", "GA", "行政审批科科长"),
            ("w", "赵丽", "ZWFW", "综合窗口受理员"),
        ]:
            people[key] = org.create_person(ctx, PersonIn(name=name, department=dept, position=position)).id
        seed_from_chinesecalendar(ctx.session, [2026])
    tokens = {}
    with rt.filing_session() as session:
        for name, role, dept, person in [
            ("fgw", "department", "FGW", None),
            ("ga", "department", "GA", None),
            ("zj", "department", "ZJ", None),
            ("zwfw", "gov_service", "ZWFW", None),
            ("zf", "government", None, None),
            ("sgb", "reform_office", None, None),
            ("drc", "drc", None, None),
            ("audit", "auditor", None, None),
            ("win", "window", None, people["w"]),
        ]:
            create_user(session, name, role, None, department=dept, person=person)
            tokens[name] = create_token(session, name)
    return {"people": people, "tokens": tokens}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def at(text: str) -> datetime:
    """An ISO time; without an offset it is read as Asia/Shanghai (the hall's clock)."""
    from registry.inputs.types import parse_time

    return parse_time(text)
