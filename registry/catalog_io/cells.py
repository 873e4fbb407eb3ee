"""The cells of the implementation list (实施清单): its columns, and the syntax of limits, lists,
flags, labels and dates in a cell, read and written (the table in registry.catalog_io)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Any, Iterable

import vocab
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


def split_list(cell: str, sep: str = ";") -> list[str]:
    """Split on unescaped `sep` (escapes are kept for `_unescape`); strip entries; drop empties."""
    return [p.strip() for p in _split_keep(cell, sep) if p.strip()]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _escape(text: Any) -> str:
    return (
        str(text or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


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
    return ";\n".join(
        f"{_escape(m.get('code'))}|{_escape(m.get('name'))}" + (f"|{_escape(m['entry'])}" if m.get("entry") else "")
        for m in materials
    )


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


_KEY_LABELS = {"code": "编码", "name": "名称", "basis": "依据", "standard": "标准", "entry": "材料目录编码"}


def _split_keep(cell: str, sep: str) -> list[str]:
    """Split on unescaped `sep`, keeping escapes and empty positions."""
    parts, buf, i = [], [], 0
    while i < len(cell):
        ch = cell[i]
        if ch == "\\" and i + 1 < len(cell):
            buf.append(cell[i : i + 2])
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
