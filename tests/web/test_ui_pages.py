"""The Chinese web pages (docs/design.md §1, §8 Web UI): each role reaches its workspace, scopes hold,
filings through the pages call the same services as the API and land in the signed log."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import func, select

from registry import models as m
from tests.factories.world import T0
from tests.factories.api import MINIMUM
from tests.factories.pages import PASSWORD, a_and_b, login, published_item, seal_kept_by, ui  # noqa: F401  (the ui fixture)


def count(rt, model) -> int:
    with rt.reading() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --- access ------------------------------------------------------------------------------------


def test_anonymous_reaches_only_login_verify_and_the_public_list(client, ui):
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    for url in ("/login", "/verify", "/public/chief-representatives"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert 'lang="zh-CN"' in r.text
    for url in (
        "/dept/FGW/",
        "/dept/FGW/authorizations/new",
        "/gov/",
        "/reform/",
        "/window/",
        "/window/seal",
        "/audit/",
        "/audit/log",
        "/gs/",
        "/drc/",
    ):
        r = client.get(url)
        assert r.status_code == 302, url
        assert "/login?next=" in r.headers["Location"], url
    assert client.post("/dept/FGW/absences", data={"person": "1"}).status_code == 302


WORKSPACES = [
    ("fgw", "/dept/FGW/", "市发改委 · 工作台"),
    ("zf", "/gov/", "市人民政府 · 工作台"),
    ("sgb", "/reform/", "审改部门 · 工作台"),
    ("win", "/window/", "我能否……"),
    ("audit", "/audit/", "电子监察工作台"),
    ("zwfw", "/gs/", "市政务服务中心 · 工作台"),
    ("drc", "/drc/", "收费审查"),
]


def test_each_role_lands_on_its_workspace(app, ui):
    for name, landing, heading in WORKSPACES:
        client = app.test_client()
        r = login(client, name)
        assert r.status_code == 302 and r.headers["Location"] == landing, name
        page = client.get(landing)
        assert page.status_code == 200, name
        assert heading in page.text, name
        assert client.get("/").headers["Location"] == landing
        for _, other, _ in WORKSPACES:
            if other != landing:
                assert client.get(other).status_code == 403, (name, other)


def test_login_is_rate_limited_per_address_and_name(client, ui):
    for _ in range(5):
        r = client.post("/login", data={"name": "fgw", "password": "wrong-password"})
        assert r.status_code == 401
        assert "用户名或密码不正确" in r.text
        assert 'value="fgw"' in r.text  # the name typed is kept
    r = login(client, "fgw")
    assert r.status_code == 429 and "尝试次数过多" in r.text
    assert 290 <= int(r.headers["Retry-After"]) <= 300  # the first failure leaves the 5-minute window
    assert login(client, "ga").status_code == 302  # another name is not blocked


def test_forms_carry_a_csrf_token_and_a_post_without_it_is_refused(app, client, ui):
    app.config["WTF_CSRF_ENABLED"] = True
    r = client.post("/login", data={"name": "fgw", "password": PASSWORD})
    assert r.status_code == 400 and "CSRF" in r.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"name": "fgw", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    form = client.get("/dept/FGW/authorizations/new").text
    assert 'name="csrf_token"' in form


def test_a_department_cannot_open_or_file_for_another_department(client, ui, rt):
    login(client, "fgw")
    for url in ("/dept/GA/", "/dept/GA/authorizations", "/dept/GA/authorizations/new", "/dept/GA/departure"):
        r = client.get(url)
        assert r.status_code == 403, url
        assert "只能办理本部门" in r.text
    before = count(rt, m.Absence)
    r = client.post(
        "/dept/GA/absences", data={"person": str(ui["people"]["c"]), "from": "2019-03-01", "reason": "病假"}
    )
    assert r.status_code == 403
    # nor through its own pages, naming another department's person
    r = client.post(
        "/dept/FGW/absences", data={"person": str(ui["people"]["c"]), "from": "2019-03-01", "reason": "病假"}
    )
    assert r.status_code == 422 and "只能为本部门" in r.text
    assert count(rt, m.Absence) == before
    assert client.get("/gov/").status_code == 403


def test_a_window_cannot_file(client, ui, rt):
    login(client, "win")
    assert client.get("/dept/FGW/").status_code == 403
    body = {"grantee_person": str(ui["people"]["a"]), "post": "A", "powers": MINIMUM, "items_scope": "*"}
    r = client.post("/dept/FGW/authorizations/new", data=body)
    assert r.status_code == 403 and "无权访问" in r.text
    assert client.post("/gov/opening", data={"date": "2020-01-01"}).status_code == 403
    assert count(rt, m.Authorization) == 0


# --- department ---------------------------------------------------------------------------------


def test_authorization_form_marks_and_prechecks_the_minimum(client, ui):
    login(client, "fgw")
    page = client.get("/dept/FGW/authorizations/new").text
    for power in MINIMUM:
        assert re.search(rf'value="{power}" checked', page), power
    assert 'value="decide_complex" checked' not in page
    assert "★" in page and "张建国" in page and "王芳" not in page  # only its own people
    gov = client.get("/dept/FGW/authorizations/new-gov-service").text
    for power in ("consult", "receive", "accept", "issue"):
        assert re.search(rf'value="{power}" checked', gov)


def test_filing_an_authorization_through_the_page_signs_and_logs_it(client, ui, rt):
    login(client, "fgw")
    body = {
        "grantee_person": str(ui["people"]["a"]),
        "post": "A",
        "powers": MINIMUM,
        "items_scope": "*",
        "valid_from": "2019-01-01T09:00",
        "valid_to": "",
    }
    r = client.post("/dept/FGW/authorizations/new", data=body)
    assert r.status_code == 302
    with rt.reading() as session:
        auth = session.scalars(select(m.Authorization)).one()
        assert auth.log_index is not None and auth.log_index >= 0 and len(auth.record_hash) == 64
        assert auth.valid_from == T0 + timedelta(hours=1)  # 09:00 in Asia/Shanghai
        assert auth.late_filed is True
    page = client.get(r.headers["Location"])
    assert page.status_code == 200
    assert auth.record_hash in page.text and "已签名登记" in page.text and "日志序号" in page.text
    assert '"type": "authorization"' in html.unescape(page.text)  # the signed record itself
    listing = client.get("/dept/FGW/authorizations").text
    assert "张建国" in listing and "A岗" in listing and "有效" in listing
    letter = client.get(f"/dept/FGW/authorizations/{auth.id}/letter")
    assert letter.status_code == 200
    assert "授 权 书" in letter.text and "<svg" in letter.text and auth.record_hash in letter.text
    login(client, "ga")  # another department has no such authorization: its page and letter are 404s
    for url in (f"/dept/GA/authorizations/{auth.id}", f"/dept/GA/authorizations/{auth.id}/letter"):
        r = client.get(url)
        assert r.status_code == 404 and f"本部门没有授权 #{auth.id}" in r.text


def test_errors_are_shown_next_to_their_fields_with_the_input_kept(client, ui, rt):
    login(client, "fgw")
    body = {
        "grantee_person": str(ui["people"]["b"]),
        "post": "B",
        "backs": "",
        "powers": ["decide"],
        "items_scope": "*",
        "valid_from": "2019-01-01",
    }
    r = client.post("/dept/FGW/authorizations/new", data=body)
    assert r.status_code == 422
    assert re.search(
        r'B岗所支撑的A岗授权.*?<span class="field-error">B岗授权须注明所支撑的A岗授权</span>', r.text, re.S
    )
    assert re.search(rf'<option value="{ui["people"]["b"]}" selected>', r.text)  # the input is kept
    assert re.search(r'value="decide" checked', r.text) and not re.search(r'value="use_seal" checked', r.text)
    r = client.post("/dept/FGW/authorizations/new", data={**body, "post": "A", "valid_from": "昨天"})
    assert r.status_code == 422 and "不是有效的日期或时间" in r.text
    assert count(rt, m.Authorization) == 0


def test_revoking_through_the_page_is_a_new_signed_record(client, ui, rt):
    a, b = a_and_b(rt, ui)
    login(client, "fgw")
    page = client.get(f"/dept/FGW/authorizations/{a}/revoke").text
    assert "B岗" in page and "李明" in page  # warned: the B post would be left without its A
    r = client.post(f"/dept/FGW/authorizations/{a}/revoke", data={"at": "", "reason": "岗位调整"})
    assert r.status_code == 302
    with rt.reading() as session:
        rev = session.scalars(select(m.Revocation)).one()
        assert rev.authorization == a and rev.log_index >= 0
    assert "已撤销" in client.get("/dept/FGW/authorizations").text
    r = client.post(f"/dept/FGW/authorizations/{a}/revoke", data={"reason": "再次"})
    assert r.status_code == 422 and "已于" in r.text


def test_the_person_leaves_flow_revokes_moves_custody_and_warns(client, ui, rt):
    a, b = a_and_b(rt, ui)
    seal_kept_by(rt, ui["people"]["a"])
    login(client, "fgw")
    preview = client.get(f"/dept/FGW/departure?person={ui['people']['a']}")
    assert preview.status_code == 200
    assert "将空缺" in preview.text and "successor_FGW-SP" in preview.text
    r = client.post(
        "/dept/FGW/departure",
        data={
            "person": str(ui["people"]["a"]),
            "kind": "调动",
            "reason": "调任市财政局",
            "successor_FGW-SP": str(ui["people"]["b"]),
        },
    )
    assert r.status_code == 200, r.text
    assert "已办理" in r.text and "将空缺" in r.text
    with rt.reading() as session:
        revs = list(session.scalars(select(m.Revocation)))
        assert [x.authorization for x in revs] == [a] and revs[0].reason == "调动：调任市财政局"
        custody = list(session.scalars(select(m.SealCustody).order_by(m.SealCustody.id)))
        assert [c.person for c in custody] == [ui["people"]["a"], ui["people"]["b"]]
        assert custody[1].log_index > revs[0].log_index  # one transaction, in order
    seals = client.get("/dept/FGW/seals").text
    assert re.search(r"FGW-SP.*?李明", seals, re.S)


def test_the_person_leaves_flow_is_all_or_nothing(client, ui, rt):
    a, _ = a_and_b(rt, ui)
    seal_kept_by(rt, ui["people"]["a"])
    login(client, "fgw")
    r = client.post(
        "/dept/FGW/departure",
        data={"person": str(ui["people"]["a"]), "kind": "离岗", "successor_FGW-SP": str(ui["people"]["c"])},
    )
    assert r.status_code == 422 and "接任人须为本部门" in r.text
    assert count(rt, m.Revocation) == 0 and count(rt, m.SealCustody) == 1


def test_items_are_filed_reviewed_and_returned_with_reasons(client, ui, rt):
    login(client, "fgw")
    form = {
        "code": "FGW-002",
        "name": "固定资产投资项目节能审查",
        "item_type": "licensing",
        "case_type": "commitment",
        "complexity": "simple",
        "on_application": "1",
        "statutory_limit_value": "20",
        "statutory_limit_unit": "working_day",
        "promised_limit_value": "18",
        "promised_limit_unit": "working_day",
        "materials": "M1|项目申请报告\nM2|其他材料",
        "entry_hall": "CITY",
        "online_depth": "pre_review",
    }
    bad = client.post("/dept/FGW/items/new", data={**form, "promised_limit_value": "五"})
    assert bad.status_code == 422 and "不是数字" in bad.text and 'value="固定资产投资项目节能审查"' in bad.text
    r = client.post("/dept/FGW/items/new", data=form)
    assert r.status_code == 302
    client.post("/logout")
    login(client, "sgb")
    queue = client.get("/reform/items").text
    assert "固定资产投资项目节能审查" in queue and "兜底" in queue and "三分之二" in queue
    r = client.post("/reform/items/FGW-002", data={"result": "returned", "reasons": ""})
    assert r.status_code == 422 and "退回须写明理由" in r.text
    r = client.post("/reform/items/FGW-002", data={"reasons": "材料含兜底条款"})  # read through ItemReviewIn
    assert r.status_code == 422 and "审核结果须为“通过”（approved）或“退回”（returned）" in r.text
    r = client.post("/reform/items/FGW-002", data={"result": "published"})
    assert r.status_code == 422 and "须为以下之一" in r.text
    r = client.post("/reform/items/FGW-002", data={"result": "returned", "reasons": "材料含兜底条款"})
    assert r.status_code == 302
    client.post("/logout")
    login(client, "fgw")
    home = client.get("/dept/FGW/").text
    assert "被退回" in home and "材料含兜底条款" in home
    assert "材料含兜底条款" in client.get("/dept/FGW/items/FGW-002").text
    again = client.get("/dept/FGW/items/FGW-002/new").text
    assert 'value="18"' in again and "M2|其他材料" in again  # a new version starts from the last


def test_exemptions_are_requested_by_the_department_and_decided_by_the_government(client, ui, rt):
    published_item(rt)
    login(client, "fgw")
    r = client.post(
        "/dept/FGW/exemptions",
        data={"item": "FGW-001", "reason": "venue", "basis": "大厅面积不足", "effective_from": "2019-01-01"},
    )
    assert r.status_code == 302
    client.post("/logout")
    login(client, "zf")
    waiting = client.get("/gov/exemptions").text
    assert "大厅面积不足" in waiting and "场地条件限制" in waiting
    with rt.reading() as session:
        ex = session.scalars(select(m.Exemption)).one().id
    r = client.post(f"/gov/exemptions/{ex}/decide", data={"result": "approved", "document_no": ""})
    assert r.status_code == 422 and "须注明批准文号" in r.text
    r = client.post(f"/gov/exemptions/{ex}/decide", data={"result": "approved", "document_no": "潭政函〔2019〕1号"})
    assert r.status_code == 302
    assert "潭政函〔2019〕1号" in client.get("/gov/exemptions?state=decided").text
    r = client.post("/gov/opening", data={"date": "2020-06-01", "document_no": "潭政发〔2020〕3号"})
    assert r.status_code == 302 and "2020年06月01日" in client.get("/gov/opening").text
