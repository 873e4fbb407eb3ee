"""A clerk's day, the parts issue 12 names (items 7-9): the DRC cannot pass a fee it has not
checked, the service department sees the calendar running out and imports the next year from
its home page, a printed receipt tells a citizen where to check it."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from sqlalchemy import select

from registry.inputs.filings import AbsenceIn, AuthorizationIn, ItemIn, ItemReviewIn
from registry import models as m
from registry.services import catalog
from registry.services.context import Actor
from tests.factories.world import T0, hold_case
from tests.factories.pages import ITEM, FGW, a_and_b, login, policy, seal_kept_by, seal_on_the_page, ui  # noqa: F401

FEE_ITEM = dict(
    ITEM, fees=[{"code": "F1", "name": "项目审查费", "basis": "湘价费〔2018〕1号", "standard": "每件100元"}]
)


def _fee_item(rt):
    with rt.filing(FGW) as ctx:
        catalog.file_item(ctx, ItemIn.model_validate(dict(FEE_ITEM)))
    with rt.filing(Actor(name="sgb", role="reform_office")) as ctx:
        catalog.review_item(ctx, FEE_ITEM["code"], ItemReviewIn(result="approved"))


def _reviews(rt) -> int:
    with rt.reading() as session:
        return len(list(session.scalars(select(m.FeeReview))))


def test_drc_cannot_pass_a_fee_without_both_checks_and_must_say_why_otherwise(client, ui, rt):
    _fee_item(rt)
    login(client, "drc")
    url = "/drc/fees/FGW-001/F1"
    r = client.post(url, data={"result": "approved", "basis_ok": "1"})
    assert r.status_code == 422 and "未确认收费标准合规，不能审查通过" in r.text
    r = client.post(url, data={"result": "approved"})
    assert r.status_code == 422 and "收费依据合法、收费标准合规" in r.text
    r = client.post(url, data={"result": "returned", "basis_ok": "1"})
    assert r.status_code == 422 and "请写明审查意见" in r.text
    assert _reviews(rt) == 0  # refused: nothing written
    r = client.post(url, data={"result": "returned", "basis_ok": "1", "note": "收费标准未经物价部门核定"})
    assert r.status_code == 302
    assert _reviews(rt) == 1


def test_drc_passes_a_fee_with_both_checks(client, ui, rt):
    _fee_item(rt)
    login(client, "drc")
    r = client.post("/drc/fees/FGW-001/F1", data={"result": "approved", "basis_ok": "1", "standard_ok": "1"})
    assert r.status_code == 302 and _reviews(rt) == 1


def test_service_department_sees_the_calendar_running_out_and_imports_the_next_year(client, ui, rt):
    login(client, "zwfw")
    home = client.get("/gs/").text
    this_year = date.today().year
    assert "工作日历尚未导入" in home and 'href="/gs/calendar"' in home  # an empty calendar: the banner
    form = client.get("/gs/calendar").text
    assert 'type="file"' in form and "导入" in form
    bad = client.post(
        "/gs/calendar",
        data={"year": str(this_year), "file": (BytesIO("日期,类型,名称\n1999-01-01,休,元旦\n".encode()), "x.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "不在" in bad.text and "第" in bad.text
    csv = f"日期,类型,名称\n{this_year}-01-01,休,元旦\n{this_year}-10-01~{this_year}-10-07,休,国庆节\n"
    r = client.post(
        "/gs/calendar",
        data={"year": str(this_year), "file": (BytesIO(csv.encode()), f"{this_year}.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    page = client.get("/gs/calendar").text
    assert f"{this_year}年工作日历已导入" in page and f"{this_year}年" in page
    assert "尚未导入" not in client.get("/gs/").text


def test_the_printed_receipt_tells_a_citizen_where_to_check_it(client, app, ui, rt, policy):
    from tests.factories.pages import published_item

    published_item(rt)
    a_and_b(rt, ui)
    seal_kept_by(rt, ui["people"]["a"])
    hold_case(rt, "XT2019-0001", "FGW-001")  # a case properly accepted: sealed only on such a case
    app.config["PUBLIC_URL"] = "https://zwfw.xiangtan.gov.cn/onehall"
    login(client, "zhang")
    r = seal_on_the_page(client, "XT2019-0001", b"%PDF approval")
    use_id = int(r.headers["Location"].split("/")[-1].split("?")[0])
    printed = client.get(f"/window/seal-uses/{use_id}/print").text
    assert "https://zwfw.xiangtan.gov.cn/onehall/verify" in printed and "<svg" in printed
    assert "onehall verify" not in printed  # no command line for a citizen
    app.config["PUBLIC_URL"] = ""
    printed = client.get(f"/window/seal-uses/{use_id}/print").text
    assert "http://localhost/verify" in printed  # no setting: this request's host


def test_the_public_list_shows_who_is_absent_now_and_who_acts(client, ui, rt):
    from datetime import timedelta

    from registry.db import utcnow
    from registry.services import grants

    a_and_b(rt, ui)
    page = client.get("/public/chief-representatives").text
    assert "缺位（" not in page and "在岗" in page
    with rt.filing(FGW) as ctx:
        grants.file_absence(
            ctx,
            AbsenceIn(
                person=ui["people"]["a"],
                from_=utcnow() - timedelta(hours=1),
                to=utcnow() + timedelta(days=2),
                reason="出差",
            ),
        )
    page = client.get("/public/chief-representatives").text
    assert "缺位（至" in page and "由B岗李明代行" in page and "正在代行A岗张建国的职权" in page
    assert "出差" not in page  # the reason is not public


def test_pages_name_things_and_show_signed_records_in_words(client, ui, rt):
    """Names, not codes (issue 12 item 3): the header, an item's hall, a signed record's summary."""
    from tests.factories.pages import published_item

    published_item(rt)
    a, _ = a_and_b(rt, ui)
    login(client, "fgw")
    home = client.get("/dept/FGW/").text
    assert "（部门 · 市发改委）" in home or "· 市发改委）" in home
    item = client.get("/dept/FGW/items/FGW-001").text
    assert "市本级政务大厅" in item and ">CITY<" not in item
    auth = client.get(f"/dept/FGW/authorizations/{a}").text
    summary = auth[auth.index('class="grid record-summary"') : auth.index("原始记录（JSON）")]
    assert "授权单位" in summary and "市发改委" in summary and "张建国" in summary and "北京时间" in summary
    assert "dept:FGW" not in summary and "filed_at" not in summary


def test_a_department_reads_and_answers_its_findings_and_its_home_counts_them(client, ui, rt, policy):
    import re

    from registry.services.findings import LIVE_STATES
    from tests.factories.pages import published_item
    from application.scheduler import sync_findings

    published_item(rt)
    login(client, "fgw")
    assert "问题清单尚未生成" in client.get("/dept/FGW/findings").text
    sync_findings(rt)
    with rt.reading() as session:
        mine = list(
            session.scalars(select(m.Finding).where(m.Finding.department == "FGW", m.Finding.state.in_(LIVE_STATES)))
        )
    assert mine, "the small world has findings for FGW"
    home = client.get("/dept/FGW/").text
    card = re.search(r"<b>(\d+)</b><span>待整改的合规问题</span>", home)
    assert card and int(card.group(1)) == len(mine)
    assert f"有 {len(mine)} 项合规问题待整改" in home  # the reminder counts the same rows
    page = client.get("/dept/FGW/findings").text
    assert mine[0].text in page and "item:" not in page and "department:" not in page
    url = f"/dept/FGW/findings/{mine[0].id}/answer"
    r = client.post(url, data={"note": "  "})
    assert r.status_code == 422 and "请写明答复内容" in r.text
    r = client.post(url, data={"note": "已于本周设立审批服务科，人员到岗"})
    assert r.status_code == 302
    with rt.reading() as session:
        assert session.get(m.Finding, mine[0].id).state == "answered"
    assert "已于本周设立审批服务科" in client.get("/dept/FGW/findings").text
    login(client, "sgb")
    report = client.get("/reform/compliance").text
    assert f"共 <b>{len(list(_live(rt)))}</b> 项发现" in report and "定时检查" in report
    bars = re.findall(r'<a href="(/reform/compliance\?department=[^"]+)">', report)
    values = [int(v) for v in re.findall(r'font-size="12">(\d+)</text>', report)]
    assert bars and values == sorted(values, reverse=True)  # sorted, each bar a link
    drill = client.get(bars[0].replace("&amp;", "&")).text
    assert "合规报告 · " in drill and f"共 <b>{values[0]}</b> 项发现" in drill


def _live(rt):
    from registry.services.findings import LIVE_STATES

    with rt.reading() as session:
        return list(session.scalars(select(m.Finding.id).where(m.Finding.state.in_(LIVE_STATES))))


def test_a_comprehensive_window_login_sees_what_it_may_do_not_an_empty_seal_form(client, ui, rt):
    with rt.filing(FGW) as ctx:
        from registry.services import grants

        grants.file_authorization(
            ctx,
            AuthorizationIn(
                grantor="FGW",
                grantee={"gov_service": True},
                powers=["consult", "receive", "accept", "issue"],
                items="*",
                valid_from=T0,
            ),
        )
    login(client, "win")  # 赵丽, a clerk of the service department
    page = client.get("/window/seal").text
    assert "赵丽" in page and "不保管印章" in page and 'name="document"' not in page
    assert "市发改委" in page and "咨询、接件、受理、出件" in page and "全部事项" in page
    assert "built-in" not in page and "object at 0x" not in page


def test_forms_say_what_is_wrong_in_chinese(client, ui, rt):
    """A department's absence whose end is before its start: the message names the start in words."""
    login(client, "fgw")
    r = client.post(
        "/dept/FGW/absences",
        data={"person": str(ui["people"]["a"]), "from": "2019-03-02T09:00", "to": "2019-03-01T09:00", "reason": "出差"},
    )
    assert r.status_code == 422 and "须晚于开始时间" in r.text
    r = client.post("/dept/FGW/absences", data={"person": str(ui["people"]["a"]), "from": "昨天"})
    assert r.status_code == 422 and "不是有效的日期或时间" in r.text
    with rt.reading() as session:
        assert session.scalar(select(m.Absence.id)) is None  # nothing half written


def test_the_compliance_report_downloads_as_xlsx_with_names(client, ui, rt, policy):
    from io import BytesIO as _B

    from openpyxl import load_workbook

    from application.scheduler import sync_findings
    from tests.factories.pages import published_item

    published_item(rt)
    sync_findings(rt)
    login(client, "sgb")
    page = client.get("/reform/compliance").text
    assert "format=xlsx" in page
    r = client.get("/reform/compliance?format=xlsx")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    wb = load_workbook(_B(r.data))
    rows = list(wb["问题清单"].iter_rows(values_only=True))
    assert rows[0][:3] == ("条款", "部门", "对象") and len(rows) > 1
    assert not any(str(c).startswith(("item:", "department:")) for row in rows[1:] for c in row)
