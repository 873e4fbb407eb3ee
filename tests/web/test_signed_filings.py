"""The filings' preconditions read what was signed (issue 13.1, docs/design.md §12.3): an item's
department, a person's, a case's, an earlier revocation and the platform's overdue cases are taken
from the signed records, so a row edited by SQL changes no filing's answer. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from application.auditing import audit_pass
from tests.factories.api import file_item, hall_clock  # noqa: F401 (autouse: the hall's clock)
from tests.factories.door import accept, calendar_2026, hall, report  # noqa: F401
from tests.factories.world import bearer


def _sql(rt, statement: str, **params) -> None:
    with rt.engine.begin() as conn:
        conn.execute(text(statement), params)


def _delegate(client, world, department: str, items):
    return client.post(
        "/api/v1/delegations",
        json={"department": department, "items": items, "from": "2020-01-01T00:00:00+08:00"},
        headers=bearer(world["tokens"][department.lower()]),
    )


def test_an_item_row_edited_into_another_department_is_still_its_filers(client, world, rt):
    file_item(client, world)  # FGW-001, filed and published by FGW
    _sql(rt, "UPDATE item_versions SET department = 'GA' WHERE code = 'FGW-001'")
    r = _delegate(client, world, "GA", ["FGW-001"])  # the row says GA's; the signed filing says FGW's
    assert r.status_code == 422 and "不属于GA" in r.get_data(as_text=True), r.get_json()
    r = _delegate(client, world, "FGW", ["FGW-001"])
    assert r.status_code == 201, r.get_json()


def _absence(client, world, department: str, person: int):
    return client.post(
        "/api/v1/absences",
        json={"person": person, "from": "2020-01-01T00:00:00+08:00", "reason": "病假"},
        headers=bearer(world["tokens"][department]),
    )


def test_a_person_row_edited_into_another_department_is_absent_only_for_its_own(client, world, rt):
    c = world["people"]["c"]  # 王芳, of GA
    _sql(rt, "UPDATE people SET department = 'FGW' WHERE id = :id", id=c)
    r = _absence(client, world, "fgw", c)  # the row says FGW's; the signed person record says GA's
    assert r.status_code == 403, r.get_json()
    r = _absence(client, world, "ga", c)
    assert r.status_code == 201, r.get_json()


def test_a_case_row_edited_into_another_department_is_stepped_only_by_its_own(client, hall, rt):
    import pytest
    from registry.errors import Forbidden
    from registry.services import cases
    from registry.services.context import Actor

    report(client, hall)
    assert accept(client, hall, "C-1").status_code == 201  # FGW-002: a case of FGW
    _sql(rt, "UPDATE cases SET department = 'GA' WHERE number = 'C-1'")

    def step(department: str):
        with rt.filing(Actor(name=department.lower(), role="department", department=department)) as ctx:
            return cases.add_step(ctx, "C-1", "decided", person=None, place=None, at=None)

    with pytest.raises(Forbidden):  # the row says GA's; the signed case record says FGW's
        step("GA")
    assert step("FGW").step == "decided"
    differing = {d.field for d in audit_pass(rt, incremental=False, workers=1)[0].differences if d.table == "cases"}
    assert differing == {"department"}


def test_a_revocation_row_deleted_does_not_let_the_grant_be_revoked_again(client, world, rt):
    from tests.factories.api import MINIMUM, grant

    file_item(client, world)
    a_id = grant(client, world, world["people"]["a"], "A", powers=MINIMUM)

    def revoke(at: str):
        return client.post(
            f"/api/v1/authorizations/{a_id}/revoke",
            json={"at": at, "reason": "调岗"},
            headers=bearer(world["tokens"]["fgw"]),
        )

    r = revoke("2030-01-01T00:00:00+08:00")
    assert r.status_code == 201, r.get_json()
    _sql(rt, "DELETE FROM revocations WHERE id = :id", id=r.get_json()["id"])
    r = revoke("2019-06-01T00:00:00+08:00")  # no row, but the signed revocation stands
    assert r.status_code == 409 and "已于2029-12-31" in r.get_data(as_text=True), r.get_json()
