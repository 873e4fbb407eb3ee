"""Parsing and validating the rows of an implementation list against the registry: every
problem named at once, by row and column (docs/design.md §8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

import vocab
from registry.catalog_io.cells import (
    _CODE,
    _CONTROL,
    FIELD_OF,
    HEADER_OF,
    REQUIRED,
    _bool,
    _enum,
    _parse_entries,
    _unescape,
    parse_datetime,
    parse_limit,
    split_list,
)
from registry.catalog_io.files import read_table
from registry.errors import ErrorList, FieldError, Invalid
from registry.inputs.errors import field_errors
from registry.inputs.filings import ItemIn
from registry.models import Department, DirectoryItem, FunctionSection, Hall, ItemVersion
from registry.services import catalog
from registry.services.context import FilingContext


def _check_codes(item: dict[str, Any], where, errors: ErrorList) -> None:
    """Codes as the API accepts them (vocab.CODE_PATTERN); no control characters in any text."""

    def bad(code: Any) -> bool:
        return not isinstance(code, str) or len(code) > vocab.CODE_MAX or not _CODE.match(code)

    if item.get("code") and bad(item["code"]):
        errors.add(
            where("code"), f"编码“{item['code']}”只能由字母、数字、点、下划线和连字符组成（至多{vocab.CODE_MAX}个字符）"
        )
    for p in item.get("partners") or []:
        if bad(p):
            errors.add(where("partners"), f"联办事项编码“{p}”格式不符")
    for fld in ("fees", "materials"):
        for r in item.get(fld) or []:
            if bad(r.get("code")):
                errors.add(where(fld), f"编码“{r.get('code')}”格式不符")
    for fld in ("name", "code"):
        if isinstance(item.get(fld), str) and _CONTROL.search(item[fld]):
            errors.add(where(fld), "不能包含控制字符")
    for fld in ("fees", "materials"):
        for r in item.get(fld) or []:
            if any(isinstance(v, str) and _CONTROL.search(v) for v in r.values()):
                errors.add(where(fld), "不能包含控制字符")


@dataclass
class _Lookups:
    departments: dict[str, str]  # code or name -> code
    halls: dict[str, str]
    sections: dict[str, str]
    directory: set[str]
    item_departments: dict[str, str]


def _lookups(session: Session) -> _Lookups:
    departments: dict[str, str] = {}
    for code, name in session.execute(select(Department.code, Department.name)):
        departments[code] = code
        departments.setdefault(name, code)
    halls: dict[str, str] = {}
    for code, name in session.execute(select(Hall.code, Hall.name)):
        halls[code] = code
        halls.setdefault(name, code)
    sections: dict[str, str] = {}
    for code, name in session.execute(select(FunctionSection.code, FunctionSection.name)):
        sections[code] = code
        sections.setdefault(name, code)
    directory = set(session.scalars(select(DirectoryItem.code)))
    item_departments = dict(session.execute(select(ItemVersion.code, ItemVersion.department).distinct()).all())
    return _Lookups(departments, halls, sections, directory, item_departments)


def parse_catalog(ctx: FilingContext, path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Read and validate every row; return (row number, item dict) or raise Invalid listing all problems."""
    table = read_table(path)
    errors = ErrorList()
    while table and not any(str(c).strip() for c in table[0][1]):
        table.pop(0)
    if not table:
        raise Invalid("文件为空", [FieldError("文件", "没有表头和数据行")])
    header_row, header = table[0]
    columns: list[str | None] = []
    seen_fields: set[str] = set()
    for i, raw in enumerate(header):
        text = str(raw).strip()
        if not text:
            columns.append(None)
            continue
        fld = FIELD_OF.get(text)
        if fld is None:
            errors.add(f"第{header_row}行 第{i + 1}列", f"未知列“{text}”")
        elif fld in seen_fields:
            errors.add(f"第{header_row}行 {text}", "列重复")
            fld = None
        else:
            seen_fields.add(fld)
        columns.append(fld)
    for fld in REQUIRED:
        if fld not in seen_fields:
            errors.add(HEADER_OF[fld], "缺少必填列")
    errors.raise_if_any("文件表头有误，未导入任何事项")

    look = _lookups(ctx.session)
    parsed: list[tuple[int, dict[str, Any]]] = []
    first_row: dict[str, int] = {}
    for row_no, cells in table[1:]:
        values = {fld: cells[i] if i < len(cells) else "" for i, fld in enumerate(columns) if fld}
        if not any(str(v).strip() for v in values.values() if not isinstance(v, (date, datetime))) and not any(
            isinstance(v, (date, datetime)) for v in values.values()
        ):
            continue  # a blank row
        item = _parse_row(ctx, row_no, values, look, errors)
        if item is None:
            continue
        code = item.get("code")
        if code:
            if code in first_row:
                errors.add(f"第{row_no}行 编码", f"编码“{code}”与第{first_row[code]}行重复")
            else:
                first_row[code] = row_no
        parsed.append((row_no, item))
    if not parsed and not errors.errors:
        errors.add("文件", "没有任何数据行")
    # Partners name items of the file or of the registry.
    known = set(first_row) | set(look.item_departments)
    for row_no, item in parsed:
        for p in item.get("partners") or []:
            if p not in known:
                errors.add(f"第{row_no}行 联办事项", f"联办事项“{p}”既不在本文件中，也不在登记簿中")
    errors.raise_if_any(f"导入文件有 {len(errors.errors)} 处错误，未导入任何事项")
    return parsed


