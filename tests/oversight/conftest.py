"""Oversight tests: an app per test on SQLite and PostgreSQL, a small world, one token per role.

Users are created without passwords (tokens only): an Argon2 hash costs about half a second,
and these tests never log in through the browser.
"""

from __future__ import annotations


import pytest

from registry.inputs.filings import PersonIn
from registry.calendar import seed_from_chinesecalendar
from registry.services import org
from registry.services.context import SYSTEM
from tests.factories.world import BODIES, city_hall, departments, role_accounts
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
        departments(
            ctx,
            [
                ("FGW", "市发改委", "department"),
                ("GA", "市公安局", "department", True),
                ("ZJ", "市住建局", "department"),
                *BODIES,
            ],
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
    with rt.filing_session() as session:
        tokens = role_accounts(session, ["FGW", "GA", "ZJ"], {"win": people["w"]}, None)
    return {"people": people, "tokens": tokens}
