"""Reading and writing the implementation list's files: xlsx or csv in, the published list out
(docs/design.md §8; the cell syntax is registry.catalog_io.cells)."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import vocab
from registry.catalog_io.cells import (
    COLUMNS,
    SHEET,
    _escape,
    _restore,
    format_datetime,
    format_fees,
    format_limit,
    format_materials,
    neutralize,
)
from registry.errors import FieldError, Invalid
from registry.models import ItemVersion
from registry.services import catalog


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
            rows = [(i, [_cell_text(v) for v in row]) for i, row in enumerate(ws.iter_rows(values_only=True), start=1)]
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
