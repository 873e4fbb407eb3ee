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
import os
import re
import shutil
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from registry import models as m
import vocab
from tests.api.world import DEPARTMENT, PASSWORD, DemoWorld, build_world
from vocab.clock import SHANGHAI

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OUT = PROJECT_ROOT / "test-output" / "browser"
CHROMIUM = os.environ.get("ONEHALL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 15_000
DOCUMENT = "湘潭市发展和改革委员会关于某项目核准的批复（浏览器测试）".encode()

flow: dict = {}   # what one step hands to the next (the receipt, its hash)


@pytest.fixture(scope="module")
def sync_api():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM}: apt-get install chromium (make test installs it)")
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def live(sync_api, tmp_path_factory):
    """The demo city served on 127.0.0.1 (a free port) by werkzeug in a thread."""
    from werkzeug.serving import make_server
    world = build_world(tmp_path_factory.mktemp("browser"))
    server = make_server("127.0.0.1", 0, world.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="onehall-browser-test", daemon=True)
    thread.start()
    world.base = f"http://127.0.0.1:{server.server_port}"
    world.plan = _plan(world)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        yield world
    finally:
        server.shutdown()
        thread.join(timeout=10)
        world.rt.close()


@pytest.fixture(scope="module")
def browser(sync_api, live):
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, live, request):
    contexts = []
    pages = []

    def make(user: str | None = None):
        ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(TIMEOUT_MS)
        contexts.append(ctx)
        page = ctx.new_page()
        pages.append(page)
        if user:
            _login(page, live.base, user)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        (OUT / "failed").mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(pages):
            try:
                page.screenshot(path=str(OUT / "failed" / f"{request.node.name}-{i}.png"), full_page=True)
            except Exception:  # a page already closed: nothing to keep
                pass
    for ctx in contexts:
        ctx.close()


def _plan(world: DemoWorld) -> dict:
    """Who and what the flows use, read from the demo registry (not hard-coded ids)."""
    rt = world.rt
    custodian = world.people["custodian"]
    seal = world.refs["custody_seal"][0]
    with rt.reading() as session:
        people = list(session.scalars(select(m.Person).where(m.Person.department == DEPARTMENT)
                                      .order_by(m.Person.id)))
        granted = set(session.scalars(select(m.Authorization.grantee_person)
                                      .where(m.Authorization.grantee_person.is_not(None))))
        items = list(session.scalars(select(m.ItemVersion.code).where(m.ItemVersion.department == DEPARTMENT)
                                     .order_by(m.ItemVersion.code)))
        window = session.scalar(select(m.Place.code).where(m.Place.department == DEPARTMENT,
                                                           m.Place.kind == "department_window"))
        names = {p.id: p.name for p in people}
    grantee = next(p for p in people if p.id not in granted)
    item = next(code for code in items
                if rt.policy.decide(custodian, "decide", code, place=window)["allowed"]
                and rt.policy.decide(custodian, "use_seal", code, place=window, seal=seal)["allowed"])
    from tests.web.conftest import hold_case
    hold_case(rt, "XT2026-浏览器-0001", item, place=window)  # the case sealed: accepted at the door's rules
    return {"grantee": grantee.id, "grantee_name": grantee.name, "custodian": custodian,
            "custodian_name": names[custodian], "item": item, "window": window, "seal": seal}


def _login(page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.inner_text("body")[:500]


def _shot(page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def _field(page, label: str) -> str:
    """The <dd> after the <dt> with this label."""
    return page.locator(f"dt:text-is('{label}') + dd").first.inner_text().strip()


def test_department_files_an_authorization_and_sees_its_log_index(new_page, live):
    plan = live.plan
    page = new_page("t-dept")
    page.goto(f"{live.base}/dept/{DEPARTMENT}/authorizations/new")
    assert page.locator("h1").inner_text().startswith("授予首席代表授权")
    page.select_option("select[name=grantee_person]", str(plan["grantee"]))
    page.select_option("select[name=post]", "A")
    for power in vocab.CHIEF_REP_MINIMUM:
        page.check(f"input[name=powers][value={power}]")
    page.check("input[name=items_scope][value='*']")
    start = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    page.fill("input[name=valid_from]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=valid_to]", (start + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M"))
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
    page.fill("input[name=item_q]", plan["item"])          # the type-ahead asks the server
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
    page.wait_for_function("(d) => document.getElementById('document_sha256').value === d",
                           arg=hashlib.sha256(DOCUMENT).hexdigest())
    page.get_by_role("button", name="核验", exact=True).click()
    page.wait_for_load_state()
    body = page.inner_text("body")
    assert "已登记用印" in body, body[:800]
    assert "您选择的文件与登记用印的文件一致" in body
    assert live.plan["custodian_name"] not in body      # no personal data on the public page
    _shot(page, "5-citizen-verify")
