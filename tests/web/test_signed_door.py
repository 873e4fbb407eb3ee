"""The door and the custody filing decide on what was signed (issue 13.1, docs/design.md §12.3):
an edited, inserted or deleted row of the platform's applications, its outages, the cases or the
authorizations changes no acceptance and grants no custody, and `onehall audit` names the row
and the field. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from registry.inputs.filings import (
    DelegationIn,
    FunctionSectionIn,
    RevocationIn,
    SealCustodyIn,
    SealIn,
    SectionIn,
    StaffFilingIn,
)
from application.auditing import audit_pass
from tests.factories.world import bearer
from tests.factories.api import hall_clock  # noqa: F401 (autouse: the hall's clock)
from tests.factories.api import MINIMUM, authorization, grant
from tests.factories.door import accept, assert_refused, calendar_2026, hall, report  # noqa: F401


def _sql(rt, statement: str, **params) -> None:
    with rt.engine.begin() as conn:
        conn.execute(text(statement), params)


def _named(rt, table: str, key, field: str):
    report_, _ = audit_pass(rt, incremental=False, workers=1)
    return [d for d in report_.differences if d.table == table and str(d.key) == str(key) and d.field == field]


def test_an_edited_or_deleted_platform_row_changes_no_acceptance_and_is_named(client, hall, rt):
    report(client, hall, platform_no="PT-0001")
    _sql(rt, "UPDATE platform_applications SET item = 'GA-999' WHERE platform_no = 'PT-0001'")
    assert _named(rt, "platform_applications", "PT-0001", "item")
    _sql(rt, "DELETE FROM platform_applications WHERE platform_no = 'PT-0001'")
    assert _named(rt, "platform_applications", "PT-0001", "*record")
    r = accept(client, hall, "C-1")  # the signed report stands: accepted as the platform reported it
    assert r.status_code == 201 and r.get_json()["platform_no"] == "PT-0001", r.get_json()


def test_a_platform_row_written_by_hand_is_no_platform_record(client, hall, rt):
    report(client, hall, platform_no="PT-0001")  # a real one, so the hand-made row copies its shape
    _sql(
        rt,
        "INSERT INTO platform_applications (platform_no, item, application_key, applied_at, source, filed_at, "
        "log_index) SELECT 'PT-FAKE', item, application_key, applied_at, source, filed_at, log_index "
        "FROM platform_applications WHERE platform_no = 'PT-0001'",
    )
    r = accept(client, hall, "C-1", platform_no="PT-FAKE")
    assert_refused(r, "place.no_case_outside_system", "PT-FAKE")
    assert _named(rt, "platform_applications", "PT-FAKE", "*row")


def test_an_outage_edited_longer_covers_no_acceptance_and_is_named(client, hall, rt):
    r = client.post(
        "/api/v1/platform/outages",
        json={"start": "2026-09-30T09:00:00+08:00", "end": "2026-09-30T12:00:00+08:00", "reason": "机房断电"},
        headers=bearer(hall["tokens"]["zwfw"]),
    )
    assert r.status_code == 201, r.get_json()
    outage = r.get_json()["id"]
    _sql(rt, 'UPDATE platform_outages SET "end" = :e WHERE id = :id', e="2026-09-30 23:00:00.000000", id=outage)
    r = accept(client, hall, "C-1", platform_no="PT-0404")  # 16:00: after the outage as it was signed
    assert_refused(r, "place.no_case_outside_system", "PT-0404")
    [d] = _named(rt, "platform_outages", outage, "end")
    assert d.logged.startswith("2026-09-30T04:00:00")


def test_a_case_row_edited_closed_does_not_open_a_second_acceptance(client, hall, rt):
    report(client, hall)
    assert accept(client, hall, "C-1").status_code == 201
    _sql(rt, "UPDATE cases SET status = 'closed', platform_no = NULL, application_key = 'x' WHERE number = 'C-1'")
    r = accept(client, hall, "C-2", place="PLATFORM")
    assert_refused(r, "place.no_two_headed_acceptance", "C-1")
    differing = {d.field for d in audit_pass(rt, incremental=False, workers=1)[0].differences if d.table == "cases"}
    assert differing == {"status", "platform_no", "application_key"}


def test_the_custody_precondition_reads_the_signed_grants(client, world, rt):
    from registry.services import org
    from registry.services.context import Actor
    from tests.factories.api import file_item

    file_item(client, world)
    a, b = world["people"]["a"], world["people"]["b"]
    a_id = grant(client, world, a, "A", powers=MINIMUM)
    with rt.filing(Actor(name="zwfw", role="gov_service")) as ctx:
        org.create_seal(ctx, SealIn(code="FGW-SP", name="市发改委行政审批专用章", department="FGW", kind="approval"))

    def name_custodian(person: int):
        return client.post(
            "/api/v1/seal-custody",
            json={"seal": "FGW-SP", "person": person, "from": "2020-01-01"},
            headers=bearer(world["tokens"]["fgw"]),
        )

    _sql(rt, "UPDATE authorizations SET grantee_person = :b WHERE id = :id", b=b, id=a_id)
    r = name_custodian(b)  # the row says b holds the grant; the signed record says a
    assert r.status_code == 422 and "首席代表授权" in r.get_data(as_text=True), r.get_json()
    _sql(rt, "UPDATE authorizations SET grantee_person = :a WHERE id = :id", a=a, id=a_id)
    r = client.post(
        f"/api/v1/authorizations/{a_id}/revoke",
        json={"at": "2019-06-01T00:00:00+08:00", "reason": "调岗"},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code in (200, 201), r.get_json()
    revocation = r.get_json()["id"]
    _sql(rt, "DELETE FROM revocations WHERE id = :id", id=revocation)
    r = name_custodian(a)  # the revocation is signed: deleting its row gives the grant no life
    assert r.status_code == 422 and "首席代表授权" in r.get_data(as_text=True), r.get_json()
    assert _named(rt, "revocations", revocation, "*record")


def _facts(rt) -> dict:
    """What a freshly started worker decides on, display names aside (they are display-only)."""
    rt.policy.reload()
    facts = rt.policy._state.facts()
    for person in facts["people"]:
        person.pop("name", None)
    return facts


def test_every_other_edited_row_kind_is_named_and_changes_no_fact(rt, client, world):
    """Departments, sections (head, kind), halls, places, function sections, items, seals and the
    filings (revocations, delegations, custody, staff): one edit each; a worker started after the
    edits decides on the same facts, and the audit names every row and field."""
    from datetime import datetime, timezone
    from registry.services import catalog, grants, org
    from registry.services.context import Actor, SYSTEM
    from tests.factories.api import file_item

    file_item(client, world)
    a, b, c = world["people"]["a"], world["people"]["b"], world["people"]["c"]
    a_id = grant(client, world, a, "A", powers=MINIMUM)
    t = datetime(2019, 1, 1, tzinfo=timezone.utc)
    fgw = Actor(name="fgw", role="department", department="FGW")
    with rt.filing(SYSTEM) as ctx:
        section = org.create_section(
            ctx, SectionIn(department="FGW", name="行政审批科", kind="approval_service", head=a)
        ).id
        catalog.create_function_section(ctx, FunctionSectionIn(code="FS-1", name="投资项目审批", lead_department="FGW"))
        org.create_seal(ctx, SealIn(code="FGW-SP", name="市发改委行政审批专用章", department="FGW", kind="approval"))
    with rt.filing(fgw) as ctx:
        delegation = grants.file_delegation(ctx, DelegationIn(department="FGW", items="*", from_=t, to=None)).id
        custody = grants.file_seal_custody(ctx, SealCustodyIn(seal="FGW-SP", person=a, from_=t)).id
        staff = org.file_staff(
            ctx, StaffFilingIn(department="FGW", people=[{"person": a, "role": "chief_representative"}])
        ).id
        revocation = grants.revoke_authorization(ctx, a_id, RevocationIn(at=t.replace(year=2030), reason="调岗")).id
    before = _facts(rt)
    edits = [
        ("departments", "FGW", "kind", "UPDATE departments SET kind = 'gov_service' WHERE code = 'FGW'"),
        ("sections", section, "head", f"UPDATE sections SET head = {c} WHERE id = {section}"),
        ("sections", section, "kind", f"UPDATE sections SET kind = 'other' WHERE id = {section}"),
        ("halls", "CITY", "kind", "UPDATE halls SET kind = 'sub' WHERE code = 'CITY'"),
        ("places", "FGW-KS", "kind", "UPDATE places SET kind = 'department_window' WHERE code = 'FGW-KS'"),
        (
            "function_sections",
            "FS-1",
            "lead_department",
            "UPDATE function_sections SET lead_department = 'GA' WHERE code = 'FS-1'",
        ),
        ("item_versions", "FGW-001 第1版", "complexity", "UPDATE item_versions SET complexity = 'complex'"),
        ("item_versions", "FGW-001 第1版", "entry", "UPDATE item_versions SET entry = NULL"),
        ("seals", "FGW-SP", "department", "UPDATE seals SET department = 'GA' WHERE code = 'FGW-SP'"),
        ("revocations", revocation, "at", f"UPDATE revocations SET at = '2019-02-01 00:00:00' WHERE id = {revocation}"),
        (
            "delegations",
            delegation,
            "to",
            f"UPDATE delegations SET \"to\" = '2019-02-01 00:00:00' WHERE id = {delegation}",
        ),
        ("seal_custody", custody, "person", f"UPDATE seal_custody SET person = {b} WHERE id = {custody}"),
        ("staff_filings", staff, "people", f"UPDATE staff_filings SET people = '[]' WHERE id = {staff}"),
    ]
    for *_, statement in edits:
        _sql(rt, statement)
    assert _facts(rt) == before
    report_, _ = audit_pass(rt, incremental=False, workers=1)
    named = {(d.table, str(d.key), d.field) for d in report_.differences}
    assert {(table, str(key), field) for table, key, field, _ in edits} <= named, sorted(named)


def test_a_person_row_edited_into_the_department_is_not_one_of_its_people(rt, client, world):
    """Section head, grantee and staff filing take "one of our people" from the signed person
    record: moving another department's person in by an UPDATE gets none of them through."""
    c = world["people"]["c"]  # 王芳, of GA
    _sql(rt, "UPDATE people SET department = 'FGW' WHERE id = :id", id=c)
    fgw = bearer(world["tokens"]["fgw"])
    r = client.post("/api/v1/authorizations", json=authorization("FGW", c, "A", valid_from="2019-01-01"), headers=fgw)
    assert r.status_code == 422 and "本部门" in r.get_data(as_text=True), r.get_json()
    r = client.post(
        "/api/v1/staff-filings", json={"department": "FGW", "people": [{"person": c, "role": "staff"}]}, headers=fgw
    )
    assert r.status_code == 422 and "不属于该部门" in r.get_data(as_text=True), r.get_json()
    r = client.post(
        "/api/v1/sections",
        json={"department": "FGW", "name": "投资科", "kind": "main_business", "head": c},
        headers=fgw,
    )
    assert r.status_code == 422 and "本部门" in r.get_data(as_text=True), r.get_json()


