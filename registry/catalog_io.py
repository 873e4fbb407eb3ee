"""Import and export of the implementation list (实施清单) as xlsx or csv (docs/design.md §8).

One row per item, one column per field of the §3 item, Chinese headers (the English field
names are accepted as headers too). Header order of an export:

=================  ==================  ==========================================================
header             field               cell syntax
=================  ==================  ==========================================================
编码               code                required, unique in the file
名称               name                required
实施部门           department          required; department code (FGW) or its name (市发改委)
事项类型           item_type           required; code or label (licensing / 行政许可)
依申请             on_application      是/否 (also true/false, 1/0, Y/N); default 是
办件类型           case_type           required; instant/即办件, commitment/承诺件, report_up/上报件
上报件             report_up           是/否; default 否
联办件             joint               是/否; default 是 when 联办事项 is filled
联办事项           partners            partner item codes separated by ``;`` (may be empty)
复杂程度           complexity          simple/简单事项/简单, complex/复杂事项/复杂; default simple
法定时限           statutory_limit     ``数值 单位`` e.g. ``20 工作日``, ``60 自然日``, ``3 个月``,
                                       ``1 小时`` (unit code or label; ``20个工作日`` also
                                       reads); empty = none set; ``即办`` = ``0 工作日``
承诺时限           promised_limit      as 法定时限
2017年承诺时限     promised_limit_2017 as 法定时限; empty for items new since 2017
收费项目           fees                entries ``编码|名称|依据|标准`` separated by ``;``
申请材料           materials           entries ``编码|名称`` separated by ``;``
办理深度           online_depth        on_site/现场办理, pre_review/原件预审,
                                       verify_original/原件核验, full_online/全程网办; default 现场办理
功能板块           function_section    function-section code (or name); empty = none
进驻大厅           entry               hall code (CITY, FT-SW…) or name; empty = not entered
生效日期           effective_from      required; ``YYYY-MM-DD`` (midnight Asia/Shanghai) or an ISO
                                       date-time with offset; an Excel date cell reads as Shanghai time
目录编码           directory_item      directory-list code (must exist); empty = none
=================  ==================  ==========================================================

In list cells a literal ``;``, ``|`` or ``\\`` is written ``\\;``, ``\\|``, ``\\\\``; spaces and
line breaks around entries are ignored (exports put one entry per line). CSV files are UTF-8
with a BOM so Excel opens them (a GB18030 file saved by Excel is read too); xlsx files use the
sheet 实施清单 (or the first sheet). Row numbers in messages are the spreadsheet's (the header
is row 1). Unknown headers are refused, so a misspelt column never drops data silently.
"""
from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

import vocab
from registry.errors import ErrorList, FieldError, Invalid
from registry.models import Department, DirectoryItem, FunctionSection, Hall, ItemVersion
from registry.services import catalog
from registry.services.context import FilingContext
from vocab.clock import SHANGHAI

SHEET = "实施清单"

# (header, field) in export order.
COLUMNS: list[tuple[str, str]] = [
    ("编码", "code"),
    ("名称", "name"),
    ("实施部门", "department"),
    ("事项类型", "item_type"),
    ("依申请", "on_application"),
    ("办件类型", "case_type"),
    ("上报件", "report_up"),
    ("联办件", "joint"),
    ("联办事项", "partners"),
    ("复杂程度", "complexity"),
    ("法定时限", "statutory_limit"),
    ("承诺时限", "promised_limit"),
    ("2017年承诺时限", "promised_limit_2017"),
    ("收费项目", "fees"),
    ("申请材料", "materials"),
    ("办理深度", "online_depth"),
    ("功能板块", "function_section"),
    ("进驻大厅", "entry"),
    ("生效日期", "effective_from"),
    ("目录编码", "directory_item"),
]
HEADER_OF = {f: h for h, f in COLUMNS}
FIELD_OF = dict(COLUMNS) | {f: f for _, f in COLUMNS}
REQUIRED = ("code", "name", "department", "item_type", "case_type", "effective_from")

_TRUE = {"是", "true", "1", "y", "yes", "√", "✓"}
_FALSE = {"否", "false", "0", "n", "no", "×", ""}
_SHORT_LABELS = {"complexity": {"简单": "simple", "复杂": "complex"}}
_LIMIT_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(.*?)\s*$")


