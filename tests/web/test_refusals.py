"""Refusals are said once (web.refusals) for the API, the pages and the CLI: the registry's errors,
the rules' unknown references and acts refused at the door."""

from __future__ import annotations

import pytest

from application.acts import ActRefused
from registry.errors import NotFound, invalid
from rules.errors import UnknownReference
from web.refusals import refusal_of


def test_each_kind_of_refusal_is_said_with_its_status_and_exit_code():
    gone = refusal_of(NotFound("令牌“9”不存在"))
    assert (gone.status, gone.title, gone.detail, gone.errors, gone.exit_code) == (
        404,
        "记录不存在",
        "令牌“9”不存在",
        [],
        2,
    )
    bad = refusal_of(invalid("year", "须为年份"))
    assert bad.status == 422 and bad.errors == [{"field": "year", "message": "须为年份"}]
    unknown = refusal_of(UnknownReference("item", "NOPE"))
    assert unknown.status == 422 and unknown.detail == "item“NOPE”不存在"
    assert unknown.errors == [{"field": "item", "message": "“NOPE”不存在"}]
    act = refusal_of(ActRefused("两头受理", [{"clause": "XT-3.3.1", "rule": "r"}], verdict="不允许受理"))
    assert (act.status, act.title, act.exit_code, act.errors) == (403, "不允许受理", 3, None)
    assert act.reasons == [{"clause": "XT-3.3.1", "rule": "r"}]
    with pytest.raises(TypeError):
        refusal_of(ValueError("not a refusal"))


@pytest.fixture
def staff(app, world, client):
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"name": "zwfw", "password": "password-123"}).status_code == 302
    return client


def test_a_refused_form_post_is_a_flash_on_the_page_it_came_from(staff):
    r = staff.post("/gs/tokens/999999/revoke", headers={"Referer": "http://localhost/gs/tokens?show=all"})
    assert r.status_code == 302 and r.headers["Location"] == "/gs/tokens?show=all"
    page = staff.get(r.headers["Location"]).get_data(as_text=True)
    assert "未能办理" in page and "令牌“999999”不存在" in page


def test_a_refusal_never_sends_the_user_to_another_site(staff):
    r = staff.post("/gs/tokens/999999/revoke", headers={"Referer": "https://elsewhere.example/gs/tokens"})
    assert r.status_code == 302 and r.headers["Location"] == "/gs/"
