"""The city material dictionary (材料目录, docs/design.md §12.2): imported from xlsx by the government
service department, all or nothing, with Chinese errors by row; item materials refer to its entries."""

from __future__ import annotations

from sqlalchemy import func, select

from registry import models as m
from tests.factories.world import bearer
from tests.factories.api import ITEM, file_item


def _xlsx(path, rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _cli(app):
    from flask.cli import ScriptInfo

    from web.cli import main

    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def _counts(rt):
    with rt.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(m.MaterialEntry)),
            session.scalar(select(func.count()).select_from(m.LogEntry)),
        )


HEADER = ["目录编码", "材料名称", "类别", "来源"]
GOOD = [
    HEADER,
    ["CL-YYZZ", "营业执照", "电子证照", "电子证照目录"],
    ["CL-SFZ", "居民身份证", "电子证照", None],
    ["CL-SQB", "申请表", None, None],
]


def test_the_dictionary_is_imported_from_xlsx_once_and_a_second_import_changes_nothing(app, rt, world, tmp_path):
    run = _cli(app)
    before = _counts(rt)
    result = run("materials", "import", str(_xlsx(tmp_path / "dict.xlsx", GOOD)))
    assert result.exit_code == 0 and "新增 3 条" in result.output, result.output
    entries, logged = _counts(rt)
    assert entries == 3 and logged == before[1] + 3  # each entry a signed record
    with rt.reading() as session:
        row = session.get(m.MaterialEntry, "CL-YYZZ")
        assert (row.name, row.category, row.source) == ("营业执照", "电子证照", "电子证照目录") and row.log_index
    again = run(
        "materials", "import", str(_xlsx(tmp_path / "again.xlsx", GOOD[:2] + [["CL-SFZ", "居民身份证（含临时）"]]))
    )
    assert again.exit_code == 0 and "新增 0 条，修改 1 条" in again.output, again.output
    assert _counts(rt) == (3, logged + 1)


def test_a_bad_dictionary_is_refused_whole_naming_each_row_in_chinese(app, rt, world, tmp_path):
    run = _cli(app)
    before = _counts(rt)
    bad = _xlsx(tmp_path / "bad.xlsx", [HEADER, ["CL-A", "甲材料"], ["CL-A", "重复编码"], ["", "无编码"], ["CL B", ""]])
    result = run("materials", "import", str(bad))
    assert result.exit_code == 2
    for expected in (
        "第3行 目录编码",
        "与第2行重复",
        "第4行 目录编码",
        "第5行 目录编码",
        "不能含空格",
        "第5行 材料名称",
        "整份未导入",
    ):
        assert expected in result.output, result.output
    unknown = _xlsx(tmp_path / "header.xlsx", [["编码", "材料名称"], ["CL-A", "甲"]])
    result = run("materials", "import", str(unknown))
    assert result.exit_code == 2 and "未知列“编码”" in result.output and "缺少列：目录编码" in result.output
    assert _counts(rt) == before  # nothing written


def test_item_materials_refer_to_dictionary_entries(app, rt, client, world, tmp_path):
    _cli(app)("materials", "import", str(_xlsx(tmp_path / "dict.xlsx", GOOD)))
    unknown = {**ITEM, "code": "FGW-011", "materials": [{"code": "FGW-M1", "name": "营业执照", "entry": "CL-NONE"}]}
    r = client.post("/api/v1/items", json=unknown, headers=bearer(world["tokens"]["fgw"]))
    assert r.status_code == 422, r.get_json()
    assert "材料目录中没有编码为“CL-NONE”的材料" in str(r.get_json())
    file_item(
        client,
        world,
        {
            **ITEM,
            "code": "FGW-011",
            "materials": [
                {"code": "FGW-M1", "name": "企业法人营业执照", "entry": "CL-YYZZ"},
                {"code": "FGW-M2", "name": "项目申请报告"},
            ],
        },
    )
    with rt.reading() as session:
        row = session.scalar(select(m.ItemVersion).where(m.ItemVersion.code == "FGW-011"))
        assert row.materials == [
            {"code": "FGW-M1", "name": "企业法人营业执照", "entry": "CL-YYZZ"},
            {"code": "FGW-M2", "name": "项目申请报告"},
        ]


def test_an_edited_or_inserted_dictionary_row_is_named_by_the_audit(app, rt, world, tmp_path):
    from sqlalchemy import text

    from application.auditing import audit_pass

    _cli(app)("materials", "import", str(_xlsx(tmp_path / "dict.xlsx", GOOD)))
    report, _ = audit_pass(rt, incremental=False, workers=1)
    assert report.ok, [d.text() for d in report.differences]
    with rt.engine.begin() as conn:
        conn.execute(text("UPDATE material_entries SET name = '营业执照（副本）' WHERE code = 'CL-YYZZ'"))
        conn.execute(
            text("INSERT INTO material_entries (code, name, filed_at) VALUES ('CL-FAKE', '未签名的材料', :t)"),
            {"t": "2026-01-01 00:00:00"},
        )
        conn.execute(text("DELETE FROM material_entries WHERE code = 'CL-SQB'"))
    report, _ = audit_pass(rt, incremental=False, workers=1)
    found = {(d.table, d.key, d.field): d for d in report.differences}
    edited = found[("material_entries", "CL-YYZZ", "name")]
    assert (edited.row, edited.logged) == ("营业执照（副本）", "营业执照")
    assert ("material_entries", "CL-FAKE", "*row") in found
    assert ("material_entries", "CL-SQB", "*record") in found
    assert len(found) == 3, [d.text() for d in report.differences]
