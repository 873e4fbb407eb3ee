"""A list or report as an xlsx download (openpyxl, already a dependency for the catalog), with
Chinese headers and names, never codes alone. A text a spreadsheet would run as a formula
(=, +, -, @ …) is written with a leading ' (registry.catalog_io.neutralize), as the catalog export does."""
from __future__ import annotations

from io import BytesIO
from typing import Iterable, Sequence
from urllib.parse import quote

from flask import Response

from registry.catalog_io import neutralize


def xlsx_response(filename: str, sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> Response:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    wb = Workbook()
    wb.remove(wb.active)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append(list(headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(["" if v is None else neutralize(v) for v in row])
    out = BytesIO()
    wb.save(out)
    return Response(out.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})
