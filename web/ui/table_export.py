"""Every list page downloadable as xlsx (issue 12 item 6): `?format=xlsx` on a page of the
workspaces renders the page with the whole list (web.ui.common.paginate gives every row when
exporting) and turns the tables of its main part into sheets, with the headers and the names
exactly as the page shows them (never codes where the page shows names). A view with its own
workbook (the compliance report) answers xlsx itself and is left alone.

Buttons, inputs, menus and charts are not data and are left out; a column with nothing in it
(the column of a row's buttons) is dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask import Response, request, url_for

from web.ui import bp
from web.ui.common import exporting
from web.ui.xlsx import xlsx_response

SKIP = {"button", "select", "option", "script", "style", "textarea", "svg", "label"}  # controls, not data
VOID = {"br", "input", "img", "hr", "meta", "link", "wbr"}


class _Tables(HTMLParser):
    """The tables inside <main>: each as (title, rows of cell texts), the title being the nearest
    heading before it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.heading = ""
        self._in_main = 0
        self._skip = 0
        self._stack: list[list[list[str]]] = []  # nested tables: the innermost is written
        self._cell: list[str] | None = None
        self._head: list[str] | None = None
        self._spanned = False
        self._code_skip = False

    def handle_starttag(self, tag, attrs):
        if tag == "br" and self._cell is not None and not self._skip:
            self._cell.append(" ")  # a name and its code on two lines: two words
        if tag in VOID:
            return
        if tag == "main":
            self._in_main += 1
        if not self._in_main:
            return
        if tag in SKIP:
            self._skip += 1
        elif tag == "code" and self._cell is not None and dict(attrs).get("title"):
            self._cell.append(dict(attrs)["title"])  # a hash shown shortened: the whole of it
            self._skip += 1
            self._code_skip = True
        elif tag in ("h1", "h2", "h3"):
            self._head = []
        elif tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
            self._spanned = False
        elif tag in ("td", "th") and self._stack and self._stack[-1]:
            self._cell = []
            if dict(attrs).get("colspan"):  # a row like “没有记录” across the table: not data
                self._spanned = True

    def handle_endtag(self, tag):
        if tag in VOID or not self._in_main:
            return
        if tag == "main":
            self._in_main -= 1
        elif tag in SKIP or (tag == "code" and self._code_skip):
            self._skip = max(0, self._skip - 1)
            self._code_skip = self._code_skip and tag != "code"
        elif tag in ("h1", "h2", "h3") and self._head is not None:
            self.heading = " ".join("".join(self._head).split())
            self._head = None
        elif tag in ("td", "th") and self._cell is not None and self._stack and self._stack[-1]:
            self._stack[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._stack and self._stack[-1] and self._spanned and len(self._stack[-1][-1]) == 1:
            self._stack[-1].pop()
        elif tag == "table" and self._stack:
            rows = self._stack.pop()
            if any(rows):
                self.tables.append((self.heading, rows))

    def handle_data(self, data):
        if not self._in_main or self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        if self._head is not None:
            self._head.append(data)


def _sheet(rows: list[list[str]]) -> tuple[list[str], list[list[Any]]]:
    """Header and body; a column without a header (a row's links and buttons) or with nothing in
    any row (a column of forms) is not data; whole numbers (ids, log indices) are written as numbers."""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows if r]
    named, body = any(rows[0]), rows[1:]
    keep = [i for i in range(width) if (rows[0][i] or not named) and any(r[i] for r in (body or rows))]
    rows = [[r[i] for i in keep] for r in rows]
    return rows[0], [
        [int(v) if v.isdigit() and len(v) < 16 and v[0] != "0" else v for v in r] for r in rows[1:] if any(r)
    ]


def tables_of(html: str) -> list[tuple[str, list[str], list[list[str]]]]:
    parser = _Tables()
    parser.feed(html)
    out = []
    for i, (title, rows) in enumerate(parser.tables, start=1):
        headers, body = _sheet(rows)
        out.append((title or f"表{i}", headers, body))
    return out


def _filename(html: str) -> str:
    m = re.search(r"<title>(.*?)</title>", html, re.S)
    title = (m.group(1).split("·")[0].strip() if m else "") or "清单"
    return re.sub(r'[\\/:*?"<>|\s]+', "-", title) + ".xlsx"


@bp.after_request
def _as_xlsx(response: Response) -> Response:
    if not exporting() or request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return response
    html = response.get_data(as_text=True)
    sheets = tables_of(html)
    if not sheets:
        sheets = [("清单", ["说明"], [["本页没有可下载的清单"]])]
    seen: dict[str, int] = {}
    named = []
    for title, headers, body in sheets:  # sheet names: at most 31 characters, unique
        base = re.sub(r"[\[\]:*?/\\]", "", title)[:28] or "表"
        seen[base] = seen.get(base, 0) + 1
        named.append((base if seen[base] == 1 else f"{base}{seen[base]}", headers, body))
    return xlsx_response(_filename(html), named)


def export_url() -> str:
    """This page's address asking for the xlsx download (the same filters, every page)."""
    args = request.args.to_dict()
    args.pop("page", None)
    args["format"] = "xlsx"
    return url_for(request.endpoint, **(request.view_args or {}), **args)


bp.add_app_template_global(export_url, "export_url")