def test_the_active_pack_is_the_one_last_published_whatever_the_rows_flag(rt, tmp_path):
    """An UPDATE moving the `active` flag (and the row's log index) back to an older version
    switches no worker: the newest publication record names the pack; the audit names the rows."""
    import shutil
    from application.packs import publish
    from rules.pack import default_pack_dir

    older = rt.policy.engine.pack.digest
    copy = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), copy)
    head = copy / "pack.yaml"
    text = head.read_text(encoding="utf-8").replace('version: "1.0.0"', 'version: "1.1.0"')
    head.write_text(text.replace("response_hours: 1 ", "response_hours: 1.5 "), encoding="utf-8")
    newer = publish(rt, copy, "reform").digest
    _sql(rt, "UPDATE pack_versions SET active = (digest = :d)", d=older)
    _sql(
        rt, "UPDATE pack_versions SET log_index = (SELECT min(log_index) FROM pack_versions) WHERE digest = :d", d=newer
    )
    rt.policy.reload()
    assert rt.policy.engine.pack.digest == newer
    differing = {
        (str(d.key), d.field)
        for d in audit_pass(rt, incremental=False, workers=1)[0].differences
        if d.table == "pack_versions"
    }
    assert {
        ("xiangtan-2018 1.0.0", "active"),
        ("xiangtan-2018 1.1.0", "active"),
        ("xiangtan-2018 1.1.0", "log_index"),
    } <= differing, differing


def test_another_departments_grant_edited_into_ours_is_not_ours_to_revoke_or_back(rt, client, world):
    c = world["people"]["c"]  # 王芳, of GA
    r = client.post(
        "/api/v1/authorizations",
        json=authorization("GA", c, "A", valid_from="2019-01-01"),
        headers=bearer(world["tokens"]["ga"]),
    )
    assert r.status_code == 201, r.get_json()
    ga_id = r.get_json()["id"]
    _sql(rt, "UPDATE authorizations SET grantor = 'FGW' WHERE id = :id", id=ga_id)
    fgw = bearer(world["tokens"]["fgw"])
    r = client.post(
        f"/api/v1/authorizations/{ga_id}/revoke",
        json={"at": "2020-01-01T00:00:00+08:00", "reason": "冒名撤销"},
        headers=fgw,
    )
    assert r.status_code == 403, r.get_json()
    r = client.post(
        "/api/v1/authorizations",
        json=authorization("FGW", world["people"]["b"], "B", backs=ga_id, valid_from="2019-01-01"),
        headers=fgw,
    )
    assert r.status_code == 422 and "本部门的A岗" in r.get_data(as_text=True), r.get_json()
