"""application/problem+json answers (RFC 9457) for every error the API gives."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app
from pydantic import ValidationError

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
    errors = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"] if not str(p).startswith(("function-", "tagged-union"))]
        # pydantic names union branches in the location; keep the path a client sent.
        loc = [
            p
            for p in loc
            if p not in ("PersonGrantee", "GovServiceGrantee", "list[constrained-str]", "literal['*']", "str")
        ]
        field = ".".join(loc) or "body"
        field = field.replace("from_", "from")
        errors.append({"field": field, "message": message_of(err)})
    seen, unique = set(), []
    for e in errors:
        key = (e["field"], e["message"])
        if key not in seen:
            seen.add(key)
            unique.append(e)
    names = "、".join(e["field"] for e in unique)
    return problem(422, "数据校验未通过", f"以下字段有误：{names}", errors=unique)


# pydantic's error types, said in Chinese as the rest of the API's messages (a window clerk
# may read them); a type not listed keeps pydantic's English text.
MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不接受的字段",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "int_parsing_size": "数值超出范围",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "finite_number": "须为有限的数字",
    "decimal_type": "须为数字",
    "decimal_parsing": "须为数字",
    "bool_type": "须为 true 或 false",
    "bool_parsing": "须为 true 或 false",
    "string_type": "须为字符串",
    "string_unicode": "须为 UTF-8 字符串",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符",
    "list_type": "须为数组",
    "tuple_type": "须为数组",
    "set_type": "须为数组",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "dict_type": "须为 JSON 对象",
    "model_type": "须为 JSON 对象",
    "model_attributes_type": "须为 JSON 对象",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须不小于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须不大于 {le}",
    "literal_error": "须为以下之一：{expected}",
    "enum": "须为以下之一：{expected}",
    "datetime_type": "须为 ISO-8601 时间",
    "datetime_parsing": "须为 ISO-8601 时间",
    "datetime_from_date_parsing": "须为 ISO-8601 时间",
    "timezone_aware": "须带时区",
    "date_type": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "union_tag_invalid": "类型不符",
    "union_tag_not_found": "类型不符",
    "json_invalid": "不是合法的 JSON",
    "json_type": "不是合法的 JSON",
    "url_parsing": "须为网址",
    "url_scheme": "网址协议不符",
}


def message_of(err: dict[str, Any]) -> str:
    """One pydantic error, said in Chinese (our own validators already are: "Value error, …")."""
    message = err["msg"]
    if message.startswith("Value error, "):
        return message[len("Value error, ") :]
    template = MESSAGES.get(err["type"])
    if template is None:
        return message
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("：")


def from_refusal(exc: Exception) -> Response:
    """A registry, rules or door refusal (web.refusals) as a problem."""
    said = refusal_of(exc)
    return problem(said.status, said.title, said.detail, errors=said.errors, reasons=said.reasons)


def install(bp: Blueprint) -> None:
    """The one mapping of the registry's, the rules' and the refused acts' errors to problems,
    for every view of the API (a view lets them rise; its transaction has rolled back)."""
    for kind in REFUSALS:
        bp.register_error_handler(kind, from_refusal)
