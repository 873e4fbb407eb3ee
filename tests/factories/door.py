"""The hall's door: the 2026 calendar, a hall ready to accept, the platform's reports, acceptances and their refusals."""

from __future__ import annotations

import pytest

from registry.calendar import seed_from_chinesecalendar
from tests.factories.api import ITEM, case, file_item, gov_grant, platform_token
from tests.factories.world import bearer


@pytest.fixture(autouse=True)
def calendar_2026(rt):
    with rt.filing_session() as session:
        seed_from_chinesecalendar(session, [2026])


@pytest.fixture
def hall(client, world, rt):
    file_item(client, world, {**ITEM, "code": "FGW-002", "case_type": "commitment"})
    gov_grant(client, world)
    world["tokens"]["yth"] = platform_token(rt)
    return world


def report(
    client,
    world,
    platform_no="PT-0001",
    item="FGW-002",
    applicant="湘潭某建材有限公司",
    at="2026-09-30T15:50:00+08:00",
    expect=201,
):
    r = client.post(
        "/api/v1/platform/applications",
        json={"platform_no": platform_no, "item": item, "applicant": applicant, "applied_at": at},
        headers=bearer(world["tokens"]["yth"]),
    )
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def accept(client, world, number, **kw):
    return client.post("/api/v1/cases", json=case(number, world, **kw), headers=bearer(world["tokens"]["win"]))


def assert_refused(r, rule: str, text: str) -> None:
    assert r.status_code == 403 and r.mimetype == "application/problem+json", r.get_json()
    reasons = r.get_json()["reasons"]
    assert any(x["rule"] == rule and x["clause"] == "XT-3.3.1" and text in x["detail"] for x in reasons), reasons
