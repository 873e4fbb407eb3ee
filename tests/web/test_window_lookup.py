"""The window's type-ahead (issue 12 item 4, docs/design.md §1): people and published items found in
the database by name, code, full pinyin or initials, a page at a time; the stored pinyin key
follows the name on every write; a window reads people by name only."""

from __future__ import annotations

from sqlalchemy import select, text

from registry.inputs.filings import ItemIn, PersonIn
from registry import models as m
from registry import search
from registry.services import catalog, org
from registry.services.context import SYSTEM
from tests.factories.pages import FGW, ITEM, login, published_item, ui  # noqa: F401


def _lookup(client, kind: str, q: str, **args):
    r = client.get(f"/window/lookup/{kind}", query_string={"q": q, **args})
    assert r.status_code == 200, r.text
    return r.get_json()


def test_people_are_found_by_name_full_pinyin_and_initials(client, ui):
    login(client, "win")
    for q in ("张建国", "zhangjianguo", "ZJG", "jianguo", " zh ang "):
        labels = [row["label"] for row in _lookup(client, "people", q)["rows"]]
        assert labels == ["张建国（市发改委）"], (q, labels)
    assert _lookup(client, "people", "zzzz") == {"rows": [], "total": 0, "page": 1, "pages": 1}
    assert _lookup(client, "people", "%")["total"] == 0  # a LIKE wildcard is a letter, not "anything"
    everyone = _lookup(client, "people", "")
    assert everyone["total"] == 4 and all(set(r) == {"value", "label"} for r in everyone["rows"])  # names only


def test_items_are_found_by_name_code_and_pinyin_newest_published_only(client, ui, rt):
    published_item(rt)
    with rt.filing(FGW) as ctx:  # a newer version filed, not yet published: the window sees the published one
        catalog.file_item(ctx, ItemIn.model_validate(dict(ITEM, name="企业投资项目备案")))
    login(client, "win")
    for q in ("投资项目", "fgw-001", "qiyetouzi", "qytzxmhz"):
        found = _lookup(client, "items", q)
        assert [r["label"] for r in found["rows"]] == ["企业投资项目核准（市发改委）"], q
    assert _lookup(client, "items", "qytzxmba")["total"] == 0


def test_the_key_follows_the_name_on_every_write(rt, world):
    pid = world["people"]["b"]
    with rt.filing(SYSTEM) as ctx:
        ctx.session.get(m.Person, pid).name = "李晓明"
    with rt.reading() as session:
        assert session.scalar(select(m.Person.pinyin).where(m.Person.id == pid)) == "lixiaoming lxm"
        assert [p.name for p, _ in search.search_people(session, "lxm").rows] == ["李晓明"]
        # a change of another field leaves the key as it was
    with rt.filing(SYSTEM) as ctx:
        ctx.session.get(m.Person, pid).position = "科员"
    with rt.reading() as session:
        assert session.scalar(select(m.Person.pinyin).where(m.Person.id == pid)) == "lixiaoming lxm"
        assert session.execute(text("SELECT count(*) FROM people WHERE pinyin IS NULL")).scalar() == 0


def test_long_lists_come_a_page_at_a_time(client, ui, rt):
    with rt.filing(SYSTEM) as ctx:
        for i in range(45):
            org.create_person(ctx, PersonIn(name=f"张{'一二三四五六七八九'[i % 9]}{i}", department="GA"))
    login(client, "win")
    first, third = _lookup(client, "people", "zhang"), _lookup(client, "people", "zhang", page=3)
    assert first["total"] == 46 and first["pages"] == 3 and len(first["rows"]) == 20
    assert len(third["rows"]) == 6
    page = client.get("/window/", query_string={"person_q": "zhang", "person_page": 2}).text
    assert "第 2 / 3 页" in page and "person_page=3" in page and "person_page=1" in page
    assert client.get("/window/lookup/seals").status_code == 404


def test_the_ask_page_keeps_the_chosen_person_and_item_outside_the_page_found(client, ui, rt, world):
    published_item(rt)
    login(client, "win")
    page = client.get(
        "/window/",
        query_string={
            "person_q": "wangfang",
            "person": world["people"]["a"],
            "item": "FGW-001",
            "item_q": "nothing-like-it",
        },
    ).text
    assert f'<option value="{world["people"]["a"]}" selected>张建国（市发改委）</option>' in page
    assert '<option value="FGW-001" selected>企业投资项目核准（市发改委）</option>' in page
    assert "王芳（市公安局）" in page


def test_only_a_window_looks_up(client, ui):
    login(client, "fgw")
    assert client.get("/window/lookup/people?q=zjg").status_code == 403


def test_the_demo_scaled_n_times_has_n_times_the_people_and_items_found_by_pinyin(rt, world):
    from registry.demo_scale import scale_demo
    from registry.services.context import Actor
    from tests.factories.pages import published_item as publish

    publish(rt)
    with rt.filing(Actor(name="demo", role="gov_service")) as ctx:
        assert scale_demo(ctx, 3, progress=False) == {"people": 8, "items": 2}
    with rt.filing(Actor(name="demo", role="gov_service")) as ctx:
        assert scale_demo(ctx, 3, progress=False) == {"people": 0, "items": 0}  # once
    with rt.reading() as session:
        assert search.search_people(session, "").total == 12
        found = search.search_items(session, "qytzxmhzd3p")  # 企业投资项目核准（第3批）, by its initials
        assert [(i.code, i.name, i.status) for i, _ in found.rows] == [
            ("FGW-001-3", "企业投资项目核准（第3批）", "published")
        ]
