"""The main flows in a real browser (Debian's chromium driven by Playwright), over a demo city
served on 127.0.0.1 by werkzeug in a thread:

1. a department files a chief representative's authorization (A post, powers, validity) and
   sees where it went in the log;
2. a window clerk asks “我能否……” and reads the answer and its reasons;
3. the seal's custodian uses the seal and downloads the receipt;
4. an auditor verifies that receipt;
5. a citizen, not signed in, checks the receipt's hash (and the document) on /verify.

Each page is saved as a screenshot under test-output/browser/. Skipped, with the reason, only
when chromium or Playwright is missing (`make test` installs chromium).
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from registry import models as m
from tests.api.world import DEPARTMENT
from tests.factories.browser import OUT, _shot, fill_authorization

pytestmark = pytest.mark.slow

DOCUMENT = "湘潭市发展和改革委员会关于某项目核准的批复（浏览器测试）".encode()

flow: dict = {}  # what one step hands to the next (the receipt, its hash)


def _field(page, label: str) -> str:
    """The <dd> after the <dt> with this label."""
    return page.locator(f"dt:text-is('{label}') + dd").first.inner_text().strip()


def test_department_files_an_authorization_and_sees_its_log_index(new_page, live):
    plan = live.plan
    page = new_page("t-dept")
    fill_authorization(page, live.base, plan["grantee"])
    _shot(page, "1-department-authorization-form")
    page.get_by_role("button", name="签名并登记").click()
    page.wait_for_url(re.compile(rf"/dept/{DEPARTMENT}/authorizations/\d+\?filed=1"))
    assert "已签名登记" in page.inner_text("body")
    log_index = _field(page, "日志序号")
    assert log_index.isdigit(), log_index
    assert plan["grantee_name"] in _field(page, "被授权人")
    assert re.fullmatch(r"[0-9a-f]{64}", _field(page, "记录哈希"))
    _shot(page, "1-department-authorization-filed")
    auth_id = int(re.search(r"/authorizations/(\d+)", page.url).group(1))
    with live.rt.reading() as session:
        assert session.get(m.Authorization, auth_id).log_index == int(log_index)


def test_window_asks_may_i_and_reads_the_reasons(new_page, live):
    plan = live.plan
    page = new_page("t-window")
    page.goto(f"{live.base}/window/")
    page.fill("input[name=person_q]", plan["custodian_name"])
    page.click("button[name=search][value=person]")
    page.select_option("#person-select", str(plan["custodian"]))
    page.fill("input[name=item_q]", plan["item"])
    page.click("button[name=search][value=item]")
    page.select_option("#item-select", plan["item"])
    page.select_option("select[name=action]", "decide")
    page.select_option("select[name=place]", plan["window"])
    page.get_by_role("button", name="查询", exact=True).click()
    answer = page.locator(".answer")
    answer.wait_for()
    assert "可以" in answer.locator(".verdict").inner_text()
    reasons = page.locator(".reason")
    assert reasons.count() >= 1
    assert re.search(r"XT-\d", reasons.first.inner_text())
    assert "依据授权书" in answer.inner_text()
    _shot(page, "2-window-may-i")


def test_custodian_uses_the_seal_and_downloads_the_receipt(new_page, live, tmp_path):
    plan = live.plan
    page = new_page("t-custodian")
    page.goto(f"{live.base}/window/seal")
    page.select_option("select[name=seal]", plan["seal"])
    page.select_option("select[name=place]", plan["window"])
    page.fill("input[name=item_q]", plan["item"])  # the type-ahead asks the server
    page.locator(f"#item-select option[value='{plan['item']}']").wait_for(state="attached")
    page.select_option("#item-select", plan["item"])
    page.fill("input[name=case]", "XT2026-浏览器-0001")
    document = tmp_path / "批复.txt"
    document.write_bytes(DOCUMENT)
    page.set_input_files("input[name=document]", str(document))
    digest = hashlib.sha256(DOCUMENT).hexdigest()
    # the page hashes the file in the browser (SubtleCrypto) before anything is sent
    page.wait_for_function("(d) => document.getElementById('document_sha256').value === d", arg=digest)
    _shot(page, "3-custodian-seal-form")
    page.get_by_role("button", name="用印", exact=True).click()
    page.wait_for_load_state()
    assert re.search(r"/window/seal-uses/\d+\?new=1", page.url), page.inner_text("main, body")[:800]
    assert _field(page, "文件 SHA-256") == digest
    leaf_hash = _field(page, "叶哈希")
    _shot(page, "3-custodian-seal-used")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载回执（JSON）").click()
    receipt_path = OUT / "receipt.json"
    info.value.save_as(receipt_path)
    receipt = json.loads(receipt_path.read_text(encoding="utf-8"))
    assert receipt["leaf_hash"] == leaf_hash
    flow.update(receipt=receipt_path, leaf_hash=leaf_hash, document=document)


def test_auditor_verifies_the_receipt(new_page, live):
    assert flow.get("receipt"), "needs the receipt downloaded by the seal-use test"
    page = new_page("t-audit")
    page.goto(f"{live.base}/audit/receipt")
    page.set_input_files("input[name=receipt]", str(flow["receipt"]))
    page.get_by_role("button", name="核验", exact=True).click()
    page.wait_for_load_state()
    ok = page.locator(".flash.ok")
    assert "回执有效" in ok.inner_text(), page.inner_text("body")[:800]
    assert _field(page, "叶哈希") == flow["leaf_hash"]
    _shot(page, "4-auditor-receipt-verified")


def test_citizen_verifies_the_receipt_hash_without_signing_in(new_page, live):
    assert flow.get("leaf_hash"), "needs the receipt of the seal-use test"
    page = new_page()
    page.goto(f"{live.base}/verify")
    page.fill("input[name=hash]", flow["leaf_hash"])
    page.set_input_files("input[data-sha256-target]", str(flow["document"]))
    page.wait_for_function(
        "(d) => document.getElementById('document_sha256').value === d", arg=hashlib.sha256(DOCUMENT).hexdigest()
    )
    page.get_by_role("button", name="核验", exact=True).click()
    page.wait_for_load_state()
    body = page.inner_text("body")
    assert "已登记用印" in body, body[:800]
    assert "您选择的文件与登记用印的文件一致" in body
    assert live.plan["custodian_name"] not in body  # no personal data on the public page
    _shot(page, "5-citizen-verify")