def _parse_row(
    ctx: FilingContext, row_no: int, values: dict[str, Any], look: _Lookups, errors: ErrorList
) -> dict[str, Any] | None:
    def where(fld: str) -> str:
        return f"第{row_no}行 {HEADER_OF[fld]}"

    def text(fld: str) -> str:
        v = values.get(fld, "")
        if isinstance(v, (date, datetime)):
            return v.isoformat()
        return str(v if v is not None else "").strip()

    before = len(errors.errors)
    item: dict[str, Any] = {}
    for fld in REQUIRED:
        if fld in values and not text(fld):
            errors.add(where(fld), "必填，不能为空")
    item["code"] = text("code") or None
    item["name"] = text("name") or None

    dept_text = text("department")
    if dept_text:
        code = look.departments.get(dept_text)
        if code is None:
            errors.add(where("department"), f"未知部门“{dept_text}”")
        else:
            item["department"] = code
            if ctx.actor.role == "department" and ctx.actor.department != code:
                errors.add(where("department"), f"只能导入本部门（{ctx.actor.department}）的事项")
            owner = look.item_departments.get(item["code"])
            if owner and owner != code:
                errors.add(where("code"), f"事项编码“{item['code']}”已属于{owner}")

    for fld, vocabulary in (
        ("item_type", vocab.ITEM_TYPES),
        ("case_type", vocab.CASE_TYPES),
        ("complexity", vocab.COMPLEXITY),
        ("online_depth", vocab.ONLINE_DEPTHS),
    ):
        raw = text(fld)
        if not raw:
            continue
        try:
            item[fld] = _enum(raw, vocabulary, fld)
        except ValueError as exc:
            label = {
                "item_type": "事项类型",
                "case_type": "办件类型",
                "complexity": "复杂程度",
                "online_depth": "办理深度",
            }[fld]
            errors.add(where(fld), f"未知{label}：{exc}")

    for fld, default in (("on_application", True), ("report_up", False)):
        try:
            item[fld] = _bool(text(fld), default)
        except ValueError as exc:
            errors.add(where(fld), str(exc))

    partners = [_unescape(p) for p in split_list(text("partners"))]
    item["partners"] = partners
    try:
        item["joint"] = _bool(text("joint"), bool(partners))
    except ValueError as exc:
        errors.add(where("joint"), str(exc))
    if partners and item.get("joint") is False:
        errors.add(where("joint"), "填写了联办事项，联办件应为“是”")
    if item.get("code") in partners:
        errors.add(where("partners"), "联办事项不能是本事项自身")

    for fld in ("statutory_limit", "promised_limit", "promised_limit_2017"):
        try:
            item[fld] = parse_limit(text(fld))
        except ValueError as exc:
            errors.add(where(fld), str(exc))

    fees, problems = _parse_entries(text("fees"), ("code", "name", "basis", "standard"), 2)
    for p in problems:
        errors.add(where("fees"), p)
    # 编码|名称|材料目录编码: the third part (optional) names the city material dictionary's entry
    materials, problems = _parse_entries(text("materials"), ("code", "name", "entry"), 2)
    materials = [{k: v for k, v in m.items() if v or k != "entry"} for m in materials]
    for p in problems:
        errors.add(where("materials"), p)
    for fld, rows in (("fees", fees), ("materials", materials)):
        seen: set[str] = set()
        for r in rows:
            if r["code"] in seen:
                errors.add(where(fld), f"编码“{r['code']}”在本事项中重复")
            seen.add(r["code"])
    item["fees"], item["materials"] = fees, materials

    fs = text("function_section")
    if fs:
        if fs in look.sections:
            item["function_section"] = look.sections[fs]
        else:
            errors.add(where("function_section"), f"未知功能板块“{fs}”")
    else:
        item["function_section"] = None

    hall = text("entry")
    if hall:
        if hall in look.halls:
            item["entry"] = {"hall": look.halls[hall]}
        else:
            errors.add(where("entry"), f"未知大厅“{hall}”")
    else:
        item["entry"] = None

    raw_date = values.get("effective_from", "")
    if raw_date not in ("", None):
        try:
            item["effective_from"] = parse_datetime(raw_date)
        except ValueError as exc:
            errors.add(where("effective_from"), str(exc))

    directory = text("directory_item")
    if directory:
        if directory in look.directory:
            item["directory_item"] = directory
        else:
            errors.add(where("directory_item"), f"目录清单中没有编码“{directory}”")
    else:
        item["directory_item"] = None

    _check_codes(item, where, errors)

    if len(errors.errors) == before:
        # The service's own checks, so the import never accepts what file_item would refuse.
        service_errors = ErrorList()
        catalog.validate_item(ctx, item, service_errors)
        try:  # and the filing's own model (registry.inputs), as the API and the pages read it
            ItemIn.model_validate(item)
        except ValidationError as exc:
            for e in field_errors(exc):
                service_errors.add(e["field"], e["message"])
        for e in service_errors.errors:
            head = e.field.split(".")[0].split("[")[0]
            errors.add(f"第{row_no}行 {HEADER_OF.get(head, e.field)}", e.message)
    return item
