"""Bad input is a clear 4xx in Chinese (problem+json, or a Chinese page) and writes nothing
(issue 13 item 6): integers beyond 2³¹ and 2⁶³ and other scripts' digits in paths and pages,
JSON nested thousands deep, control characters in text, `true` as an id, duplicate entries in a
staff filing. Each of these was a 500 before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.models import Absence, LogEntry, Person, StaffFiling
from tests.factories.world import bearer

BIG = ["2147483648", "9223372036854775808", "99999999999999999999999", "１２", "²", "true", "-1"]


def written(rt) -> tuple[int, ...]:
    with rt.reading() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (LogEntry, Person, Absence, StaffFiling)
        )


def is_problem(r, *statuses: int) -> bool:
    return r.status_code in statuses and r.mimetype == "application/problem+json" and r.get_json()["title"]


@pytest.mark.parametrize("value", BIG)
def test_ids_beyond_the_columns_or_not_ascii_in_api_paths_are_404(rt, client, world, value):
    before = written(rt)
    fgw = bearer(world["tokens"]["fgw"])
    for method, path, body in [
        ("POST", f"/api/v1/authorizations/{value}/revoke", {"reason": "测试"}),
        ("POST", f"/api/v1/alerts/{value}/ack", None),
        ("POST", f"/api/v1/tokens/{value}/revoke", None),
        ("GET", f"/api/v1/entry-plans/{value}", None),
    ]:
        r = client.open(path, method=method, json=body, headers=fgw)
        assert is_problem(r, 404, 403), (path, r.status_code, r.get_data(as_text=True))
    assert written(rt) == before


@pytest.mark.parametrize("value", BIG)
def test_pages_and_query_numbers_beyond_range_are_4xx(client, world, value):
    audit = bearer(world["tokens"]["audit"])
    r = client.get("/api/v1/authorizations", query_string={"page": value}, headers=audit)
    assert is_problem(r, 422), r.get_data(as_text=True)
    r = client.get("/api/v1/people", query_string={"per_page": value}, headers=audit)
    assert is_problem(r, 422)
    r = client.get(
        "/api/v1/decisions/actions",
        query_string={"person": value, "item": "FGW-001"},
        headers=bearer(world["tokens"]["win"]),
    )
    assert is_problem(r, 422)
    r = client.get("/api/v1/log/entries", query_string={"start": value, "end": "1"})
    assert r.status_code in (400, 404, 422) and r.status_code < 500


@pytest.mark.parametrize("value", ["2147483648", "99999999999999999999", "１２"])
def test_page_routes_with_numbers_beyond_range_are_404_pages(app, client, world, value):
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"name": "zwfw", "password": "password-123"})
    r = client.post(f"/gs/staff-filings/{value}/ack")
    assert r.status_code == 404 and "text/html" in r.content_type
    r = client.get("/gs/places", query_string={"page": value})
    assert r.status_code == 200  # an impossible page number shows the first page


def test_json_nested_thousands_deep_is_422_and_writes_nothing(rt, client, world):
    before = written(rt)
    fgw = {**bearer(world["tokens"]["fgw"]), "Content-Type": "application/json"}
    for depth in (5000, 100):
        body = '{"person": 1, "from": "2030-01-01", "reason": ' + "[" * depth + "]" * depth + "}"
        r = client.post("/api/v1/absences", data=body, headers=fgw)
        assert is_problem(r, 422), (depth, r.get_data(as_text=True)[:200])
    r = client.post(
        "/api/v1/decisions",
        data="[" * 5000 + "]" * 5000,
        headers={**bearer(world["tokens"]["win"]), "Content-Type": "application/json"},
    )
    assert is_problem(r, 422)
    assert written(rt) == before


@pytest.mark.parametrize("text", ["张\x00三", "张\x1b三", "张\x7f三"])
def test_control_characters_in_any_text_field_are_422_and_write_nothing(rt, client, world, text):
    before = written(rt)
    fgw = bearer(world["tokens"]["fgw"])
    a = world["people"]["a"]
    for path, body in [
        ("/api/v1/people", {"name": text, "department": "FGW"}),
        ("/api/v1/people", {"name": "张三", "department": "FGW", "position": text}),
        ("/api/v1/absences", {"person": a, "from": "2030-01-01", "reason": text}),
        ("/api/v1/absences", {"person": a, "from": "2030-01-01", "reason": "病假", text: 1}),
    ]:
        r = client.post(path, json=body, headers=fgw)
        assert is_problem(r, 422), (path, body, r.get_json())
    r = client.get("/api/v1/people", query_string={"department": text}, headers=fgw)
    assert is_problem(r, 422)
    r = client.get(f"/api/v1/items/{text}", headers=fgw)
    assert r.status_code in (404, 405, 422) and r.status_code < 500
    assert written(rt) == before


def test_line_breaks_are_refused_in_one_line_fields_and_kept_in_multi_line_text(rt, client, world):
    fgw = bearer(world["tokens"]["fgw"])
    before = written(rt)
    r = client.post("/api/v1/people", json={"name": "张\n三", "department": "FGW"}, headers=fgw)
    assert is_problem(r, 422)
    assert written(rt) == before
    r = client.post(
        "/api/v1/absences",
        json={"person": world["people"]["a"], "from": "2030-01-01", "reason": "病假\n\t住院两周"},
        headers=fgw,
    )
    assert r.status_code == 201, r.get_json()
    with rt.reading() as session:
        assert session.scalar(select(Absence.reason)) == "病假\n\t住院两周"


def test_control_characters_in_a_page_form_are_a_chinese_400_page(app, rt, client, world):
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"name": "zwfw", "password": "password-123"})
    before = written(rt)
    r = client.post(
        "/gs/seals", data={"code": "FGW-SEAL", "name": "审批\x00专用章", "department": "FGW", "kind": "approval"}
    )
    assert r.status_code == 400 and "控制字符" in r.get_data(as_text=True)
    assert written(rt) == before


@pytest.mark.parametrize("value", [True, False, 1.0, "1", None])
def test_true_is_no_id(rt, client, world, value):
    before = written(rt)
    r = client.post(
        "/api/v1/absences",
        json={"person": value, "from": "2030-01-01", "reason": "病假"},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert is_problem(r, 422) and r.get_json()["errors"][0]["field"] == "person"
    assert written(rt) == before


def test_a_staff_filing_with_one_person_twice_is_refused(rt, client, world):
    before = written(rt)
    a = world["people"]["a"]
    r = client.post(
        "/api/v1/staff-filings",
        json={"people": [{"person": a, "role": "chief_representative"}, {"person": a, "role": "staff"}]},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert is_problem(r, 422) and r.get_json()["errors"][0]["field"] == "people[1].person"
    assert "重复" in r.get_json()["errors"][0]["message"]
    assert written(rt) == before
    r = client.post(
        "/api/v1/staff-filings",
        json={
            "people": [{"person": a, "role": "chief_representative"}, {"person": world["people"]["b"], "role": "staff"}]
        },
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 201, r.get_json()


def test_an_unknown_person_in_a_case_step_is_refused_by_the_service(rt, client, world):
    """The API names the caller's own person (tests/web/test_acts.py); the service itself, as a
    platform report calls it, refuses a person who does not exist instead of a foreign-key 500."""
    from registry.errors import Invalid
    from registry.services import cases
    from registry.services.context import Actor
    from tests.factories.api import file_item

    file_item(client, world)
    platform = Actor(name="platform", role="window")
    with rt.filing(platform) as ctx:
        cases.open_case(
            ctx,
            {"number": "PT-1", "item": "FGW-001", "place": "ZH-01", "person": world["people"]["w"]},
            key="platform:PT-1",
            due_at=None,
            clock_pending=False,
            decision_id=None,
        )
    before = written(rt)
    with pytest.raises(Invalid) as exc:
        with rt.filing(platform) as ctx:
            cases.add_step(ctx, "PT-1", "issued", person=2**31 - 1, place=None, at=None)
    assert exc.value.errors[0].field == "person"
    assert written(rt) == before


@pytest.mark.parametrize("number", [2**31, 2**40, 10**17])
def test_log_sizes_and_indexes_beyond_the_columns_are_answered_not_500(client, number):
    """Found by the API fuzzing on PostgreSQL: a checkpoint size or entry index beyond INTEGER
    reached the database (out of range, 500). No log is that long: not found, or no entries."""
    r = client.get(f"/api/v1/log/checkpoints/{number}")
    assert r.status_code == 404 and "检查点" in r.get_json()["title"]
    r = client.get(f"/api/v1/log/entries?start={number}&end={number + 5}")
    assert r.status_code == 200 and r.get_json()["items"] == []
