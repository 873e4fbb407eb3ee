"""The filing API of docs/design.md §8: roles and scopes, problem+json, append-only grants, time axes."""

from __future__ import annotations

from sqlalchemy import func, select

from registry import models as m
from tests.factories.world import bearer
from tests.factories.api import ITEM, authorization, file_item


def test_no_token_is_401_with_www_authenticate(client, world):
    r = client.get("/api/v1/authorizations")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.mimetype == "application/problem+json"


def test_bad_token_is_401(client, world):
    assert client.get("/api/v1/items", headers=bearer("oh_nonsense")).status_code == 401


def test_item_is_filed_by_department_and_published_by_review(client, world, as_user):
    r = as_user("fgw").post("/api/v1/items", ITEM)
    assert r.status_code == 201
    assert r.get_json()["status"] == "filed"
    assert as_user("win").get("/api/v1/items").get_json()["items"] == []
    r = as_user("sgb").post("/api/v1/items/FGW-001/review", {"result": "approved"})
    assert r.status_code == 201
    items = as_user("win").get("/api/v1/items").get_json()["items"]
    assert [i["code"] for i in items] == ["FGW-001"]
    assert items[0]["item_type"] == "confirmation"  # the Chinese label was accepted as input


def test_department_cannot_file_for_another(client, world, as_user):
    r = as_user("fgw").post("/api/v1/items", {**ITEM, "department": "GA", "code": "GA-1"})
    assert r.status_code == 403


def test_window_cannot_file(client, world, as_user):
    r = as_user("win").post("/api/v1/absences", {"person": 1, "from": "2019-01-01", "reason": "x"})
    assert r.status_code == 403


def test_unknown_fields_are_refused_and_named(client, world, as_user):
    r = as_user("fgw").post("/api/v1/items", {**ITEM, "colour": "red"})
    assert r.status_code == 422
    body = r.get_json()
    assert r.mimetype == "application/problem+json"
    assert {"field": "colour", "message": "不接受的字段"} in body["errors"]


def test_bad_values_name_each_field(client, world, as_user):
    bad = {
        **ITEM,
        "item_type": "魔法",
        "promised_limit": {"value": "five", "unit": "working_day"},
        "effective_from": "yesterday",
    }
    r = as_user("fgw").post("/api/v1/items", bad)
    assert r.status_code == 422
    fields = {e["field"] for e in r.get_json()["errors"]}
    assert {"item_type", "promised_limit.value", "effective_from"} <= fields


def test_authorization_is_signed_logged_and_revocation_is_a_new_record(client, world, rt, as_user):
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
    r = as_user("fgw").post("/api/v1/authorizations", body)
    assert r.status_code == 201, r.get_json()
    out = r.get_json()
    assert out["log_index"] >= 0 and len(out["record_hash"]) == 64 and out["signature"]
    assert out["late_filed"] is True  # filed today for a validity that began in 2019: 补录
    r = as_user("fgw").post(
        f"/api/v1/authorizations/{out['id']}/revoke", {"at": "2020-06-01T00:00:00+08:00", "reason": "岗位调整"}
    )
    assert r.status_code == 201
    with rt.reading() as session:
        auth = session.get(m.Authorization, out["id"])
        assert auth.valid_to is None  # never updated in place
        assert session.scalar(select(func.count()).select_from(m.Revocation)) == 1
    listed = as_user("fgw").get("/api/v1/authorizations").get_json()["items"]
    assert listed[0]["revoked"]["reason"] == "岗位调整"


def test_revoking_twice_is_a_conflict(client, world, as_user):
    a = world["people"]["a"]
    r = as_user("fgw").post("/api/v1/authorizations", authorization("FGW", a, "A", ["decide"]))
    auth_id = r.get_json()["id"]
    assert r.get_json()["late_filed"] is False
    ok = as_user("fgw").post(f"/api/v1/authorizations/{auth_id}/revoke", {"reason": "离职"})
    assert ok.status_code == 201
    again = as_user("fgw").post(f"/api/v1/authorizations/{auth_id}/revoke", {"reason": "离职"})
    assert again.status_code == 409


def test_b_post_must_back_an_a_post_of_the_same_department(client, world, as_user):
    b = world["people"]["b"]
    r = as_user("fgw").post("/api/v1/authorizations", authorization("FGW", b, "B", ["decide"]))
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "backs"


