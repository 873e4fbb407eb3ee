"""The window's case pages (issue 12 item 4; README “窗口”): a clerk accepts a case — decided at the
door by the same service as `POST /api/v1/cases`, so a refusal shows its reasons in Chinese and
writes nothing —, reads its clock and records its steps in their own name."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import func, select

from registry.inputs.filings import AuthorizationIn, ItemIn, ItemReviewIn
from registry import models as m
from registry.services import grants, platform
from registry.services.context import Actor
from tests.factories.world import T0
from tests.factories.crawl import latin_words
from tests.factories.pages import FGW, ITEM, login, ui  # noqa: F401

ACCEPT = ["receive", "accept"]
COMMITMENT = dict(ITEM, case_type="commitment")  # promised in 5 working days: a clock that runs


def published_item(rt) -> None:
    from registry.services import catalog

    with rt.filing(FGW) as ctx:
        catalog.file_item(ctx, ItemIn.model_validate(dict(COMMITMENT)))
    with rt.filing(Actor(name="sgb", role="reform_office")) as ctx:
        catalog.review_item(ctx, ITEM["code"], ItemReviewIn(result="approved"))


def _report(rt, number: str, when: datetime | None = None) -> None:
    with rt.filing(Actor(name="platform", role="platform")) as ctx:
        platform.report_application(
            ctx,
            {
                "platform_no": number,
                "item": ITEM["code"],
                "applicant": "湘潭某公司",
                "applied_at": when or datetime.now(timezone.utc),
            },
            secret=b"test",
        )


def _may_accept(rt, person: int) -> None:
    with rt.filing(FGW) as ctx:
        grants.file_authorization(
            ctx,
            AuthorizationIn(
                grantor="FGW", grantee={"gov_service": True}, post=None, powers=ACCEPT, items="*", valid_from=T0
            ),
        )


def _cases(rt) -> int:
    with rt.reading() as session:
        return session.scalar(select(func.count()).select_from(m.Case)) or 0


def _accept(client, platform_no: str, **extra):
    return client.post(
        "/window/cases/new",
        data={"platform_no": platform_no, "applicant": "湘潭某公司", "item": ITEM["code"], "place": "ZH-01", **extra},
    )


def test_a_clerk_accepts_a_case_reads_its_clock_and_records_a_step(client, ui, rt, world):
    published_item(rt)
    _may_accept(rt, world["people"]["w"])
    _report(rt, "PT-0001")
    login(client, "win")
    form = client.get("/window/cases/new")
    assert form.status_code == 200 and "判断并受理" in form.text
    r = _accept(client, "PT-0001")
    assert r.status_code == 302, r.text
    page = client.get(r.headers["Location"]).text
    assert "已受理" in page and "企业投资项目核准" in page and "综合受理窗口一" in page
    assert re.search(r"须在 \d{4}-\d\d-\d\d \d\d:\d\d 前办结|工作日历尚未导入", page)  # the clock, in words
    assert "赵丽" in page and "受理" in page  # the acceptance step, by name
    number = r.headers["Location"].split("/window/cases/")[1].split("?")[0]
    r = client.post(f"/window/cases/{number}", data={"step": "issued", "place": "ZH-01"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).text
    assert "已记录环节“出件”" in page and "已办结" in page and "记录环节</h2>" not in page
    listing = client.get("/window/cases").text
    assert number in listing and "企业投资项目核准" in listing


def test_a_second_acceptance_of_the_same_application_is_refused_in_chinese_and_writes_nothing(client, ui, rt, world):
    published_item(rt)
    _may_accept(rt, world["people"]["w"])
    _report(rt, "PT-0002")
    login(client, "win")
    assert _accept(client, "PT-0002").status_code == 302
    before = _cases(rt)
    r = _accept(client, "PT-0002")
    assert r.status_code == 403 and _cases(rt) == before
    main = r.text[r.text.index("<main") : r.text.index("</main>")]
    start = main.index('class="answer no"')
    answer = re.sub(r"<[^>]+>", " ", main[main.index(">", start) + 1 : main.index("<form")])
    assert "不允许受理" in answer and "XT-3.3.1" in answer
    with rt.reading() as session:
        numbers = set(session.scalars(select(m.Case.number)))
    assert not latin_words(answer, frozenset({"FGW-001", "PT-0002", "ZH-01", *numbers})), answer
    r = _accept(client, "PT-never-reported")  # 体外循环: the platform never saw it
    assert r.status_code == 403 and "不允许受理" in r.text and _cases(rt) == before


def test_the_form_says_what_is_missing_and_a_login_without_a_person_cannot_accept(client, ui, rt):
    login(client, "win")
    r = client.post("/window/cases/new", data={"platform_no": "PT-9"})
    assert r.status_code == 422 and "请填写申请人" in r.text and "请填写事项" in r.text
    client.get("/logout")
    with rt.filing_session() as session:
        from registry.services.accounts import create_user

        create_user(session, "noperson", "window", "password-123")
    login(client, "noperson")
    assert "未关联人员，不能受理" in client.get("/window/cases/new").text
    assert client.get("/window/cases/no-such-case").status_code == 404


def test_the_form_and_the_cli_read_an_acceptance_through_the_api_model(app, client, ui, rt):
    """The page and `case accept` refuse what POST /api/v1/cases refuses (CaseIn), in its Chinese,
    before anything is decided or written."""
    login(client, "win")
    r = client.post("/window/cases/new", data={"item": ITEM["code"], "place": "ZH-01", "applicant": "甲" * 101})
    assert r.status_code == 422 and "最多 100 个字符" in r.text and _cases(rt) == 0
    r = client.post("/window/cases/new", data={"item": "不是编码 !", "place": "ZH-01", "applicant": "湘潭某公司"})
    assert r.status_code == 422 and "格式不符" in r.text and _cases(rt) == 0
    from web.cli import main as onehall

    args = ["case", "accept", "--number", "C-1", "--item", "不是编码 !", "--place", "ZH-01"]
    out = app.test_cli_runner().invoke(onehall, [*args, "--person", "1", "--applicant", "湘潭某公司"])
    assert out.exit_code == 2 and "item: 格式不符" in out.output and _cases(rt) == 0
