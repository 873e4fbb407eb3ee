"""application/problem+json answers (RFC 9457) for every error the API gives."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app
from pydantic import ValidationError

from registry.inputs.errors import field_errors
from web.refusals import REFUSALS, refusal_of

PROBLEM = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str = "",
    *,
    errors: list[dict[str, str]] | None = None,
    reasons: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    if reasons is not None:
        body["reasons"] = reasons
    resp = Response(current_app.json.encode(body), status=status, mimetype=PROBLEM)  # as every answer
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def invalid(field: str, message: str, detail: str | None = None) -> Response:
    """422 数据校验未通过 for one field: `message` says what is wrong with it, `detail` (by default
    the same) the answer as a whole."""
    return problem(
        422, "数据校验未通过", message if detail is None else detail, errors=[{"field": field, "message": message}]
    )


def from_validation(exc: ValidationError) -> Response:
    errors = field_errors(exc)
    names = "、".join(e["field"] for e in errors)
    return problem(422, "数据校验未通过", f"以下字段有误：{names}", errors=errors)


def from_refusal(exc: Exception) -> Response:
    """A registry, rules or door refusal (web.refusals) as a problem."""
    said = refusal_of(exc)
    return problem(said.status, said.title, said.detail, errors=said.errors, reasons=said.reasons)


def install(bp: Blueprint) -> None:
    """The one mapping of the registry's, the rules' and the refused acts' errors to problems,
    for every view of the API (a view lets them rise; its transaction has rolled back)."""
    for kind in REFUSALS:
        bp.register_error_handler(kind, from_refusal)
