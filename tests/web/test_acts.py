"""docs/design.md §12.4 acts bound to who and where: a place-bound window token acts only at its place
for cases and steps as for seals; a case step's person is the caller's linked person; steps are
not back-dated beyond the pack's step_backdate_hours (XT-5.3); a department names only its own
people as section heads; what-if answers a department only about its own items. Every refusal
writes nothing: no case, no step, no log entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.db import utcnow
from registry.models import Case, CaseStep, LogEntry, Section
from registry.services.accounts import create_token, create_user
from tests.factories.world import bearer
from tests.factories.api import ITEM, authorization, file_item, gov_grant


def counts(rt) -> tuple[int, int, int, int]:
    with rt.reading() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Case, CaseStep, LogEntry, Section)
        )


def iso(dt) -> str:
    return dt.isoformat().replace("+00:00", "Z")


@pytest.fixture
def hall(rt, client, world):
    """An instant item of FGW the comprehensive window may accept (the service body is granted),
    and the applications of the cases below, reported by the integrated platform (the door refuses
    an acceptance the platform never reported)."""
    file_item(client, world)
    gov_grant(client, world)
    with rt.filing_session() as session:
        create_user(session, "yth", "platform", None)
        platform = create_token(session, "yth")
    for number in ("P-1", "Q-1", "R-1"):
        r = client.post(
            "/api/v1/platform/applications",
            json={
                "platform_no": f"PT-{number}",
                "item": "FGW-001",
                "applicant": "湘潭某建材有限公司",
                "applied_at": iso(utcnow() - timedelta(days=2)),
            },
            headers=bearer(platform),
        )
        assert r.status_code == 201, r.get_json()
    return world


def case(number, world, place="ZH-01", person=None, **extra):
    return {
        "number": number,
        "item": "FGW-001",
        "place": place,
        "person": person or world["people"]["w"],
        "applicant": "湘潭某建材有限公司",
        "platform_no": f"PT-{number}",
        **extra,
    }


def open_case(client, world, number, token=None, **kw):
    return client.post("/api/v1/cases", json=case(number, world, **kw), headers=bearer(token or world["tokens"]["win"]))


def test_a_place_bound_token_opens_cases_and_records_steps_only_at_its_place(rt, client, hall):
    with rt.filing_session() as session:
        bound = create_token(session, "win", place="ZH-01")
    before = counts(rt)
    r = open_case(client, hall, "P-1", token=bound, place="FGW-CK")
    assert r.status_code == 403 and r.get_json()["reasons"][0]["rule"] == "token.place"
    assert r.get_json()["reasons"][0]["clause"] == "XT-3.3.1"
    assert counts(rt) == before

    assert open_case(client, hall, "P-1", token=bound).status_code == 201
    before = counts(rt)
    r = client.post("/api/v1/cases/P-1/steps", json={"step": "issued", "place": "FGW-CK"}, headers=bearer(bound))
    assert r.status_code == 403 and r.get_json()["reasons"][0]["rule"] == "token.place"
    assert counts(rt) == before
    r = client.post("/api/v1/cases/P-1/steps", json={"step": "issued"}, headers=bearer(bound))
    assert r.status_code == 201 and r.get_json()["place"] == "ZH-01"  # the token's own place


def test_a_case_step_names_the_callers_own_person(rt, client, hall):
    before = counts(rt)
    r = open_case(client, hall, "Q-1", person=hall["people"]["a"])  # someone else's name
    assert r.status_code == 403 and r.get_json()["reasons"][0]["rule"] == "case.own_credential"
    assert counts(rt) == before
    assert open_case(client, hall, "Q-1").status_code == 201

    before = counts(rt)
    for token, body in [
        ("win", {"step": "issued", "person": hall["people"]["a"]}),  # another person
        ("fgw", {"step": "decided"}),  # no linked person
        ("win", {"step": "issued", "person": 2**31 - 1}),
    ]:  # an unknown one
        r = client.post("/api/v1/cases/Q-1/steps", json=body, headers=bearer(hall["tokens"][token]))
        assert r.status_code == 403, (token, body, r.get_json())
        assert r.mimetype == "application/problem+json" and r.get_json()["reasons"][0]["clause"] == "XT-5.3"
    assert counts(rt) == before

    r = client.post("/api/v1/cases/Q-1/steps", json={"step": "issued"}, headers=bearer(hall["tokens"]["win"]))
    assert r.status_code == 201
    with rt.reading() as session:
        step = session.get(CaseStep, r.get_json()["id"])
        assert step.person == hall["people"]["w"]


def test_steps_are_not_back_dated_beyond_the_pack_limit(rt, client, hall):
    limit = rt.policy.engine.pack.parameters["step_backdate_hours"]
    assert limit == 24
    before = counts(rt)
    r = open_case(client, hall, "R-1", accepted_at=iso(utcnow() - timedelta(hours=limit + 1)))
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "accepted_at"
    assert counts(rt) == before
    assert open_case(client, hall, "R-1", accepted_at=iso(utcnow() - timedelta(hours=limit - 1))).status_code == 201

    before = counts(rt)
    for at in (utcnow() - timedelta(hours=limit, minutes=5), utcnow() + timedelta(days=1)):
        r = client.post(
            "/api/v1/cases/R-1/steps", json={"step": "issued", "at": iso(at)}, headers=bearer(hall["tokens"]["win"])
        )
        assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "at"
    assert "step_backdate_hours" in r.text or "晚于" in r.text
    assert counts(rt) == before
    r = client.post(
        "/api/v1/cases/R-1/steps",
        json={"step": "issued", "at": iso(utcnow() - timedelta(hours=2))},
        headers=bearer(hall["tokens"]["win"]),
    )
    assert r.status_code == 201


def test_the_pack_limit_is_a_checked_parameter(tmp_path):
    import shutil

    from rules.pack import check_pack, default_pack_dir

    pack = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    assert "step_backdate_hours: 24" in text
    (pack / "pack.yaml").write_text(
        text.replace("step_backdate_hours: 24", "step_backdate_hours: -3"), encoding="utf-8"
    )
    assert any("step_backdate_hours" in str(e) for e in check_pack(str(pack)))


def test_a_department_names_only_its_own_people_as_section_heads(rt, client, world):
    before = counts(rt)
    r = client.post(
        "/api/v1/sections",
        json={"department": "FGW", "name": "投资科", "head": world["people"]["c"]},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "head"
    assert counts(rt) == before
    r = client.post(
        "/api/v1/sections",
        json={"department": "FGW", "name": "投资科", "head": world["people"]["a"]},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 201
    from registry.errors import Invalid
    from registry.services import org
    from registry.services.context import Actor

    with pytest.raises(Invalid, match="本部门"):
        with rt.filing(Actor(name="fgw", role="department", department="FGW")) as ctx:
            org.set_section_head(ctx, r.get_json()["id"], world["people"]["c"])
    with rt.reading() as session:
        assert session.get(Section, r.get_json()["id"]).head == world["people"]["a"]


def test_what_if_answers_a_department_only_about_its_own_items(client, world):
    file_item(client, world)
    r = client.post(
        "/api/v1/items",
        json={**ITEM, "code": "GA-001", "name": "户籍迁移", "department": "GA"},
        headers=bearer(world["tokens"]["ga"]),
    )
    assert r.status_code == 201
    client.post("/api/v1/items/GA-001/review", json={"result": "approved"}, headers=bearer(world["tokens"]["sgb"]))
    r = client.post(
        "/api/v1/authorizations",
        json=authorization("GA", world["people"]["c"], "A", valid_from="2019-01-01"),
        headers=bearer(world["tokens"]["ga"]),
    )
    assert r.status_code == 201, r.get_json()
    question = {"person": world["people"]["c"], "from": "2030-01-01"}
    audit = client.post("/api/v1/analysis/what-if", json=question, headers=bearer(world["tokens"]["audit"]))
    own = client.post("/api/v1/analysis/what-if", json=question, headers=bearer(world["tokens"]["fgw"]))
    assert audit.status_code == 200 and own.status_code == 200
    assert "GA-001" in audit.text  # the city's view names it
    assert {row["department"] for row in own.get_json()["items"]} <= {"FGW"}
    assert "GA-001" not in own.text
    r = client.post(
        "/api/v1/analysis/what-if", json={**question, "items": ["GA-001"]}, headers=bearer(world["tokens"]["fgw"])
    )
    assert r.status_code == 403 and "GA-001" in r.get_json()["detail"]
