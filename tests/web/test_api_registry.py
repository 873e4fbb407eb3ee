"""The filing API of docs/design.md §8: roles and scopes, problem+json, append-only grants, time axes."""

from __future__ import annotations

from sqlalchemy import func, select

from registry import models as m
from tests.web.conftest import bearer
from tests.factories.api import ITEM, file_item  # noqa: F401  (helpers and fixtures)


def test_no_token_is_401_with_www_authenticate(client, world):
    r = client.get("/api/v1/authorizations")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.mimetype == "application/problem+json"


def test_bad_token_is_401(client, world):
    assert client.get("/api/v1/items", headers=bearer("oh_nonsense")).status_code == 401


def test_item_is_filed_by_department_and_published_by_review(client, world):
    r = client.post("/api/v1/items", json=ITEM, headers=bearer(world["tokens"]["fgw"]))
    assert r.status_code == 201
    assert r.get_json()["status"] == "filed"
    assert client.get("/api/v1/items", headers=bearer(world["tokens"]["win"])).get_json()["items"] == []
    r = client.post("/api/v1/items/FGW-001/review", json={"result": "approved"}, headers=bearer(world["tokens"]["sgb"]))
    assert r.status_code == 201
    items = client.get("/api/v1/items", headers=bearer(world["tokens"]["win"])).get_json()["items"]
    assert [i["code"] for i in items] == ["FGW-001"]
    assert items[0]["item_type"] == "confirmation"  # the Chinese label was accepted as input


def test_department_cannot_file_for_another(client, world):
    r = client.post(
        "/api/v1/items", json={**ITEM, "department": "GA", "code": "GA-1"}, headers=bearer(world["tokens"]["fgw"])
    )
    assert r.status_code == 403


def test_window_cannot_file(client, world):
    r = client.post(
        "/api/v1/absences",
        json={"person": 1, "from": "2019-01-01", "reason": "x"},
        headers=bearer(world["tokens"]["win"]),
    )
    assert r.status_code == 403


def test_unknown_fields_are_refused_and_named(client, world):
    r = client.post("/api/v1/items", json={**ITEM, "colour": "red"}, headers=bearer(world["tokens"]["fgw"]))
    assert r.status_code == 422
    body = r.get_json()
    assert r.mimetype == "application/problem+json"
    assert {"field": "colour", "message": "不接受的字段"} in body["errors"]


def test_bad_values_name_each_field(client, world):
    bad = {
        **ITEM,
        "item_type": "魔法",
        "promised_limit": {"value": "five", "unit": "working_day"},
        "effective_from": "yesterday",
    }
    r = client.post("/api/v1/items", json=bad, headers=bearer(world["tokens"]["fgw"]))
    assert r.status_code == 422
    fields = {e["field"] for e in r.get_json()["errors"]}
    assert {"item_type", "promised_limit.value", "effective_from"} <= fields


