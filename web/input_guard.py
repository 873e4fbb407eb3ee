"""Bad input refused at the door, the same way for every route (issue 13 item 6): a clear 4xx in
Chinese, before any view runs, so nothing is half written.

- JSON bodies are parsed by orjson (web.wsgi_layer), which stops at 1,024 levels; bodies are
  further held to MAX_DEPTH levels here.
- Control characters (NUL included) are refused in every text value: JSON strings, query and
  form fields, path segments. Tabs and line breaks are allowed only where text may span lines
  (JSON strings and form fields; single-line fields refuse them by their own type).
- Integers in paths and pages are ASCII digits within the columns' range: "１２" or 2⁶³ reach
  no database. Page routes' <int:…> use BoundedInt; the API's *_id path parameters and
  page/per_page are checked here.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from flask import Flask, render_template, request
from werkzeug.routing import IntegerConverter, ValidationError

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never, anywhere
LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")  # not in a one-line value
MAX_ID = 2**31 - 1  # INTEGER columns, on both databases
MAX_PAGE = 1_000_000
MAX_DEPTH = 32


def is_id(text: str) -> bool:
    """ASCII digits naming a row id (1 … 2³¹−1)."""
    return text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ID


def page_number(text: str | None, default: int, upper: int = MAX_PAGE) -> int | None:
    """A page or page-size argument: ASCII digits, 1 … upper; None when it is anything else."""
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 7) or not 1 <= int(text) <= upper:
        return None
    return int(text)


class BoundedInt(IntegerConverter):
    """<int:…> in page routes: ASCII digits up to 2³¹−1 (werkzeug's \\d matches any script's
    digits and has no upper bound); anything else is a 404, not a database error."""

    regex = r"[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number


def json_problems(value: Any, path: str = "", depth: int = 0) -> list[dict[str, str]]:
    """Field errors for a parsed JSON body: too deep, or text with control characters."""
    if depth == 0 and isinstance(value, dict) and _clean_flat(value):
        return []  # the usual body (a window's question): one look instead of a walk
    if depth > MAX_DEPTH:
        return [{"field": path or "body", "message": f"嵌套超过 {MAX_DEPTH} 层"}]
    if isinstance(value, str):
        if CONTROL.search(value):
            return [{"field": path or "body", "message": "不能包含控制字符"}]
        return []
    errors: list[dict[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if CONTROL.search(key):
                errors.append({"field": path or "body", "message": "字段名不能包含控制字符"})
            errors.extend(json_problems(item, name, depth + 1))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            errors.extend(json_problems(item, f"{path}[{i}]", depth + 1))
    return errors[:20]


def _clean_flat(body: dict) -> bool:
    """A flat object (no nested object or array) whose keys and texts hold no control character."""
    texts = []
    for key, item in body.items():
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, (dict, list)):
            return False
        texts.append(key)
    return not CONTROL.search("".join(texts))


def _bad_fields(pairs: Iterable[tuple[str, str]], pattern: re.Pattern) -> list[str]:
    return [name for name, value in pairs if pattern.search(value) or pattern.search(name)]


def request_problems(view_args: dict[str, Any] | None) -> list[dict[str, str]]:
    """Field errors in the path, the query string and a form body (files are not text)."""
    errors = [
        {"field": name, "message": "不能包含控制字符"}
        for name in _bad_fields(((k, str(v)) for k, v in (view_args or {}).items()), LINE_CONTROL)
    ]
    errors += [
        {"field": name, "message": "不能包含控制字符"}
        for name in _bad_fields(request.args.items(multi=True), LINE_CONTROL)
    ]
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        errors += [
            {"field": name, "message": "不能包含控制字符"}
            for name in _bad_fields(request.form.items(multi=True), CONTROL)
        ]
    return errors


def install(app: Flask) -> None:
    """Bounded <int:…> for every page route, and the request check for every request. Call
    before the blueprints are registered (converters bind when routes are added)."""
    app.url_map.converters["int"] = BoundedInt

    @app.before_request
    def _refuse_control_characters():
        errors = request_problems(request.view_args)
        if not errors:
            return None
        names = "、".join(e["field"] for e in errors)
        if request.path.startswith("/api/"):
            from web.api.problems import problem

            return problem(422, "数据校验未通过", f"以下字段有误：{names}", errors=errors)
        return render_template(
            "error.html", title="输入有误", status=400, message=f"以下字段包含控制字符，请删除后重新提交：{names}"
        ), 400
