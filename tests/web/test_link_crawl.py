"""Every link works (issue 12 item 1): signed in as each role of the demo city, follow every link
reachable from the role's home page, two levels deep, GET only. No page answers 4xx or 5xx; an
address that does not exist gets a Chinese 404 page with a way back; the site has a favicon.

Links of the same kind (the same route and query keys, e.g. one item page of many) are followed a
few times each, not all of them: the kind is what can break, and the crawl stays quick."""

from __future__ import annotations

from collections import Counter, deque

import pytest

from tests.api.world import DEPARTMENT, PASSWORD
from tests.factories.crawl import ROLES, demo_city, kind_of, links_of, links_to_follow  # noqa: F401

pytestmark = pytest.mark.slow

DEPTH = 2
PER_KIND = 3
LATIN_ERROR_WORDS = ("Not Found", "Forbidden", "Internal Server Error", "Bad Request", "Method Not Allowed")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from demo_city(tmp_path_factory, "crawl")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def check_xlsx(url: str, data: bytes) -> str | None:
    """What is wrong with a list's xlsx download (None: a workbook of sheets with headers)."""
    from io import BytesIO

    from openpyxl import load_workbook

    try:
        wb = load_workbook(BytesIO(data), read_only=True)
    except Exception as exc:
        return f"not a workbook ({exc})"
    for ws in wb.worksheets:
        header = next(ws.iter_rows(max_row=1, values_only=True), ())
        if not any(header):
            return f"sheet {ws.title} has no header row"
    return None


def crawl(app, client, home: str, downloads: list[str] | None = None) -> tuple[list[tuple[str, int, str]], int]:
    """(failures as (url, status, found on), pages visited); every xlsx download reached is checked
    and its address added to `downloads`."""
    seen: set[str] = {home}
    kinds: Counter = Counter()
    queue = deque([(home, 0, "(home)")])
    failures, visited = [], 0
    while queue:
        url, depth, source = queue.popleft()
        r = client.get(url)
        visited += 1
        if r.status_code >= 400:
            failures.append((url, r.status_code, source))
            continue
        if r.mimetype == XLSX:
            problem = check_xlsx(url, r.get_data())
            if problem:
                failures.append((url, 200, f"{source}: {problem}"))
            elif downloads is not None:
                downloads.append(url)
            continue
        if r.status_code in (301, 302, 303, 307, 308):
            target = r.headers["Location"]
            if "/login" in target:
                failures.append((url, r.status_code, f"{source} → sign-in"))
            continue
        if depth >= DEPTH or "text/html" not in (r.content_type or ""):
            continue
        for link in links_to_follow(app, r.get_data(as_text=True), seen, kinds, PER_KIND):
            queue.append((link, depth + 1, url))
    return failures, visited


@pytest.mark.parametrize("user", sorted(ROLES))
def test_every_link_from_each_roles_home_works(demo, user):
    client = demo.app.test_client()
    r = client.post("/login", data={"name": user, "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith(ROLES[user]), (user, r.headers.get("Location"))
    downloads: list[str] = []
    failures, visited = crawl(demo.app, client, ROLES[user], downloads)
    print(user, visited, "pages", len(downloads), "xlsx downloads")
    assert visited > 5, f"{user}: the home page links to almost nothing ({visited} pages)"
    assert downloads, f"{user}: no list of this role offers an xlsx download"
    assert not failures, f"{user}: broken links:\n" + "\n".join(f"  {s} {u}  (on {src})" for u, s, src in failures)


def test_a_missing_page_says_so_in_chinese_with_a_way_back(demo):
    client = demo.app.test_client()
    for url in ("/no-such-page", "/dept/FGW/items/NO-SUCH-ITEM/nothing"):
        r = client.get(url)
        assert r.status_code == 404
        body = r.get_data(as_text=True)
        assert "页面不存在" in body and 'lang="zh-CN"' in body
        assert not any(w in body for w in LATIN_ERROR_WORDS), body[:400]
        assert 'href="/login"' in body or 'href="/"' in body
    client.post("/login", data={"name": "t-dept", "password": PASSWORD})
    r = client.get("/reform/")
    assert r.status_code == 403 and "无权访问" in r.get_data(as_text=True)
    assert "返回工作台" in r.get_data(as_text=True)
    r = client.get("/no-such-page")
    assert r.status_code == 404 and f'href="/dept/{DEPARTMENT}/"' in r.get_data(as_text=True)


def test_a_failing_page_is_a_chinese_500_page(demo, monkeypatch):
    app = demo.app

    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "ui.verify", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.config, "TESTING", False)
    r = app.test_client().get("/verify")
    assert r.status_code == 500
    body = r.get_data(as_text=True)
    assert "服务器内部错误" in body and "返回" in body and 'lang="zh-CN"' in body
    assert "boom" not in body


def test_the_site_has_a_favicon(demo):
    client = demo.app.test_client()
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.content_type.startswith("image/")
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in page
