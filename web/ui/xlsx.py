"""A list or report as an xlsx download (openpyxl, already a dependency for the catalog), with
Chinese headers and names, never codes alone. A text a spreadsheet would run as a formula
(=, +, -, @ …) is written with a leading ' (registry.catalog_io.neutralize), as the catalog export does.

The workbook is written in openpyxl's write-only mode: rows stream to the file as they come, with
no cell objects kept (a 10,000-row log export in a fraction of the time and memory)."""

from __future__ import annotations

from io import BytesIO
from typing import Iterable, Sequence
from urllib.parse import quote

from flask import Response

from registry.catalog_io import neutralize


def _cell(v):
    if v is None:
        return ""
    return neutralize(v) if isinstance(v, str) else v


def xlsx_response(filename: str, sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> Response:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title[:31])
        head = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=_cell(h))
            cell.font = bold
            head.append(cell)
        ws.append(head)
        for row in rows:
            ws.append([_cell(v) for v in row])
    out = BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
