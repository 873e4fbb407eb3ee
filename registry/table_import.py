"""Reading a file a person imports (xlsx or csv) against a table of Chinese headers: the header
checked, then each non-empty row as a dict of fields. Problems are named by row and header, in
Chinese; the callers refuse the whole file on any problem (nothing written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from registry.catalog_io import read_table
from registry.errors import ErrorList, FieldError, Invalid


def rows_of(
    path: str | Path, headers: dict[str, str], required: tuple[str, ...], what: str
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, {field: stripped cell}) of every non-empty data row. `headers` maps Chinese
    headers to fields (the English field names are accepted too); `required` fields must have a
    column. Raises Invalid naming every header problem."""
    rows = read_table(path)
    if not rows:
        raise Invalid("文件是空的", [FieldError("文件", "没有表头")])
    header_of = {v: k for k, v in headers.items()}
    header = [str(h).strip() for h in rows[0][1]]
    fields = [headers.get(h, h if h in header_of else None) for h in header]
    errors = ErrorList()
    for h, f in zip(header, fields):
        if f is None and h:
            errors.add("表头", f"未知列“{h}”，可用：{'、'.join(headers)}")
    missing = [header_of[f] for f in required if f not in fields]
    if missing:
        errors.add("表头", f"缺少列：{'、'.join(missing)}")
    errors.raise_if_any(f"{what}的表头不正确")
    for row_no, cells in rows[1:]:
        values = {f: (cells[i] if i < len(cells) else "") for i, f in enumerate(fields) if f}
        if all(str(v).strip() == "" for v in values.values()):
            continue
        yield row_no, {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}


MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a table uploaded on a page, as sent
MAX_XLSX_BYTES = 32 * 1024 * 1024  # a workbook's members once unpacked (a small zip may unpack to gigabytes)


def check_upload(data: bytes, filename: str) -> str:
    """The suffix (.xlsx or .csv) of a table uploaded on a page, once its size is within bounds:
    the upload itself, and for a workbook what it unpacks to, read from the zip's directory before
    anything is unpacked. Raises Invalid in Chinese."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise Invalid(
            "不支持的文件类型", [FieldError("文件", f"应为 .xlsx 或 .csv，而不是“{filename or '（无文件名）'}”")]
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid("文件过大", [FieldError("文件", f"上传的文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MiB")])
    if suffix == ".xlsx":
        import io
        import zipfile

        try:
            unpacked = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist())
        except (zipfile.BadZipFile, ValueError):
            raise Invalid("无法读取 xlsx 文件", [FieldError("文件", "不是有效的 xlsx 文件")]) from None
        if unpacked > MAX_XLSX_BYTES:
            raise Invalid("文件过大", [FieldError("文件", f"工作簿解压后超过 {MAX_XLSX_BYTES // 1024 // 1024} MiB")])
    return suffix
