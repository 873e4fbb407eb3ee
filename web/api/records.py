"""Registry records over the API (docs/design.md §8): a kind's list and its filing, each
declared once (`listed`, `filed`) and registered as routes."""

from __future__ import annotations

from typing import Any, Callable

from flask import g
from pydantic import BaseModel
from sqlalchemy import select

from application.runtime import actor_of
from web.api.listing import LIST_QUERY, listing
from web.api.routing import filing, route
from web.context import runtime

LIST = {
    "type": "object",
    "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"type": "object"}}, "next": {"type": ["string", "null"]}},
}


def file(action: Callable[[Any], Any], present: Callable[[Any], dict[str, Any]], status: int = 201):
    """Run one filing in one transaction; a refused filing changes nothing."""
    with runtime().filing(actor_of(g.principal)) as ctx:
        row = action(ctx)
        out = present(row)
    runtime_policy_touch()
    return out, status


def runtime_policy_touch() -> None:
    """Let this worker's decision index see the filing at once (others see it via the feed)."""
    host = runtime().policy_if_ready
    if host is not None:
        host.refresh()


def dump(body: BaseModel) -> dict[str, Any]:
    data = body.model_dump()
    if "from_" in data:
        data["from"] = data.pop("from_")
    return data


def listed(path: str, noun: str, rows: Any, present: Callable[[Any], dict[str, Any]], scope: Any = None, *, name: str):
    """GET `path` (view `name`): a page of `rows` (a model, by its primary key, or a select) as `present`
    shows them, read by every signed-in role; `scope`, the column a department reads its own rows by."""
    stmt = select(rows).order_by(*rows.__mapper__.primary_key) if hasattr(rows, "__mapper__") else rows

    def view():
        return listing(stmt, present, *([scope] if scope is not None else []))

    view.__name__ = name
    route("GET", path, noun, query=LIST_QUERY, response=LIST)(view)


def filed(
    path: str,
    summary: str,
    body: type[BaseModel],
    roles: tuple[str, ...],
    action: Callable[[Any, dict[str, Any]], Any],
    present: Callable[[Any], dict[str, Any]],
    *,
    name: str,
):
    """POST `path` (view `name`): `action(ctx, the body's fields)` files a record in one transaction,
    answered as `present` shows it."""

    def view(body: BaseModel):
        data = dump(body)
        return file(lambda ctx: action(ctx, data), present)

    view.__name__ = name
    filing(path, summary, body=body, roles=roles)(view)


def of_own_department(action: Callable[[Any, dict[str, Any]], Any]) -> Callable[[Any, dict[str, Any]], Any]:
    """`action` on a filing whose department, left out, is the caller's own."""

    def filed_for(ctx, data: dict[str, Any]):
        data["department"] = data.get("department") or g.principal.department
        return action(ctx, data)

    return filed_for
