"""API views about the API itself and the caller."""

from __future__ import annotations

from flask import g

from web.api.openapi import build_openapi
from web.api.routing import ANONYMOUS, route


@route("GET", "/openapi.json", "OpenAPI 文档", roles=ANONYMOUS, tag="system")
def openapi_document():
    return build_openapi()


@route("GET", "/me", "当前调用者", tag="system")
def whoami():
    p = g.principal
    return {"user": p.name, "role": p.role, "department": p.department, "person": p.person, "place": p.place}


@route(
    "GET",
    "/policy",
    "生效的规则包（本工作进程正在使用的版本）",
    tag="system",
    response={"type": "object", "required": ["pack", "version", "digest", "title"]},
)
def active_policy():
    """The pack version this worker decides with, current with the change feed: after a
    publication (any worker's), the next call names the new version."""
    from web.context import runtime

    host = runtime().policy
    host.refresh()
    pack = host.engine.pack
    return {**pack.policy, "title": pack.title, "rules": len(pack.rules)}
