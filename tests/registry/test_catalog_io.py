"""Catalog import/export: validate everything first, refuse a bad file whole, round-trip."""

from __future__ import annotations

import csv
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from registry.catalog_io import cells as catalog_io
from registry.catalog_io import export_catalog, import_catalog, parse_limit, read_table
from registry.db import transaction
from registry.errors import Invalid
from registry.models import Base, ItemVersion
from registry.services import catalog
from registry.services.context import Actor, FilingContext
from registry.services.catalog import ITEM_FIELDS
from tests.factories.catalog import GOOD_ROWS, HEADERS, REFORM, ready, write_csv  # noqa: F401  (helpers and fixtures)


def _counts(session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def _item_dict(row: ItemVersion) -> dict:
    return {k: getattr(row, k) for k in ITEM_FIELDS}


def test_import_good_file_parses_every_cell_syntax(ready, tmp_path):
    path = write_csv(tmp_path / "catalog.csv", GOOD_ROWS)
    with transaction(ready) as s:
        result = import_catalog(FilingContext(s, REFORM), path, progress=False)
    assert result.as_dict() == {"rows": 5, "filed": 5, "published": 5, "new_items": 5, "new_versions": 0}
    with ready() as s:
        items = {i.code: i for i in catalog.published_items(s)}
    ghj, rfb, syj, ga, gjj = (items[c] for c in ("GHJ-001", "RFB-001", "SYJ-006", "GA-013", "GJJ-002"))
    assert ghj.joint and ghj.partners == ["RFB-001"] and ghj.complexity == "complex"
    assert ghj.materials[1] == {"code": "GY-XMBA", "name": "企业投资项目备案证明"}
    assert (ghj.function_section, ghj.entry, ghj.directory_item) == ("TZXM", {"hall": "CITY"}, "ML-GHJ-001")
    assert ghj.promised_limit_2017 == {"value": 10, "unit": "working_day"}
    assert rfb.department == "RFB" and rfb.entry == {"hall": "CITY"}  # names accepted for codes
    assert rfb.statutory_limit == {"value": 20, "unit": "working_day"} and rfb.promised_limit_2017 is None
    assert rfb.fees == [
        {
            "code": "RFB-001-F1",
            "name": "防空地下室易地建设费",
            "basis": "《湖南省实施;人民防空法|办法》",
            "standard": "按面积计征",
        }
    ]
    assert syj.effective_from == datetime(2019, 6, 30, 16, 0, tzinfo=timezone.utc)
    assert syj.report_up is False and syj.joint is False and syj.online_depth == "full_online"
    assert ga.on_application is False and ga.entry is None and ga.promised_limit is None
    assert ga.statutory_limit == {"value": 90, "unit": "calendar_day"}
    assert ga.effective_from == datetime(2019, 1, 1, 0, 30, tzinfo=timezone.utc)
    assert gjj.case_type == "instant" and gjj.promised_limit == {"value": 0, "unit": "working_day"}
    assert gjj.entry == {"hall": "FT-GJJ"}


def test_bad_file_names_every_problem_and_writes_nothing(ready, tmp_path):
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][2] = "市不存在局"  # row 2: unknown department
    rows[1][3] = "行政审查"  # row 3: unknown item type
    rows[2][11] = "十个工作日"  # row 4: limit not a number
    rows[3][0] = "GHJ-001"  # row 5: duplicate code (row 2)
    rows[4][1] = ""  # row 6: missing name
    rows[4][18] = "2019-02-30"  # row 6: bad date
    rows.append(
        [
            "X-1",
            "某事项",
            "FGW",
            "行政许可",
            "也许",
            "承诺件",
            "",
            "",
            "NOPE-9",
            "",
            "20 工作日",
            "5 天",
            "",
            "F1",
            "",
            "",
            "ZZZ",
            "HALLX",
            "2019-01-01",
            "ML-NONE",
        ]
    )  # row 7
    path = write_csv(tmp_path / "bad.csv", rows)
    with ready() as s:
        before = _counts(s)
    with transaction(ready) as s:
        with pytest.raises(Invalid) as exc:
            import_catalog(FilingContext(s, REFORM), path, progress=False)
    problems = {(e.field, e.message) for e in exc.value.errors}
    fields = [e.field for e in exc.value.errors]
    assert ("第2行 实施部门", "未知部门“市不存在局”") in problems
    assert any(f == "第3行 事项类型" and "行政审查" in m for f, m in problems)
    assert any(f == "第4行 承诺时限" and "不是数字" in m for f, m in problems)
    assert ("第5行 编码", "编码“GHJ-001”与第2行重复") in problems
    assert ("第6行 名称", "必填，不能为空") in problems
    assert any(f == "第6行 生效日期" and "不是有效日期" in m for f, m in problems)
    for field in ("依申请", "联办事项", "承诺时限", "收费项目", "功能板块", "进驻大厅", "目录编码"):
        assert f"第7行 {field}" in fields, field
    assert "未导入任何事项" in exc.value.detail
    with ready() as s:
        assert _counts(s) == before


