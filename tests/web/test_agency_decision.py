"""帮办代办 asked before it is done (XT-3.5, XT-3.2; rules.agency): POST /decisions answers action
`agency` with the rule the case step's door applies: a comprehensive window or the item department's
approval service section may, anyone else may not, with the clause and the reason in Chinese."""

from __future__ import annotations

from registry.inputs.filings import PersonIn, SectionIn
from registry.services import org
from registry.services.context import SYSTEM
from tests.factories.api import ask, file_item, hall_clock  # noqa: F401  (hall_clock: autouse)
from tests.factories.door import accept, calendar_2026, hall, report  # noqa: F401  (fixtures)
from tests.factories.pages import ui  # noqa: F401  (fixture)
from tests.factories.world import bearer


def _section_clerk(rt) -> int:
    with rt.filing(SYSTEM) as ctx:
        section = org.create_section(ctx, SectionIn(department="FGW", name="行政审批服务科", kind="approval_service"))
        return org.create_person(ctx, PersonIn(name="孔敏", department="FGW", section=section.id, position="科员")).id


def test_agency_is_answered_like_the_case_step_decides_it(rt, client, world):
    file_item(client, world)
    clerk = _section_clerk(rt)
    window = ask(client, world, person=world["people"]["w"], action="agency", item="FGW-001", place="ZH-01")
    assert window["allowed"] is True and window["kind"] == "allow" and window["decision_id"]
    [reason] = window["reasons"]
    assert (reason["rule"], reason["clause"]) == ("service.agency", "XT-3.5")
    assert "“综合受理窗口一”是综合受理窗口" in reason["detail"] and "帮办代办机制" in reason["text"]

    section = ask(client, world, person=clerk, action="帮办代办", item="FGW-001", place="FGW-CK")  # the label too
    assert section["allowed"] is True
    [reason] = section["reasons"]
    assert (reason["rule"], reason["clause"]) == ("service.agency", "XT-3.2")
    assert "孔敏是市发改委审批服务科室的人员" in reason["detail"] and "代办职能" in reason["text"]

    other = ask(client, world, person=world["people"]["a"], action="agency", item="FGW-001", place="FGW-CK")
    assert other["allowed"] is False and other["kind"] == "not_granted" and other["unchecked"] == []
    [reason] = other["reasons"]
    assert (reason["rule"], reason["clause"]) == ("service.agency", "XT-3.5")
    assert (
        "“发改委窗口”不是综合受理窗口" in reason["detail"]
        and "张建国也不是市发改委审批服务科室的人员" in reason["detail"]
    )
    assert other["why_not"]["text"] == reason["detail"] and other["why_not"]["rule"] == "service.agency"

    nowhere = ask(client, world, person=world["people"]["a"], action="agency", item="FGW-001")
    assert nowhere["allowed"] is False and nowhere["unchecked"] == ["place"]
    assert ask(client, world, person=clerk, action="agency", item="FGW-001")["allowed"] is True  # the section anywhere


def test_agency_is_listed_among_what_a_person_may_do_and_is_never_a_power_of_a_grant(rt, client, world):
    file_item(client, world)
    r = client.get(
        "/api/v1/decisions/actions",
        query_string={"person": world["people"]["w"], "item": "FGW-001", "place": "ZH-01"},
        headers=bearer(world["tokens"]["win"]),
    )
    assert r.status_code == 200 and "agency" in [a["action"] for a in r.get_json()["items"]], r.get_json()
    body = dict(grantor="FGW", post="A", powers=["decide", "agency"], valid_from="2019-01-01T00:00:00+08:00")
    body["grantee"] = {"person": world["people"]["a"]}
    refused = client.post("/api/v1/authorizations", json=body, headers=bearer(world["tokens"]["fgw"]))
    assert refused.status_code == 422, refused.get_json()
    unknown = client.post(
        "/api/v1/decisions",
        json={"person": world["people"]["w"], "action": "agency", "item": "FGW-001", "place": "NOWHERE"},
        headers=bearer(world["tokens"]["win"]),
    )
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "place", unknown.get_json()


def test_a_window_asks_on_its_page_whether_it_may_do_agency(client, ui, rt):
    from tests.factories.pages import login

    file_item(client, ui)
    login(client, "win")
    form = client.get("/window/").text
    assert '<option value="agency"' in form and "帮办代办" in form
    asked = {"person": ui["people"]["w"], "item": "FGW-001", "action": "agency", "place": "ZH-01", "ask": 1}
    page = client.get("/window/", query_string=asked)
    assert page.status_code == 200 and "“综合受理窗口一”是综合受理窗口" in page.text, page.text


def test_the_step_and_the_decision_read_the_signed_section_not_an_edited_row(rt, client, hall):
    from sqlalchemy import text

    report(client, hall)
    assert accept(client, hall, "C-1").status_code == 201
    a = hall["people"]["a"]
    with rt.filing(SYSTEM) as ctx:
        section = org.create_section(
            ctx, SectionIn(department="FGW", name="行政审批服务科", kind="approval_service")
        ).id
    with rt.engine.begin() as conn:  # 张建国 moved into the approval section behind the log's back
        conn.execute(text("UPDATE people SET section = :s WHERE id = :p"), {"s": section, "p": a})
    step = {"step": "agency", "place": "FGW-CK", "at": "2026-09-30T16:04:00+08:00"}
    r = client.post("/api/v1/cases/C-1/steps", json=step, headers=bearer(hall["tokens"]["zhang"]))
    assert r.status_code == 403, r.get_json()
    assert r.get_json()["reasons"][0]["rule"] == "service.agency"
    rt.policy.reload()
    assert ask(client, hall, person=a, action="agency", item="FGW-002", place="FGW-CK")["allowed"] is False
