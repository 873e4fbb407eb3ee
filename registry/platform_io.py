"""Import of the integrated platform's application export (xlsx or csv), for a hall where the
platform cannot push (docs/design.md §12.1).

One row per application, Chinese headers (the English field names are accepted too):

==========  ============  ========================================================
header      field         cell
==========  ============  ========================================================
申报号      platform_no   required, unique in the file (一体化平台申报号)
事项编码    item          required; a published item of the implementation list
申请人      applicant     required; kept only as the keyed application key
申报时间    applied_at    required; ``YYYY-MM-DD`` or an ISO date-time (Beijing time)
==========  ============  ========================================================

A file with any problem is refused whole, every problem named by row and header; an
application already reported is a problem too (the export is imported once). Files are read as
the catalog's are (registry.table_import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from registry.catalog_io import parse_datetime
from registry.errors import ErrorList, FieldError, Invalid, RegistryError
from registry.services import platform
from registry.services.context import FilingContext
from registry.table_import import rows_of

HEADERS = {"申报号": "platform_no", "事项编码": "item", "申请人": "applicant", "申报时间": "applied_at"}
HEADER_OF = {v: k for k, v in HEADERS.items()}


def import_applications(ctx: FilingContext, path: str | Path, *, secret: bytes) -> int:
    """Report every application of the export; all or nothing. Returns how many."""
    errors = ErrorList()
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    for row_no, data in rows_of(path, HEADERS, tuple(HEADER_OF), "平台导出文件"):
        for f in ("platform_no", "item", "applicant"):
            if not str(data.get(f) or "").strip():
                errors.add(f"第{row_no}行 {HEADER_OF[f]}", "不能为空")
        try:
            data["applied_at"] = parse_datetime(data.get("applied_at"))
        except ValueError as exc:
            errors.add(f"第{row_no}行 申报时间", str(exc))
        if data.get("platform_no") in seen:
            errors.add(f"第{row_no}行 申报号", f"“{data['platform_no']}”在文件中重复")
        seen.add(data.get("platform_no"))
        parsed.append((row_no, data))
    errors.raise_if_any("平台导出文件有错误，整份未导入")
    with ctx.session.begin_nested():
        for row_no, data in parsed:
            try:
                platform.report_application(
                    ctx, {**data, "platform_no": str(data["platform_no"])}, secret=secret, source="import"
                )
            except RegistryError as exc:
                fields_ = [
                    FieldError(f"第{row_no}行 {HEADER_OF.get(e.field, e.field)}", e.message)
                    for e in getattr(exc, "errors", [])
                ] or [FieldError(f"第{row_no}行", exc.detail)]
                raise Invalid(f"第{row_no}行未能导入：{exc.detail}", fields_) from None
    return len(parsed)