def test_bad_headers_are_refused(ready, tmp_path):
    path = write_csv(tmp_path / "h.csv", [["A-1"]], headers=["编码", "名 称", "承诺时间"])
    with transaction(ready) as s, pytest.raises(Invalid) as exc:
        import_catalog(FilingContext(s, REFORM), path, progress=False)
    fields = {e.field for e in exc.value.errors}
    assert {"第1行 第2列", "第1行 第3列", "名称", "实施部门", "事项类型", "办件类型", "生效日期"} <= fields
    with pytest.raises(Invalid):
        read_table(tmp_path / "catalog.txt")


def test_department_files_for_review_and_only_its_own(ready, tmp_path):
    path = write_csv(tmp_path / "c.csv", [GOOD_ROWS[2]])
    with transaction(ready) as s:
        result = import_catalog(FilingContext(s, Actor("syj", "department", "SYJ")), path, progress=False)
    assert (result.filed, result.published) == (1, 0)
    with ready() as s:
        assert s.scalar(select(ItemVersion.status).where(ItemVersion.code == "SYJ-006")) == "filed"
    other = write_csv(tmp_path / "o.csv", [GOOD_ROWS[2], GOOD_ROWS[3]])
    with transaction(ready) as s, pytest.raises(Invalid) as exc:
        import_catalog(FilingContext(s, Actor("syj", "department", "SYJ")), other, progress=False)
    assert [e.field for e in exc.value.errors] == ["第3行 实施部门"]


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_export_import_round_trip(ready, tmp_path, suffix):
    with transaction(ready) as s:
        import_catalog(FilingContext(s, REFORM), write_csv(tmp_path / "in.csv", GOOD_ROWS), progress=False)
    first = tmp_path / f"first.{suffix}"
    with ready() as s:
        assert export_catalog(s, first) == 5
        v1 = {i.code: _item_dict(i) for i in catalog.published_items(s)}
    table = read_table(first)
    assert table[0][1] == HEADERS
    with transaction(ready) as s:
        result = import_catalog(FilingContext(s, REFORM), first, progress=False)
    assert (result.new_versions, result.new_items) == (5, 0)
    second = tmp_path / f"second.{suffix}"
    with ready() as s:
        items = catalog.published_items(s)
        assert {i.version for i in items} == {2}
        assert {i.code: _item_dict(i) for i in items} == v1
        export_catalog(s, second)
    assert read_table(second) == table


def test_cell_syntax_helpers(sessions):
    assert parse_limit("3 个月") == {"value": 3, "unit": "month"}
    assert parse_limit("1.5小时") == {"value": 1.5, "unit": "hour"}
    assert parse_limit("60 calendar_day") == {"value": 60, "unit": "calendar_day"}
    assert parse_limit("") is None
    for bad in ("二十工作日", "20", "20 天", "-3 工作日"):
        with pytest.raises(ValueError):
            parse_limit(bad)
    assert catalog_io.split_list("a\\;b; c ;;\n d") == ["a\\;b", "c", "d"]
    fees = [{"code": "F1", "name": "费", "basis": "依据;有|分号\\", "standard": ""}]
    parsed, problems = catalog_io._parse_entries(catalog_io.format_fees(fees), ("code", "name", "basis", "standard"), 2)
    assert parsed == fees and problems == []


def test_gb18030_csv_from_excel_is_read(ready, tmp_path):
    path = tmp_path / "gbk.csv"
    with path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerow(GOOD_ROWS[2])
    with transaction(ready) as s:
        assert import_catalog(FilingContext(s, REFORM), path, progress=False).filed == 1