def test_authorization_is_signed_logged_and_revocation_is_a_new_record(client, world, rt):
    file_item(client, world)
    a = world["people"]["a"]
    body = {
        "grantor": "FGW",
        "grantee": {"person": a},
        "post": "A",
        "powers": ["decide", "coordinate", "urge", "report_up", "countersign", "execute_fee", "use_seal"],
        "items": "*",
        "valid_from": "2019-01-01T00:00:00+08:00",
    }
    r = client.post("/api/v1/authorizations", json=body, headers=bearer(world["tokens"]["fgw"]))
    assert r.status_code == 201, r.get_json()
    out = r.get_json()
    assert out["log_index"] >= 0 and len(out["record_hash"]) == 64 and out["signature"]
    assert out["late_filed"] is True  # filed today for a validity that began in 2019: 补录
    r = client.post(
        f"/api/v1/authorizations/{out['id']}/revoke",
        json={"at": "2020-06-01T00:00:00+08:00", "reason": "岗位调整"},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 201
    with rt.reading() as session:
        auth = session.get(m.Authorization, out["id"])
        assert auth.valid_to is None  # never updated in place
        assert session.scalar(select(func.count()).select_from(m.Revocation)) == 1
    listed = client.get("/api/v1/authorizations", headers=bearer(world["tokens"]["fgw"])).get_json()["items"]
    assert listed[0]["revoked"]["reason"] == "岗位调整"


def test_revoking_twice_is_a_conflict(client, world):
    a = world["people"]["a"]
    r = client.post(
        "/api/v1/authorizations",
        json={"grantor": "FGW", "grantee": {"person": a}, "post": "A", "powers": ["decide"]},
        headers=bearer(world["tokens"]["fgw"]),
    )
    auth_id = r.get_json()["id"]
    assert r.get_json()["late_filed"] is False
    ok = client.post(
        f"/api/v1/authorizations/{auth_id}/revoke", json={"reason": "离职"}, headers=bearer(world["tokens"]["fgw"])
    )
    assert ok.status_code == 201
    again = client.post(
        f"/api/v1/authorizations/{auth_id}/revoke", json={"reason": "离职"}, headers=bearer(world["tokens"]["fgw"])
    )
    assert again.status_code == 409


def test_b_post_must_back_an_a_post_of_the_same_department(client, world):
    b = world["people"]["b"]
    r = client.post(
        "/api/v1/authorizations",
        json={"grantor": "FGW", "grantee": {"person": b}, "post": "B", "powers": ["decide"]},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "backs"


def test_grantee_from_another_department_is_refused_and_nothing_written(client, world, rt):
    c = world["people"]["c"]
    with rt.reading() as session:
        before = session.scalar(select(func.count()).select_from(m.LogEntry))
    r = client.post(
        "/api/v1/authorizations",
        json={"grantor": "FGW", "grantee": {"person": c}, "post": "A", "powers": ["decide"]},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 422
    with rt.reading() as session:
        assert session.scalar(select(func.count()).select_from(m.Authorization)) == 0
        assert session.scalar(select(func.count()).select_from(m.LogEntry)) == before


def test_department_reads_only_its_own_filings(client, world):
    a = world["people"]["a"]
    client.post(
        "/api/v1/absences",
        json={"person": a, "from": "2019-03-01", "to": "2019-03-05", "reason": "病假"},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert len(client.get("/api/v1/absences", headers=bearer(world["tokens"]["fgw"])).get_json()["items"]) == 1
    assert client.get("/api/v1/absences", headers=bearer(world["tokens"]["ga"])).get_json()["items"] == []
    r = client.get("/api/v1/absences?department=FGW", headers=bearer(world["tokens"]["ga"]))
    assert r.status_code == 403
    audit = client.get("/api/v1/absences", headers=bearer(world["tokens"]["audit"])).get_json()["items"]
    assert audit[0]["reason"] == "（已遮蔽）"  # personal field masked for auditors
    assert client.get("/api/v1/absences", headers=bearer(world["tokens"]["win"])).status_code == 403


def test_exemption_only_the_government_decides(client, world):
    file_item(client, world)
    r = client.post(
        "/api/v1/exemptions",
        json={"item": "FGW-001", "reason": "场地条件限制", "basis": "大厅面积不足", "effective_from": "2019-01-01"},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 201, r.get_json()
    ex = r.get_json()["id"]
    assert (
        client.post(
            f"/api/v1/exemptions/{ex}/decision",
            json={"result": "approved", "document_no": "潭政函〔2019〕1号"},
            headers=bearer(world["tokens"]["sgb"]),
        ).status_code
        == 403
    )
    r = client.post(
        f"/api/v1/exemptions/{ex}/decision",
        json={"result": "approved", "document_no": "潭政函〔2019〕1号"},
        headers=bearer(world["tokens"]["zf"]),
    )
    assert r.status_code == 201
    listed = client.get("/api/v1/exemptions", headers=bearer(world["tokens"]["fgw"])).get_json()["items"]
    assert listed[0]["decision"]["document_no"] == "潭政函〔2019〕1号"


def test_lists_page(client, world):
    r = client.get("/api/v1/departments?per_page=2", headers=bearer(world["tokens"]["win"]))
    body = r.get_json()
    assert len(body["items"]) == 2 and body["next"]
    r2 = client.get(body["next"], headers=bearer(world["tokens"]["win"]))
    assert len(r2.get_json()["items"]) == 2
    assert client.get("/api/v1/departments?per_page=501", headers=bearer(world["tokens"]["win"])).status_code == 422


def test_openapi_is_generated_from_the_schemas(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert "AuthorizationIn" in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["AuthorizationIn"]["additionalProperties"] is False
    assert "post" in doc["paths"]["/api/v1/authorizations"]


def test_a_revoked_token_stops_working_at_once(client, world, rt):
    from registry.services.accounts import create_token, revoke_token

    with rt.filing_session() as session:
        token = create_token(session, "audit")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200  # now cached
    with rt.filing_session() as session:
        revoke_token(session, token)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_reading_absence_reasons_is_itself_recorded(client, world, rt):
    a = world["people"]["a"]
    client.post(
        "/api/v1/absences",
        json={"person": a, "from": "2019-03-01", "to": "2019-03-05", "reason": "病假"},
        headers=bearer(world["tokens"]["fgw"]),
    )
    client.get("/api/v1/absences", headers=bearer(world["tokens"]["fgw"]))
    client.get("/api/v1/absences", headers=bearer(world["tokens"]["audit"]))  # masked: not a read of the reason
    with rt.reading() as session:
        reads = list(session.scalars(select(m.PersonalDataRead)))
    assert [(r.user, r.subject_person, r.what) for r in reads] == [("fgw", a, "absence.reason")]
