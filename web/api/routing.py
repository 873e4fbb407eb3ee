"""The API's route table: each route declares its body schema and who may call it, and the
same declarations produce /api/v1/openapi.json."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, g, request
from pydantic import BaseModel, ValidationError

from web.api import problems
from web.api.problems import from_validation, problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")
problems.install(bp)


@dataclass
class RouteSpec:
    method: str
    path: str
    summary: str
    body: type[BaseModel] | None
    roles: tuple[str, ...] | None          # None: anyone signed in; () : anonymous
    status: int
    query: dict[str, str] = field(default_factory=dict)
    response: dict[str, Any] | None = None
    tag: str = "registry"


ROUTES: list[RouteSpec] = []
ANONYMOUS: tuple[str, ...] = ()


def spec_for(method: str, path: str) -> RouteSpec:
    """The declaration of a route (the fast path answers with the route's own)."""
    return next(s for s in ROUTES if s.method == method and s.path == path)


def refusal(spec: RouteSpec, principal: Any) -> tuple[int, str, str] | None:
    """Why `principal` may not call the route (status, title, detail), or None: the one guard
    the route and the fast path (web.api.fastpath) both apply."""
    if spec.roles == ANONYMOUS:
        return None
    if principal is None:
        return 401, "需要登录", "请在 Authorization 头中提供 Bearer 令牌"
    if spec.roles is not None and principal.role not in spec.roles:
        return 403, "无权操作", f"角色“{principal.role}”不能调用此接口"
    return None


def route(method: str, path: str, summary: str, *, body: type[BaseModel] | None = None,
          roles: tuple[str, ...] | None = None, status: int = 200, query: dict[str, str] | None = None,
          response: dict[str, Any] | None = None, tag: str = "registry") -> Callable:
    """Register an API view. The view gets the validated body (if any) as its `body` argument."""
    spec = RouteSpec(method, path, summary, body, roles, status, query or {}, response, tag)
    ROUTES.append(spec)
    flask_path = path.replace("{", "<").replace("}", ">")

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**kwargs):
            denied = refusal(spec, getattr(g, "principal", None))
            if denied is not None:
                status, title, detail = denied
                challenge = {"WWW-Authenticate": 'Bearer realm="onehall"'} if status == 401 else None
                return problem(status, title, detail, headers=challenge)
            if spec.body is not None:
                payload = request.get_json(silent=True)
                if not isinstance(payload, dict):
                    return problem(422, "数据校验未通过", "请求体须为 JSON 对象",
                                   errors=[{"field": "body", "message": "须为 JSON 对象"}])
                try:
                    kwargs["body"] = spec.body.model_validate(payload)
                except ValidationError as exc:
                    return from_validation(exc)
            return view(**kwargs)

        bp.add_url_rule(flask_path, endpoint=f"{view.__name__}_{method.lower()}", view_func=wrapper,
                        methods=[method])
        return wrapper

    return decorate
