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
written. Importing the same file again changes nothing. The CLI (`onehall materials import`) and the
government service department's page (web.ui.gs_materials) read and file through the same functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from registry.errors import ErrorList
from registry.services import materials
from registry.services.context import FilingContext
from registry.table_import import check_upload, rows_of

HEADERS = {"目录编码": "code", "材料名称": "name", "类别": "category", "来源": "source"}


def read_dictionary(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(row number, checked entry) of every entry of the file; raises Invalid naming every problem."""
    return check_rows(rows_of(path, HEADERS, ("code", "name"), "材料目录文件"))


def check_rows(rows: Iterable[tuple[int, dict[str, Any]]]) -> list[tuple[int, dict[str, Any]]]:
    """The rows checked one by one (materials.clean_entry) and against each other (a code once);
    raises Invalid naming each problem by row and header."""
    errors = ErrorList()
    entries: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for row_no, data in rows:
        entry = materials.clean_entry(errors, data, f"第{row_no}行 ")
        code = entry["code"]
        if code and code in seen:
            errors.add(f"第{row_no}行 目录编码", f"“{code}”与第{seen[code]}行重复")
        elif code:
            seen[code] = row_no
        entries.append((row_no, entry))
    if not entries and not errors.errors:
        errors.add("文件", "没有材料条目")
    errors.raise_if_any("材料目录文件有错误，整份未导入")
    return entries


def import_dictionary(ctx: FilingContext, path: str | Path) -> tuple[int, int, int]:
    """(rows read, created, changed); all or nothing."""
    ctx.require_role("gov_service")
    return import_rows(ctx, read_dictionary(path))


def import_rows(ctx: FilingContext, rows: Iterable[tuple[int, dict[str, Any]]]) -> tuple[int, int, int]:
    """File the rows of a dictionary file (checked again here: the page carries them from its
    preview to its confirmation); (rows, created, changed); all or nothing."""
    ctx.require_role("gov_service")
    entries = [entry for _, entry in check_rows(rows)]
    created, changed = materials.file_entries(ctx, entries)
    return len(entries), created, changed


def read_upload(data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    """`read_dictionary` of a file uploaded on a page, its size bounded first (table_import.check_upload)."""
    import tempfile

    suffix = check_upload(data, filename)
    with tempfile.TemporaryDirectory(prefix="onehall-upload-") as tmp:
        path = Path(tmp) / f"materials{suffix}"
        path.write_bytes(data)
        return read_dictionary(path)
