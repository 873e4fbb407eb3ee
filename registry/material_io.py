"""Import of the city material dictionary (材料目录) from xlsx or csv (docs/design.md §12.2).

One row per entry, Chinese headers (the English field names are accepted too):

==========  ==========  =====================================================
header      field       cell
==========  ==========  =====================================================
目录编码    code        required, unique in the file, no spaces
材料名称    name        required
类别        category    optional (电子证照、申请表、证明…)
来源        source      optional (e.g. 电子证照目录)
==========  ==========  =====================================================

A file with any problem is refused whole, every problem named by row and header; nothing is
written. Importing the same file again changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from registry.errors import ErrorList
from registry.services import materials
from registry.services.context import FilingContext
from registry.table_import import rows_of

HEADERS = {"目录编码": "code", "材料名称": "name", "类别": "category", "来源": "source"}


def import_dictionary(ctx: FilingContext, path: str | Path) -> tuple[int, int, int]:
    """(rows read, created, changed); all or nothing."""
    ctx.require_role("gov_service")
    errors = ErrorList()
    entries: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row_no, data in rows_of(path, HEADERS, ("code", "name"), "材料目录文件"):
        entry = materials.clean_entry(errors, data, f"第{row_no}行 ")
        code = entry["code"]
        if code and code in seen:
            errors.add(f"第{row_no}行 目录编码", f"“{code}”与第{seen[code]}行重复")
        elif code:
            seen[code] = row_no
        entries.append(entry)
    if not entries and not errors.errors:
        errors.add("文件", "没有材料条目")
    errors.raise_if_any("材料目录文件有错误，整份未导入")
    created, changed = materials.file_entries(ctx, entries)
    return len(entries), created, changed
