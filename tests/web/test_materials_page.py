"""The material dictionary's page (材料目录, docs/design.md §12.2): the government service department
lists and searches the entries, uploads a dictionary file, sees what it would add and change, and
confirms; a file with problems is shown by row and column and writes nothing."""

from __future__ import annotations

import io
import zipfile
from io import BytesIO

from sqlalchemy import func, select

from registry import models as m
from registry.services import materials
from registry.services.context import Actor
from tests.factories.pages import login, ui  # noqa: F401  (fixture)

CSV = "目录编码,材料名称,类别,来源\nCL-YYZZ,营业执照,电子证照,电子证照目录\nCL-SFZ,居民身份证,电子证照,\nCL-SQB,申请表,,\n"


def _upload(client, text: str | bytes, name: str = "材料目录.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/gs/materials", data={"step": "check", "file": (BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _confirm(client, page: str):
    carried = page.split('name="rows" value="', 1)[1].split('"', 1)[0]
    return client.post("/gs/materials", data={"step": "import", "rows": carried})


def _counts(rt):
    with rt.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(m.MaterialEntry)),
            session.scalar(select(func.count()).select_from(m.LogEntry)),
        )


def test_a_clerk_uploads_checks_and_confirms_the_dictionary_then_finds_an_entry(client, ui, rt):
    login(client, "zwfw")
    home = client.get("/gs/").text
    assert 'href="/gs/materials"' in home  # the role's navigation and its home card
    assert "材料目录还没有条目" in client.get("/gs/materials").text
    before = _counts(rt)
    checked = _upload(client, CSV)
    assert checked.status_code == 200, checked.text
    assert "检查通过" in checked.text and "将新增 3 条、修改 0 条" in checked.text
    assert _counts(rt) == before  # a preview writes nothing
    done = _confirm(client, checked.text)
    assert done.status_code == 302
    listing = client.get("/gs/materials").text
    assert "已导入 3 条材料目录：新增 3 条，修改 0 条" in listing and "居民身份证" in listing
    assert _counts(rt) == (3, before[1] + 3)  # each entry a signed record
    found = client.get("/gs/materials", query_string={"q": "身份"}).text
    assert "居民身份证" in found and "营业执照" not in found
    assert "CL-SQB" in client.get("/gs/materials", query_string={"q": "cl-sqb"}).text
    changed = _upload(client, CSV.replace("居民身份证,电子证照,", "居民身份证（含临时）,电子证照,"))
    assert "将新增 0 条、修改 1 条" in changed.text and "名称原为“居民身份证”" in changed.text
    assert _confirm(client, changed.text).status_code == 302
    assert _counts(rt) == (3, before[1] + 4)
    same = _upload(client, CSV.replace("居民身份证,电子证照,", "居民身份证（含临时）,电子证照,"))
    assert "无需导入" in same.text and 'name="rows"' not in same.text


def test_a_file_with_problems_is_shown_by_row_and_column_and_nothing_is_written(client, ui, rt):
    login(client, "zwfw")
    before = _counts(rt)
    bad = _upload(client, "目录编码,材料名称\nCL-A,甲材料\nCL-A,重复编码\n,无编码\nCL B,\n")
    assert bad.status_code == 422
    for expected in (
        "第3行 目录编码",
        "与第2行重复",
        "第4行 目录编码",
        "第5行 目录编码",
        "第5行 材料名称",
        "整份未导入",
    ):
        assert expected in bad.text, expected
    assert 'name="rows"' not in bad.text  # nothing to confirm
    header = _upload(client, "编码,材料名称\nCL-A,甲\n")
    assert header.status_code == 422 and "未知列“编码”" in header.text and "缺少列：目录编码" in header.text
    assert "应为 .xlsx 或 .csv" in _upload(client, "x", "目录.txt").text
    big = _upload(client, "目录编码,材料名称\n" + "CL-X,甲\n" * 400_000)
    assert big.status_code == 422 and "超过 2 MiB" in big.text
    assert _counts(rt) == before


def test_a_workbook_that_unpacks_beyond_bounds_is_refused_before_it_is_read(client, ui, rt):
    login(client, "zwfw")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<" * (40 * 1024 * 1024))
    r = _upload(client, packed.getvalue(), "目录.xlsx")
    assert r.status_code == 422 and "解压后超过" in r.text


def test_an_xlsx_upload_is_read_like_the_cli_reads_it(client, ui, rt):
    from openpyxl import Workbook

    login(client, "zwfw")
    wb = Workbook()
    for row in (["目录编码", "材料名称", "类别", "来源"], ["CL-YYZZ", "营业执照", "电子证照", None]):
        wb.active.append(row)
    data = io.BytesIO()
    wb.save(data)
    checked = _upload(client, data.getvalue(), "目录.xlsx")
    assert "将新增 1 条" in checked.text
    assert _confirm(client, checked.text).status_code == 302


def test_a_confirmation_is_checked_again_and_a_forged_one_writes_nothing(client, ui, rt):
    login(client, "zwfw")
    before = _counts(rt)
    from web.ui.gs_materials import carry

    forged = carry([(2, {"code": "CL A", "name": "", "category": None, "source": None})])
    r = client.post("/gs/materials", data={"step": "import", "rows": forged})
    assert r.status_code == 422 and "第2行 目录编码" in r.text and "第2行 材料名称" in r.text
    broken = client.post("/gs/materials", data={"step": "import", "rows": "not-base64!"})
    assert broken.status_code == 422 and "请重新上传" in broken.text
    assert _counts(rt) == before


def test_the_list_is_paged_and_only_the_service_department_opens_it(client, ui, rt):
    with rt.filing(Actor(name="zwfw", role="gov_service")) as ctx:
        materials.file_entries(
            ctx, [{"code": f"CL-{i:03}", "name": f"材料{i}", "category": None, "source": None} for i in range(45)]
        )
    login(client, "zwfw")
    first = client.get("/gs/materials").text
    assert "CL-000" in first and "CL-044" not in first and "第 1 / 2 页" in first
    assert "CL-044" in client.get("/gs/materials", query_string={"page": 2}).text
    client.post("/logout")
    login(client, "fgw")
    assert client.get("/gs/materials").status_code == 403
    assert client.post("/gs/materials", data={"step": "check"}).status_code == 403


def test_the_downloaded_list_imports_again_unchanged(client, ui, rt):
    login(client, "zwfw")
    assert _confirm(client, _upload(client, CSV).text).status_code == 302
    download = client.get("/gs/materials", query_string={"format": "xlsx"})
    assert download.status_code == 200 and download.data[:2] == b"PK"
    again = _upload(client, download.data, "材料目录.xlsx")
    assert again.status_code == 200 and "将新增 0 条、修改 0 条" in again.text and "无需导入" in again.text
