"""A window reads the people of its hall (docs/design.md §1, issue 12 item 4): a window bound to a
place (a token issued for the window's place) finds in the people lookup and the API's people list
only those of departments with a place in its hall and of the hall's host department; a window
whose sign-in names no place (a page sign-in) is not narrowed."""

from __future__ import annotations

from flask import g

from registry.inputs.filings import HallIn, PlaceIn
from registry.services.accounts import create_token, principal_of
from registry.models import User
from tests.factories.pages import login, ui  # noqa: F401  (fixture)
from tests.factories.world import bearer

CITY = {"张建国", "李明", "赵丽"}  # FGW has a window in CITY; ZWFW hosts it; GA has no place there


def _other_hall(rt):
    from registry.services import org
    from registry.services.context import SYSTEM

    with rt.filing(SYSTEM) as ctx:
        org.create_hall(ctx, HallIn(code="GA-HALL", name="公安交警车管分厅", kind="sub", host_department="GA"))
        org.create_place(
            ctx, PlaceIn(code="GA-CK", name="车管窗口", kind="department_window", hall="GA-HALL", department="GA")
        )


def _names(client, headers) -> set[str]:
    r = client.get("/api/v1/people", query_string={"per_page": 100}, headers=headers)
    assert r.status_code == 200, r.text
    return {p["name"] for p in r.get_json()["items"]}


def test_a_window_bound_to_a_place_reads_the_people_of_its_hall(client, ui, rt):
    _other_hall(rt)
    with rt.filing_session() as session:
        at_city, at_ga = create_token(session, "win", "FGW-CK"), create_token(session, "win", "GA-CK")
    assert _names(client, bearer(at_city)) == CITY
    assert _names(client, bearer(at_ga)) == {"王芳"}
    assert _names(client, bearer(ui["tokens"]["win"])) == CITY | {"王芳"}  # no place: every person


def test_the_window_lookup_follows_the_place_and_a_page_sign_in_is_not_narrowed(app, client, ui, rt):
    from web.ui.window_lookup import person_options

    login(client, "win")
    rows = client.get("/window/lookup/people").get_json()["rows"]
    assert {r["label"].split("（")[0] for r in rows} == CITY | {"王芳"}
    with rt.reading() as session:
        user = session.query(User).filter_by(name="win").one()
        with app.test_request_context("/window/lookup/people"):
            g.principal = principal_of(user, "FGW-CK")
            found = person_options(session, "", 1)
            assert {r["label"].split("（")[0] for r in found["rows"]} == CITY and found["total"] == 3
            assert person_options(session, "王", 1)["rows"] == []
