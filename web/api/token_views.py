"""API views for tokens (docs/design.md §12.4): the service department lists and revokes every
account's tokens, anyone else their own. A token itself is never shown again after issue."""

from __future__ import annotations

from flask import g

from registry.models import User
from registry.services import tokens
from web.api.routing import route
from web.api.serialize import fields
from web.context import runtime

TOKEN = {
    "type": "object",
    "required": ["id", "user", "state"],
    "properties": {"id": {"type": "integer"}, "user": {"type": "string"}, "state": {"type": "string"}},
}


def token_json(r: tokens.TokenRow) -> dict:
    return fields(r, "id", "user", "role", "place", "note", "created_at", "expires_at", "revoked_at", "state")


@route(
    "GET",
    "/tokens",
    "令牌列表（政务服务部门看全部，其他账号看自己的）",
    tag="system",
    response={"type": "object", "required": ["items"], "properties": {"items": {"type": "array"}}},
)
def list_tokens():
    p = g.principal
    with runtime().reading() as session:
        rows = tokens.list_tokens(session, user_name=None if p.role == tokens.MANAGER_ROLE else p.name)
    return {"items": [token_json(r) for r in rows], "next": None}


@route("POST", "/tokens/{token_id}/revoke", "撤销令牌（各工作进程一秒内拒绝它）", tag="system", response=TOKEN)
def revoke_token(token_id: str):
    with runtime().filing_session() as session:  # a refusal rises to the one error mapping
        by = session.get(User, g.principal.user_id)
        row = tokens.revoke_token_id(session, int(token_id), by=by)
    return token_json(row)
