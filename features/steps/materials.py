"""Step definitions of features/materials.feature: the material dictionary's page (材料目录), on the
app of features/steps/app_world.py, signed in as the government service department."""

from __future__ import annotations

import csv
import html
import io
import re

from pytest_bdd import parsers, then, when
from sqlalchemy import func, select

from features.steps.app_world import bearer
from features.steps.world import rows


def _gs(w) -> dict[str, str]:
    w.app.config["WTF_CSRF_ENABLED"] = False  # the page's forms, posted by the scenario
    return bearer(w.account("zwfw", "gov_service", "ZWFW"))


def _counts(w) -> tuple[int, int]:
    from registry import models as m

    with w.rt.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(m.MaterialEntry)),
            session.scalar(select(func.count()).select_from(m.LogEntry)),
        )


@when("政务服务部门在材料目录页面上传以下目录:")
def upload(alerts_world, datatable):
    w = alerts_world
    table = rows(datatable)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(table[0]))
    writer.writerows([list(r.values()) for r in table])
    w.before = _counts(w)
    r = w.client.post(
        "/gs/materials",
        data={"step": "check", "file": (io.BytesIO(out.getvalue().encode()), "材料目录.csv")},
        content_type="multipart/form-data",
        headers=_gs(w),
    )
    w.answer = (r.status_code, html.unescape(r.get_data(as_text=True)))


@then(parsers.re(r"页面显示将新增(?P<created>\d+)条、修改(?P<changed>\d+)条，材料目录没有变化"))
def previewed(alerts_world, created, changed):
    code, page = alerts_world.answer
    assert code == 200 and f"将新增 {created} 条、修改 {changed} 条" in page, page
    assert _counts(alerts_world) == alerts_world.before


@when("政务服务部门确认导入")
def confirm(alerts_world):
    w = alerts_world
    carried = w.answer[1].split('name="rows" value="', 1)[1].split('"', 1)[0]
    r = w.client.post("/gs/materials", data={"step": "import", "rows": carried}, headers=_gs(w))
    assert r.status_code == 302, r.get_data(as_text=True)


@then(parsers.re(r"材料目录有(?P<n>\d+)条，每条有一条签名记录"))
def filed(alerts_world, n):
    entries, logged = _counts(alerts_world)
    assert entries == int(n) and logged == alerts_world.before[1] + int(n)


@then(parsers.re(r"在材料目录页面查询“(?P<q>[^”]+)”只查到“(?P<name>[^”]+)”"))
def search(alerts_world, q, name):
    from registry import models as m

    w = alerts_world
    page = w.client.get("/gs/materials", query_string={"q": q}, headers=_gs(w)).get_data(as_text=True)
    with w.rt.reading() as session:
        names = list(session.scalars(select(m.MaterialEntry.name)))
    assert [n for n in names if f"<td>{n}</td>" in page] == [name], page


@then(parsers.re(r"页面说明“(?P<where>[^”]+)”：“(?P<text>[^”]+)”"))
def problem_named(alerts_world, where, text):
    code, page = alerts_world.answer
    problems = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert code == 422 and any(w == where and text in m for w, m in problems), problems


@then("页面没有可确认的导入，材料目录没有变化")
def nothing_to_confirm(alerts_world):
    code, page = alerts_world.answer
    assert code == 422 and 'name="rows"' not in page and "整份未导入" in page
    assert _counts(alerts_world) == alerts_world.before


__all__ = [name for name in list(globals()) if name.startswith("pytestbdd_")]
