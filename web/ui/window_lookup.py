"""The window's type-ahead (issue 12 item 4, docs/design.md §1): people and published items found
in the database by name, code or pinyin (registry.search), a page at a time, for the forms of
the window's pages; `/window/lookup/<kind>` answers the same search as JSON for the script that
refills the lists as the clerk types. A window reads people by name only."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request, url_for

from registry import search
from web.context import runtime
from web.input_guard import page_number
from web.ui import bp
from web.ui.common import RolePages, not_found

pages = RolePages("window")

PER_LIST = 20
MAX_QUERY = 50


def arg_page(name: str) -> int:
    return page_number(request.args.get(name), 1) or 1


def _query(name: str) -> str:
    return (request.args.get(name) or "")[:MAX_QUERY]


def window_hall(session) -> str | None:
    """The hall of the window signed in, when its account is bound to a place (a token issued for
    a window's place); a page sign-in names no place, and then no hall narrows the people."""
    principal = getattr(g, "principal", None)
    if principal is None or principal.role != "window":
        return None
    return search.hall_of_place(session, principal.place)


def person_options(session, q: str, page: int, *, chosen: int | None = None) -> dict[str, Any]:
    hall = window_hall(session)
    found = search.search_people(session, q, page=page, per_page=PER_LIST, hall=hall)
    rows = [{"value": str(p.id), "label": f"{p.name}（{dept}）"} for p, dept in found.rows]
    if chosen is not None and all(r["value"] != str(chosen) for r in rows):
        extra = search.search_people(session, "", page=1, per_page=1, ids=[chosen], hall=hall)
        rows = [{"value": str(p.id), "label": f"{p.name}（{dept}）"} for p, dept in extra.rows] + rows
    return {"rows": rows, "total": found.total, "page": found.page, "pages": found.pages}


def item_options(
    session, q: str, page: int, *, chosen: str | None = None, department: str | None = None
) -> dict[str, Any]:
    found = search.search_items(session, q, department=department, page=page, per_page=PER_LIST)
    rows = [{"value": i.code, "label": f"{i.name}（{dept}）"} for i, dept in found.rows]
    if chosen and all(r["value"] != chosen for r in rows):
        extra = search.search_items(session, "", department=department, page=1, per_page=1, codes=[chosen])
        rows = [{"value": i.code, "label": f"{i.name}（{dept}）"} for i, dept in extra.rows] + rows
    return {"rows": rows, "total": found.total, "page": found.page, "pages": found.pages}


@bp.app_template_global("with_args")
def with_args(**changes: Any) -> str:
    """This page's address with some query arguments changed (a list's page link)."""
    args = {**request.args.to_dict(), **{k: str(v) for k, v in changes.items()}}
    return url_for(request.endpoint or "ui.window.window_ask", **(request.view_args or {}), **args)


@pages.get("/window/lookup/<kind>")
def window_lookup(kind: str):
    q, page = _query("q"), arg_page("page")
    with runtime().reading() as session:
        if kind == "people":
            return jsonify(person_options(session, q, page))
        if kind == "items":
            return jsonify(item_options(session, q, page, department=request.args.get("department") or None))
    return not_found(f"没有“{kind}”这类可查找的记录")