@dataclass
class ImportResult:
    rows: int = 0
    filed: int = 0
    published: int = 0
    new_items: int = 0
    new_versions: int = 0
    codes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Items filed (new items and new versions)."""
        return self.filed

    def __str__(self) -> str:
        return (f"{self.filed}（新事项 {self.new_items}，新版本 {self.new_versions}；"
                f"已发布 {self.published}，待审核 {self.filed - self.published}）")

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "filed": self.filed, "published": self.published,
                "new_items": self.new_items, "new_versions": self.new_versions}


# ---------------------------------------------------------------------------------------
# Cell syntax
# ---------------------------------------------------------------------------------------


def split_list(cell: str, sep: str = ";") -> list[str]:
    """Split on unescaped `sep` (escapes are kept for `_unescape`); strip entries; drop empties."""
    return [p.strip() for p in _split_keep(cell, sep) if p.strip()]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _escape(text: Any) -> str:
    return (str(text or "").replace("\\", "\\\\").replace(";", "\\;").replace("|", "\\|")
            .replace("\r", " ").replace("\n", " "))


def format_limit(limit: dict[str, Any] | None) -> str:
    if not limit:
        return ""
    value = limit["value"]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value} {vocab.LIMIT_UNITS.get(limit['unit'], limit['unit'])}"


def parse_limit(cell: str) -> dict[str, Any] | None:
    """``"20 工作日"`` → ``{"value": 20, "unit": "working_day"}``; empty → None; ValueError otherwise."""
    text = cell.strip()
    if not text:
        return None
    if text in ("即办", "当场办结", "即时办结"):
        return {"value": 0, "unit": "working_day"}
    m = _LIMIT_RE.match(text)
    if not m:
        raise ValueError(f"“{cell}”不是数字加单位（例如“20 工作日”）")
    number, unit_text = m.group(1), m.group(2)
    value: int | float = float(number)
    if value < 0:
        raise ValueError(f"“{cell}”为负数")
    if value.is_integer():
        value = int(value)
    if not unit_text:
        raise ValueError(f"“{cell}”缺少单位（工作日、自然日、个月或小时）")
    unit = _unit(unit_text)
    if unit is None:
        raise ValueError(f"“{cell}”的单位“{unit_text}”不认识，应为工作日、自然日、个月或小时")
    return {"value": value, "unit": unit}


def _unit(text: str) -> str | None:
    aliases = {"月": "month", "日历日": "calendar_day", "天（自然日）": "calendar_day", "时": "hour"}
    for candidate in (text, text.lower(), text.removeprefix("个")):
        if candidate in vocab.LIMIT_UNITS:
            return candidate
        for code, label in vocab.LIMIT_UNITS.items():
            if label == candidate:
                return code
        if candidate in aliases:
            return aliases[candidate]
    return None


def format_fees(fees: Iterable[dict[str, Any]]) -> str:
    return ";\n".join("|".join(_escape(f.get(k)) for k in ("code", "name", "basis", "standard")) for f in fees)


def format_materials(materials: Iterable[dict[str, Any]]) -> str:
    return ";\n".join(f"{_escape(m.get('code'))}|{_escape(m.get('name'))}" for m in materials)


def _parse_entries(cell: str, keys: tuple[str, ...], minimum: int) -> tuple[list[dict[str, str]], list[str]]:
    out, problems = [], []
    for n, entry in enumerate(split_list(cell), start=1):
        raw = _split_keep(entry, "|")  # keeps empty positions (an empty 依据 stays in its place)
        parts = [_unescape(p).strip() for p in raw]
        if len(parts) < minimum or len(parts) > len(keys) or not all(parts[:minimum]):
            problems.append(f"第{n}项“{_unescape(entry)}”应为“{'|'.join(_KEY_LABELS[k] for k in keys)}”")
            continue
        row = {k: (parts[i] if i < len(parts) else "") for i, k in enumerate(keys)}
        out.append(row)
    return out, problems


_KEY_LABELS = {"code": "编码", "name": "名称", "basis": "依据", "standard": "标准"}


def _split_keep(cell: str, sep: str) -> list[str]:
    """Split on unescaped `sep`, keeping escapes and empty positions."""
    parts, buf, i = [], [], 0
    while i < len(cell):
        ch = cell[i]
        if ch == "\\" and i + 1 < len(cell):
            buf.append(cell[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def _bool(cell: str, default: bool) -> bool:
    text = cell.strip().lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"“{cell}”应为“是”或“否”")


def _enum(cell: str, vocabulary: dict[str, str], field_name: str) -> str:
    text = cell.strip()
    short = _SHORT_LABELS.get(field_name, {})
    if text in short:
        return short[text]
    return vocab.to_code(vocabulary, text)


def parse_datetime(value: Any) -> datetime:
    """A 生效日期 cell: date → midnight Asia/Shanghai; naive datetime → Shanghai; aware kept."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time(0, 0))
    else:
        text = str(value).strip()
        if not text:
            raise ValueError("缺少日期")
        try:
            if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
                y, m, d = (int(x) for x in text.split("-"))
                dt = datetime(y, m, d)
            else:
                dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"“{text}”不是有效日期，应为 YYYY-MM-DD") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return dt.astimezone(timezone.utc)


