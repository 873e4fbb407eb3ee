"""API views about the API itself and the caller."""
from __future__ import annotations

from flask import g

from web.api.openapi import build_openapi
from web.api.routing import ANONYMOUS, route


@route("GET", "/openapi.json", "OpenAPI 文档", roles=ANONYMOUS, tag="system", response={"type": "object"})
def openapi_document():
    return build_openapi()


@route("GET", "/me", "当前调用者", tag="system", response={"type": "object"})
def whoami():
    p = g.principal
    return {"user": p.name, "role": p.role, "department": p.department, "person": p.person, "place": p.place}
