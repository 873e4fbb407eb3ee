"""application/problem+json answers (RFC 9457) for every error the API gives."""
from __future__ import annotations

from typing import Any

from flask import Response, json
from pydantic import ValidationError

from registry.errors import RegistryError

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str = "", *, errors: list[dict[str, str]] | None = None,
            reasons: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    if reasons is not None:
        body["reasons"] = reasons
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def from_validation(exc: ValidationError) -> Response:
    errors = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"] if not str(p).startswith(("function-", "tagged-union"))]
        # pydantic names union branches in the location; keep the path a client sent.
        loc = [p for p in loc if p not in ("PersonGrantee", "GovServiceGrantee", "list[constrained-str]",
                                           "literal['*']", "str")]
        field = ".".join(loc) or "body"
        field = field.replace("from_", "from")
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "不接受的字段"
        elif err["type"] == "missing":
            message = "缺少必填字段"
        elif message.startswith("Value error, "):
            message = message[len("Value error, "):]
        errors.append({"field": field, "message": message})
    seen, unique = set(), []
    for e in errors:
        key = (e["field"], e["message"])
        if key not in seen:
            seen.add(key)
            unique.append(e)
    names = "、".join(e["field"] for e in unique)
    return problem(422, "数据校验未通过", f"以下字段有误：{names}", errors=unique)


def from_registry(exc: RegistryError) -> Response:
    return problem(exc.status, exc.title, exc.detail, errors=[e.as_dict() for e in exc.errors])