def format_datetime(value: datetime) -> str:
    local = value.astimezone(SHANGHAI)
    if local.time() == time(0, 0):
        return local.date().isoformat()
    return local.isoformat()


# ---------------------------------------------------------------------------------------
# Reading and writing files
# ---------------------------------------------------------------------------------------


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value
    return _restore(str(value))


def read_table(path: str | Path) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of every row of the first sheet / csv, header included."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one problem
            raise Invalid("无法读取 xlsx 文件", [FieldError("文件", f"无法读取：{exc}")]) from None
        try:
            ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
            rows = [(i, [_cell_text(v) for v in row])
                    for i, row in enumerate(ws.iter_rows(values_only=True), start=1)]
        finally:
            wb.close()
        return rows
    if suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes almost anything
            raise Invalid("无法识别 csv 文件编码", [FieldError("文件", "请另存为 UTF-8 编码")])
        reader = csv.reader(text.splitlines(keepends=True))
        return [(i, [_restore(c) for c in row]) for i, row in enumerate(reader, start=1)]
    raise Invalid("不支持的文件类型", [FieldError("文件", f"应为 .xlsx 或 .csv，而不是“{suffix or path.name}”")])


def _row_values(item: ItemVersion) -> list[str]:
    values = {
        "code": item.code,
        "name": item.name,
        "department": item.department,
        "item_type": vocab.ITEM_TYPES.get(item.item_type, item.item_type),
        "on_application": "是" if item.on_application else "否",
        "case_type": vocab.CASE_TYPES.get(item.case_type, item.case_type),
        "report_up": "是" if item.report_up else "否",
        "joint": "是" if item.joint else "否",
        "partners": ";".join(_escape(p) for p in item.partners or []),
        "complexity": vocab.COMPLEXITY.get(item.complexity, item.complexity),
        "statutory_limit": format_limit(item.statutory_limit),
        "promised_limit": format_limit(item.promised_limit),
        "promised_limit_2017": format_limit(item.promised_limit_2017),
        "fees": format_fees(item.fees or []),
        "materials": format_materials(item.materials or []),
        "online_depth": vocab.ONLINE_DEPTHS.get(item.online_depth, item.online_depth),
        "function_section": item.function_section or "",
        "entry": (item.entry or {}).get("hall", "") if item.entry else "",
        "effective_from": format_datetime(item.effective_from),
        "directory_item": item.directory_item or "",
    }
    return [values[f] for _, f in COLUMNS]


