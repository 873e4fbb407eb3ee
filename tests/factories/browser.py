"""The demo city served to a headless chromium, and its pages opened as each role."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from registry import models as m
from tests.api.world import DEPARTMENT, PASSWORD, DemoWorld, build_world

PROJECT_ROOT = Path(__file__).resolve().parents[2]


OUT = PROJECT_ROOT / "test-output" / "browser"


CHROMIUM = os.environ.get("ONEHALL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


TIMEOUT_MS = 15_000


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
        ctx = browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
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
        people = list(session.scalars(select(m.Person).where(m.Person.department == DEPARTMENT).order_by(m.Person.id)))
        granted = set(
            session.scalars(select(m.Authorization.grantee_person).where(m.Authorization.grantee_person.is_not(None)))
        )
        items = list(
            session.scalars(
                select(m.ItemVersion.code).where(m.ItemVersion.department == DEPARTMENT).order_by(m.ItemVersion.code)
            )
        )
        window = session.scalar(
            select(m.Place.code).where(m.Place.department == DEPARTMENT, m.Place.kind == "department_window")
        )
        names = {p.id: p.name for p in people}
    grantee = next(p for p in people if p.id not in granted)
    item = next(
        code
        for code in items
        if rt.policy.decide(custodian, "decide", code, place=window)["allowed"]
        and rt.policy.decide(custodian, "use_seal", code, place=window, seal=seal)["allowed"]
    )
    from tests.factories.world import hold_case

    hold_case(rt, "XT2026-浏览器-0001", item, place=window)  # the case sealed: accepted at the door's rules
    return {
        "grantee": grantee.id,
        "grantee_name": grantee.name,
        "custodian": custodian,
        "custodian_name": names[custodian],
        "item": item,
        "window": window,
        "seal": seal,
    }


def _login(page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.inner_text("body")[:500]


def _shot(page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def fill_authorization(page, base: str, person: int, post: str = "A") -> None:
    """A department's authorization form, filled for `person` (the plan's minimum powers, every
    item, a year from now); the caller submits it."""
    from datetime import datetime, timedelta

    import vocab
    from vocab.clock import SHANGHAI

    page.goto(f"{base}/dept/{DEPARTMENT}/authorizations/new")
    assert page.locator("h1").inner_text().startswith("授予首席代表授权")
    page.select_option("select[name=grantee_person]", str(person))
    page.select_option("select[name=post]", post)
    for power in vocab.CHIEF_REP_MINIMUM:
        page.check(f"input[name=powers][value={power}]")
    page.check("input[name=items_scope][value='*']")
    start = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    page.fill("input[name=valid_from]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=valid_to]", (start + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M"))
