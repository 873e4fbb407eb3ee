"""Lists: `{"items": [...], "next": URL or null}` with `page` and `per_page` (≤ 500),
filtered by the caller's read scope (docs/design.md §1) and by `department`."""

from __future__ import annotations

from typing import Any, Callable

from flask import g, request, url_for
from sqlalchemy import Select

from web.api.problems import problem
from web.input_guard import page_number

MAX_PER_PAGE = 500
FULL_READERS = frozenset({"reform_office", "auditor", "gov_service", "government", "drc"})
LIST_QUERY = {
    "page": "page number, from 1",
    "per_page": "rows per page, at most 500",
    "department": "only this department's rows",
}
PAGE = {  # the answer of a list
    "type": "object",
    "required": ["items", "next"],
    "properties": {"items": {"type": "array"}, "next": {"type": ["string", "null"]}},
}


class ScopeDenied(Exception):
    pass


def filing_scope() -> str | None:
    """None: every department; a code: only that one. Windows read no filings."""
    principal = g.principal
    if principal.role in FULL_READERS:
        wanted = request.args.get("department")
        return wanted or None
    if principal.role == "department":
        wanted = request.args.get("department")
        if wanted and wanted != principal.department:
            raise ScopeDenied(wanted)
        return principal.department
    raise ScopeDenied(None)


def page_args() -> tuple[int, int] | Any:
    """(page, per_page) from ASCII digits within bounds (web.input_guard), or None."""
    page = page_number(request.args.get("page"), 1)
    per_page = page_number(request.args.get("per_page"), 50, MAX_PER_PAGE)
    if page is None or per_page is None:
        return None
    return page, per_page


def paginate(session, stmt: Select, serialize: Callable[[Any], dict[str, Any]]):
    args = page_args()
    if args is None:
        return problem(
            422,
            "分页参数有误",
            f"page ≥ 1，1 ≤ per_page ≤ {MAX_PER_PAGE}",
            errors=[
                {"field": "page", "message": "须为正整数"},
                {"field": "per_page", "message": f"须在 1 到 {MAX_PER_PAGE} 之间"},
            ],
        )
    page, per_page = args
    rows = list(session.scalars(stmt.offset((page - 1) * per_page).limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    nxt = None
    if more:
        params = {**request.args.to_dict(), "page": page + 1, "per_page": per_page}
        nxt = url_for(request.endpoint, _external=False, **(request.view_args or {}), **params)
    return {"items": [serialize(r) for r in rows], "next": nxt}


def scope_denied_problem(wanted: str | None):
    if wanted:
        return problem(403, "无权查看", f"只能查看本部门的记录，不能查看{wanted}")
    return problem(403, "无权查看", "此角色不能查看这些记录")


def listing(stmt: Select, present: Callable[[Any], dict[str, Any]], department_column: Any = None):
    """A page of `stmt`'s rows, limited to the caller's own department where `department_column`
    names it (filing_scope); a department asking for another's rows is refused."""
    from web.context import runtime

    try:
        scope = filing_scope() if department_column is not None else None
    except ScopeDenied as exc:
        return scope_denied_problem(exc.args[0])
    if department_column is not None and scope is not None:
        stmt = stmt.where(department_column == scope)
    with runtime().reading() as session:
        return paginate(session, stmt, present)