_CODE = re.compile(vocab.CODE_PATTERN)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A text cell starting with one of these is a formula to Excel, LibreOffice and WPS (CSV
# injection): exported with a leading apostrophe, which the import takes off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralize(value: Any) -> Any:
    """A text cell as exported: a leading ' before what a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _restore(value: Any) -> Any:
    """The text an exported cell held (neutralize undone): one leading ' before a formula start."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def _check_codes(item: dict[str, Any], where, errors: ErrorList) -> None:
    """Codes as the API accepts them (vocab.CODE_PATTERN); no control characters in any text."""
    def bad(code: Any) -> bool:
        return not isinstance(code, str) or len(code) > vocab.CODE_MAX or not _CODE.match(code)

    if item.get("code") and bad(item["code"]):
        errors.add(where("code"), f"编码“{item['code']}”只能由字母、数字、点、下划线和连字符组成（至多{vocab.CODE_MAX}个字符）")
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


def export_catalog(session: Session, path: str | Path) -> int:
    """Write the published implementation list to `path` (.xlsx or .csv); returns the row count."""
    path = Path(path)
    items = catalog.published_items(session)
    rows = [[neutralize(v) for v in _row_values(item)] for item in items]
    headers = [h for h, _ in COLUMNS]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            writer.writerows(rows)
    elif suffix == ".xlsx":
        _write_xlsx(path, headers, rows)
    else:
        raise Invalid("不支持的文件类型", [FieldError("文件", f"应为 .xlsx 或 .csv，而不是“{suffix or path.name}”")])
    return len(rows)


def _write_xlsx(path: Path, headers: list[str], rows: list[list[str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "C2"
    widths = {"名称": 36, "收费项目": 48, "申请材料": 48, "生效日期": 12}
    for i, header in enumerate(headers, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = widths.get(header, max(10, len(header) * 2 + 2))
    wrap = Alignment(wrap_text=True, vertical="top")
    for col in ("收费项目", "申请材料"):
        idx = headers.index(col) + 1
        for r in range(2, len(rows) + 2):
            ws.cell(row=r, column=idx).alignment = wrap
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "字段", "写法"])
    for line in _NOTES:
        notes.append(list(line))
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 20
    notes.column_dimensions["C"].width = 90
    wb.save(path)


_NOTES = [
    ("编码", "code", "必填，文件内不得重复"),
    ("名称", "name", "必填"),
    ("实施部门", "department", "必填：部门编码（如 FGW）或名称（如 市发改委）"),
    ("事项类型", "item_type", "必填：" + "、".join(vocab.ITEM_TYPES.values())),
    ("依申请", "on_application", "是/否，默认是"),
    ("办件类型", "case_type", "必填：即办件/承诺件"),
    ("上报件", "report_up", "是/否，默认否"),
    ("联办件", "joint", "是/否；填了联办事项时默认是"),
    ("联办事项", "partners", "联办事项编码，多个用 ; 分隔"),
    ("复杂程度", "complexity", "简单事项/复杂事项，默认简单事项"),
    ("法定时限", "statutory_limit", "数值+单位，如 20 工作日、60 自然日、3 个月、1 小时；空=未设定"),
    ("承诺时限", "promised_limit", "同法定时限；即办 = 0 工作日"),
    ("2017年承诺时限", "promised_limit_2017", "同法定时限；2017年后新增事项留空"),
    ("收费项目", "fees", "每项 编码|名称|依据|标准，多项用 ; 分隔"),
    ("申请材料", "materials", "每项 编码|名称，多项用 ; 分隔"),
    ("办理深度", "online_depth", "、".join(vocab.ONLINE_DEPTHS.values()) + "，默认现场办理"),
    ("功能板块", "function_section", "功能板块编码，可空"),
    ("进驻大厅", "entry", "大厅编码（CITY 或分厅编码）或名称；空=未进驻"),
    ("生效日期", "effective_from", "必填：YYYY-MM-DD（北京时间零点）"),
    ("目录编码", "directory_item", "目录清单编码，可空"),
    ("转义", "", "单元格内的 ; | \\ 写作 \\; \\| \\\\"),
]


# ---------------------------------------------------------------------------------------
# Parsing and validating
# ---------------------------------------------------------------------------------------


@dataclass
class _Lookups:
    departments: dict[str, str]   # code or name -> code
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
        if not any(str(v).strip() for v in values.values() if not isinstance(v, (date, datetime))) \
                and not any(isinstance(v, (date, datetime)) for v in values.values()):
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


def _parse_row(ctx: FilingContext, row_no: int, values: dict[str, Any], look: _Lookups,
               errors: ErrorList) -> dict[str, Any] | None:
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

    for fld, vocabulary in (("item_type", vocab.ITEM_TYPES), ("case_type", vocab.CASE_TYPES),
                            ("complexity", vocab.COMPLEXITY), ("online_depth", vocab.ONLINE_DEPTHS)):
        raw = text(fld)
        if not raw:
            continue
        try:
            item[fld] = _enum(raw, vocabulary, fld)
        except ValueError as exc:
            label = {"item_type": "事项类型", "case_type": "办件类型", "complexity": "复杂程度",
                     "online_depth": "办理深度"}[fld]
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
    materials, problems = _parse_entries(text("materials"), ("code", "name"), 2)
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
        for e in service_errors.errors:
            head = e.field.split(".")[0].split("[")[0]
            errors.add(f"第{row_no}行 {HEADER_OF.get(head, e.field)}", e.message)
    return item


# ---------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------


def import_catalog(ctx: FilingContext, path: str | Path, progress: bool = True) -> ImportResult:
    """Validate every row of `path`, then file each item through :func:`catalog.file_item`.

    A file with any problem is refused whole (:class:`Invalid`, one :class:`FieldError` per
    problem, fields like ``第5行 承诺时限``) and nothing is written. Items filed by a department
    wait for the reform office's review; gov_service and the reform office publish directly.
    Filing runs in the caller's transaction, inside a savepoint, so a failure part-way
    leaves nothing behind either.
    """
    parsed = parse_catalog(ctx, path)
    result = ImportResult(rows=len(parsed))
    existing = set(ctx.session.scalars(
        select(ItemVersion.code).where(ItemVersion.code.in_([i["code"] for _, i in parsed]))))
    from tqdm import tqdm

    bar = tqdm(total=len(parsed), desc="导入事项", unit="项", file=sys.stderr, disable=not progress)
    try:
        with ctx.session.begin_nested():
            for row_no, item in parsed:
                try:
                    row = catalog.file_item(ctx, item)
                except Invalid as exc:
                    raise Invalid(f"第{row_no}行未能登记：{exc.detail}",
                                  [FieldError(f"第{row_no}行 {HEADER_OF.get(e.field.split('.')[0], e.field)}",
                                              e.message) for e in exc.errors]
                                  or [FieldError(f"第{row_no}行", exc.detail)]) from None
                result.filed += 1
                result.published += row.status == "published"
                if row.code in existing:
                    result.new_versions += 1
                else:
                    result.new_items += 1
                result.codes.append(row.code)
                bar.update(1)
    finally:
        bar.close()
    return result
