"""Cases accepted at windows after a decision; steps logged; 两头受理 raises an alert."""

from __future__ import annotations

import pytest

from registry.calendar import seed_from_chinesecalendar
from tests.factories.world import bearer
from tests.factories.api import ITEM, file_item
from tests.factories.api import case, gov_grant, hall_clock, platform_token  # noqa: F401  (helpers and fixtures)


def reported(
    client, rt, platform_no="PT-0001", item="FGW-002", applicant="湘潭某建材有限公司", at="2026-09-30T15:50:00+08:00"
):
    """The integrated platform reports the application (as its API client would)."""
    r = client.post(
        "/api/v1/platform/applications",
        json={"platform_no": platform_no, "item": item, "applicant": applicant, "applied_at": at},
        headers=bearer(platform_token(rt)),
    )
    assert r.status_code == 201, r.get_json()


@pytest.fixture(autouse=True)
def calendar_2026(rt):
    with rt.filing_session() as session:
        seed_from_chinesecalendar(session, [2026])


def test_comprehensive_window_accepts_and_records_steps(client, world, rt):
    file_item(client, world, {**ITEM, "code": "FGW-002", "case_type": "commitment"})
    gov_grant(client, world)
    reported(client, rt)
    r = client.post("/api/v1/cases", json=case("XT-0001", world), headers=bearer(world["tokens"]["win"]))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["log_index"] >= 0
    # 5 working days counted from the day after acceptance, over the National Day holiday
    # (2026-10-01..07 off, 2026-10-10 a make-up working day): due at the close of 2026-10-13.
    assert body["due_at"] == "2026-10-13T09:30:00Z" and body["clock_pending"] is False
    r = client.post(
        "/api/v1/cases/XT-0001/steps", json={"step": "issued", "place": "ZH-01"}, headers=bearer(world["tokens"]["win"])
    )
    assert r.status_code == 201 and r.get_json()["log_index"] > body["log_index"]


def test_acceptance_in_an_internal_office_is_refused(client, world):
    file_item(client, world, {**ITEM, "code": "FGW-002", "case_type": "commitment"})
    gov_grant(client, world)
    r = client.post(
        "/api/v1/cases", json=case("XT-0002", world, place="FGW-KS"), headers=bearer(world["tokens"]["win"])
    )
    assert r.status_code == 403
    assert r.get_json()["reasons"]
