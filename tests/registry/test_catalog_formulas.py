"""Spreadsheet exports neutralize formulas (CSV/formula injection: a cell starting with =, +, -,
@ runs in Excel, LibreOffice and WPS), and the import reads them back unchanged; imported codes
follow the pattern the API accepts (issue 13 item 6)."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.catalog_io import export_catalog, import_catalog
from registry.db import transaction
from registry.errors import Invalid
from registry.models import ItemVersion
from registry.services import catalog
from registry.services.context import FilingContext
from tests.factories.catalog import GOOD_ROWS, REFORM, ready, write_csv  # noqa: F401  (fixture)

NAMES = ['=HYPERLINK("http://evil.example","点我")', "+1+2", "-3 工作日", "@SUM(A1:A9)", "'已带撇号"]


def _rows():
    rows = [list(r) for r in GOOD_ROWS]
    for row, name in zip(rows, NAMES):
        row[1] = name
    rows[2][14] = "SYJ-006-01|=cmd"  # a formula inside a cell is no formula: kept as is
    return rows


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_exports_neutralize_formulas_and_the_import_reads_them_back(ready, tmp_path, suffix):
    with transaction(ready) as s:
        import_catalog(FilingContext(s, REFORM), write_csv(tmp_path / "in.csv", _rows()), progress=False)
    with ready() as s:
        stored = {i.code: (i.name, i.materials) for i in catalog.published_items(s)}
    assert sorted(n for n, _ in stored.values() if n in NAMES) == sorted(NAMES)

    out = tmp_path / f"out.{suffix}"
    with ready() as s:
        export_catalog(s, out)
    if suffix == "csv":
        cells = [c for line in out.read_text(encoding="utf-8-sig").splitlines() for c in line.split(",")]
        starts = [c.lstrip('"') for c in cells]
        assert not any(c.startswith(("=", "+", "-", "@")) for c in starts)
        assert any(c.startswith("'=HYPERLINK") for c in starts)
    else:
        ws = load_workbook(out).active  # formulas kept as formulas, if there were any
        values = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert all(c.data_type == "s" for c in values)
        assert not any(c.value.startswith(("=", "+", "-", "@")) for c in values)

    with transaction(ready) as s:
        result = import_catalog(FilingContext(s, REFORM), out, progress=False)
    assert result.new_versions == 5
    with ready() as s:
        again = {i.code: (i.name, i.materials) for i in catalog.published_items(s)}
    assert again == stored


@pytest.mark.parametrize("code", ["GHJ 001", "GHJ/001", "事项001", "X" * 65, "A\x00B"])
def test_imported_codes_follow_the_api_pattern(ready, tmp_path, code):
    rows = [list(r) for r in GOOD_ROWS[2:3]]
    rows[0][0] = code
    with ready() as s:
        before = s.scalar(select(func.count()).select_from(ItemVersion))
    with pytest.raises(Invalid) as exc:
        with transaction(ready) as s:
            import_catalog(FilingContext(s, REFORM), write_csv(tmp_path / "bad.csv", rows), progress=False)
    assert any(e.field == "第2行 编码" for e in exc.value.errors), exc.value.errors
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(ItemVersion)) == before