def test_grantee_from_another_department_is_refused_and_nothing_written(client, world, rt, as_user):
    c = world["people"]["c"]
    with rt.reading() as session:
        before = session.scalar(select(func.count()).select_from(m.LogEntry))
    r = as_user("fgw").post("/api/v1/authorizations", authorization("FGW", c, "A", ["decide"]))
    assert r.status_code == 422
    with rt.reading() as session:
        assert session.scalar(select(func.count()).select_from(m.Authorization)) == 0
        assert session.scalar(select(func.count()).select_from(m.LogEntry)) == before


def test_department_reads_only_its_own_filings(client, world, as_user):
    a = world["people"]["a"]
    as_user("fgw").post("/api/v1/absences", {"person": a, "from": "2019-03-01", "to": "2019-03-05", "reason": "病假"})
    assert len(as_user("fgw").get("/api/v1/absences").get_json()["items"]) == 1
    assert as_user("ga").get("/api/v1/absences").get_json()["items"] == []
    r = as_user("ga").get("/api/v1/absences?department=FGW")
    assert r.status_code == 403
    audit = as_user("audit").get("/api/v1/absences").get_json()["items"]
    assert audit[0]["reason"] == "（已遮蔽）"  # personal field masked for auditors
    assert as_user("win").get("/api/v1/absences").status_code == 403


def test_exemption_only_the_government_decides(client, world, as_user):
    file_item(client, world)
    r = as_user("fgw").post(
        "/api/v1/exemptions",
        {"item": "FGW-001", "reason": "场地条件限制", "basis": "大厅面积不足", "effective_from": "2019-01-01"},
    )
    assert r.status_code == 201, r.get_json()
    ex = r.get_json()["id"]
    assert (
        as_user("sgb")
        .post(f"/api/v1/exemptions/{ex}/decision", {"result": "approved", "document_no": "潭政函〔2019〕1号"})
        .status_code
        == 403
    )
    r = as_user("zf").post(
        f"/api/v1/exemptions/{ex}/decision", {"result": "approved", "document_no": "潭政函〔2019〕1号"}
    )
    assert r.status_code == 201
    listed = as_user("fgw").get("/api/v1/exemptions").get_json()["items"]
    assert listed[0]["decision"]["document_no"] == "潭政函〔2019〕1号"


def test_lists_page(client, world, as_user):
    r = as_user("win").get("/api/v1/departments?per_page=2")
    body = r.get_json()
    assert len(body["items"]) == 2 and body["next"]
    r2 = as_user("win").get(body["next"])
    assert len(r2.get_json()["items"]) == 2
    assert as_user("win").get("/api/v1/departments?per_page=501").status_code == 422


def test_a_department_is_filed_with_its_kind_and_note_through_its_model(client, world, rt, as_user):
    r = as_user("zwfw").post(
        "/api/v1/departments", {"code": "SJJ", "name": "市审计局", "kind": "部门", "note": "附件所列"}
    )
    assert r.status_code == 201, r.get_json()
    with rt.reading() as session:
        dept = session.get(m.Department, "SJJ")
        assert (dept.kind, dept.note, dept.group) == ("department", "附件所列", "city_department")
    r = as_user("zwfw").post("/api/v1/departments", {"code": "XJJ", "name": "市某局", "kind": "魔法"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "kind"
    assert "未知取值“魔法”" in r.get_json()["errors"][0]["message"]
    with rt.reading() as session:
        assert session.get(m.Department, "XJJ") is None
    with rt.reading() as session:
        bodies = session.scalar(
            select(func.count()).select_from(m.Department).where(m.Department.kind == "gov_service")
        )
    r = as_user("zwfw").post(
        "/api/v1/departments", {"code": "ZW2", "name": "第二个政务服务部门", "kind": "gov_service"}
    )
    assert r.status_code == 409 and "全市只有一个" in r.get_json()["detail"], r.get_json()  # one body of each kind
    with rt.reading() as session:
        assert session.get(m.Department, "ZW2") is None and bodies == 1
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["DepartmentIn"]
    assert {"kind", "note"} <= set(schema["properties"]) and not {"kind", "note"} & set(schema.get("required", []))


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


def test_reading_absence_reasons_is_itself_recorded(client, world, rt, as_user):
    a = world["people"]["a"]
    as_user("fgw").post("/api/v1/absences", {"person": a, "from": "2019-03-01", "to": "2019-03-05", "reason": "病假"})
    as_user("fgw").get("/api/v1/absences")
    as_user("audit").get("/api/v1/absences")  # masked: not a read of the reason
    with rt.reading() as session:
        reads = list(session.scalars(select(m.PersonalDataRead)))
    assert [(r.user, r.subject_person, r.what) for r in reads] == [("fgw", a, "absence.reason")]
