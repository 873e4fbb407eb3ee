"""Every list downloadable as xlsx (issue 12 item 6): the whole list, not the page shown, with the
headers and names the page shows, hashes whole, buttons left out, and a text a spreadsheet would
run as a formula written inert. (The crawl in test_link_crawl.py opens every role's downloads.)"""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from registry.inputs.filings import ExceptionIn
from registry.services import grants
from registry.services.context import Actor
from tests.factories.pages import a_and_b, login, ui  # noqa: F401
from web.ui.common import PER_PAGE
from web.ui.table_export import tables_of

PAGE = """<html><head><title>授权书 · 湘潭</title></head><body><nav><table><tr><td>菜单</td></tr></table></nav>
<main><h1>授权书</h1><svg><text>图表</text></svg>
<table><thead><tr><th>#</th><th>被授权人</th><th>记录哈希</th><th></th><th>审查</th></tr></thead>
<tbody><tr><td>7</td><td>张建国<br><span>FGW-A</span></td><td><code class="mono" title="ab12cd34ef">ab12…</code></td>
<td><a href="/x">授权书</a><form><button>撤销</button></form></td><td><form><label>通过<input></label></form></td></tr>
<tr><td colspan="4" class="muted">没有更多</td></tr></tbody></table>
<h2>空表</h2><table><thead><tr><th>名称</th></tr></thead><tbody></tbody></table></main></body></html>"""


def test_a_pages_tables_become_sheets_as_the_page_shows_them():
    (title, headers, rows), (title2, headers2, rows2) = tables_of(PAGE)
    assert (title, headers) == ("授权书", ["#", "被授权人", "记录哈希"])  # the buttons' and forms' columns dropped
    assert rows == [[7, "张建国 FGW-A", "ab12cd34ef"]]  # the whole hash; no "没有更多"
    assert (title2, headers2, rows2) == ("空表", ["名称"], [])


def _exceptions(rt, reasons: list[str]) -> None:
    with rt.filing(Actor(name="sgb", role="reform_office")) as ctx:
        for i, reason in enumerate(reasons):
            grants.file_exception(ctx, ExceptionIn(rule="XT-3.4.catch_all", subject=f"item:FGW-{i:03d}", reason=reason))


def test_the_download_holds_the_whole_list_with_formulas_made_inert(client, ui, rt):
    reasons = ['=HYPERLINK("http://x","点我")'] + [f"经研究暂不整改（第{i}件）" for i in range(PER_PAGE + 4)]
    _exceptions(rt, reasons)
    login(client, "sgb")
    page = client.get("/reform/exceptions").get_data(as_text=True)
    assert "format=xlsx" in page and "下载清单（xlsx）" in page
    r = client.get("/reform/exceptions?format=xlsx&page=2")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    ws = load_workbook(BytesIO(r.data)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("#", "规则", "对象", "理由")
    assert len(rows) - 1 == len(reasons)  # every row, not one page
    texts = {row[3] for row in rows[1:]}
    assert "'" + reasons[0] in texts and reasons[0] not in texts


def test_the_log_download_lists_the_filtered_log_with_names_and_whole_hashes(client, ui, rt):
    from sqlalchemy import select

    from registry import models as m

    a_and_b(rt, ui)
    with rt.reading() as session:
        entries = list(
            session.execute(
                select(m.LogEntry.index, m.LogEntry.kind, m.LogEntry.leaf_hash).order_by(m.LogEntry.index.desc())
            )
        )
    login(client, "audit")
    r = client.get("/audit/log?format=xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(BytesIO(r.data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("序号", "类别", "时间", "叶哈希", "引用")
    assert [(row[0], row[3]) for row in rows[1:]] == [(i, h) for i, _, h in entries]  # every entry, newest first
    assert "授权书" in {row[1] for row in rows[1:]} and "authorization" not in {row[1] for row in rows[1:]}
    only = client.get("/audit/log?format=xlsx&kind=authorization")
    kinds = {row[1] for row in list(load_workbook(BytesIO(only.data)).worksheets[0].iter_rows(values_only=True))[1:]}
    assert kinds == {"授权书"}
