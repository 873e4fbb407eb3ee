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
from web.input_guard import is_id, json_problems

bp = Blueprint("api", __name__, url_prefix="/api/v1")
problems.install(bp)


@dataclass
class RouteSpec:
    method: str
    path: str
    summary: str
    body: type[BaseModel] | None
    roles: tuple[str, ...] | None  # None: anyone signed in; () : anonymous
    status: int
    query: dict[str, str] = field(default_factory=dict)
    response: dict[str, Any] | None = None
    tag: str = "registry"


ROUTES: list[RouteSpec] = []
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# path parameters naming an INTEGER row id (a finding's id is a hex digest: not one of them)
ROW_ID_PARAMS = frozenset({"auth_id", "exemption_id", "alert_id", "plan_id", "token_id"})


@bp.before_request
def _csrf_for_cookie_writes():
    """A write signed in by the browser's session cookie carries the page's CSRF token (form
    field or X-CSRFToken header), whatever its content type: a cross-site page can send a
    multipart or text/plain body with the cookie attached (docs/design.md §12.4). Bearer-token calls
    carry no cookie authority and need none."""
    if request.method in SAFE_METHODS or getattr(g, "auth_kind", None) != "session":
        return None
    from flask import current_app

    from web.app import csrf

    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # CSRFError → 400 problem (web.ui.pages.csrf_error)
    return None


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


class BadBody(ValueError):
    """A body that is not a JSON object, or holds text no field may hold (web.input_guard)."""

    def __init__(self, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


def validated_body(spec: RouteSpec, payload: Any) -> BaseModel:
    """The route's body as its schema reads it: the one check the route and the fast path
    (web.api.fastpath) both apply. Raises BadBody, or pydantic's ValidationError."""
    assert spec.body is not None
    if not isinstance(payload, dict):
        raise BadBody("请求体须为 JSON 对象", [{"field": "body", "message": "须为 JSON 对象"}])
    errors = json_problems(payload)
    if errors:
        raise BadBody(f"以下字段有误：{'、'.join(e['field'] for e in errors)}", errors)
    return spec.body.model_validate(payload)


def route(
    method: str,
    path: str,
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    roles: tuple[str, ...] | None = None,
    status: int = 200,
    query: dict[str, str] | None = None,
    response: dict[str, Any] | None = None,
    tag: str = "registry",
) -> Callable:
    """Register an API view. The view gets the validated body (if any) as its `body` argument."""
    spec = RouteSpec(method, path, summary, body, roles, status, query or {}, response, tag)
    ROUTES.append(spec)
    flask_path = path.replace("{", "<").replace("}", ">")

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**kwargs):
            for name, value in kwargs.items():
                if name in ROW_ID_PARAMS and not is_id(value):  # "１２", 2⁶³, "true": no such row
                    return problem(404, "记录不存在", f"编号“{value[:40]}”不存在")
            denied = refusal(spec, getattr(g, "principal", None))
            if denied is not None:
                status, title, detail = denied
                challenge = {"WWW-Authenticate": 'Bearer realm="onehall"'} if status == 401 else None
                return problem(status, title, detail, headers=challenge)
            if spec.body is not None:
                try:
                    kwargs["body"] = validated_body(spec, request.get_json(silent=True))
                except BadBody as exc:
                    return problem(422, "数据校验未通过", exc.detail, errors=exc.errors)
                except ValidationError as exc:
                    return from_validation(exc)
            return view(**kwargs)

        bp.add_url_rule(flask_path, endpoint=f"{view.__name__}_{method.lower()}", view_func=wrapper, methods=[method])
        return wrapper

    return decorate


def tagged(tag: str) -> tuple[Callable[..., Callable], Callable[..., Callable]]:
    """`route` and `filing` for a module whose routes all carry `tag` (their group in the OpenAPI document)."""
    return functools.partial(route, tag=tag), functools.partial(filing, tag=tag)


def filing(
    path: str, summary: str, *, body: type[BaseModel] | None = None, roles: tuple[str, ...] | None = None, **more: Any
) -> Callable:
    """Register a view that files something (a POST answered 201 Created with what it filed)."""
    return route("POST", path, summary, body=body, roles=roles, status=201, **more)
