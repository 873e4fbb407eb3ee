"""The working-day calendar of the government service department (issue 12 item 8): a banner on
its home page weeks before the loaded calendar runs out, and the import form one click away."""

from __future__ import annotations

import io
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for

from registry import calendar as cal
from web.context import runtime
from web.ui.common import FormErrors, RolePages, file_with

pages = RolePages("gov_service")


def calendar_status() -> dict:
    with runtime().reading() as session:
        return cal.status(session, datetime.now(cal.SHANGHAI).date())


def _render(errors: FormErrors | None = None, form=None, status: int = 200):
    st = calendar_status()
    next_year = (int(st["last_day"][:4]) + 1) if st["last_day"] else datetime.now(cal.SHANGHAI).year
    return render_template(
        "gs/calendar.html", st=st, errors=errors or FormErrors(), form=form or {}, next_year=next_year
    ), status


@pages.get("/gs/calendar")
def gs_calendar():
    return _render()


@pages.post("/gs/calendar")
def gs_calendar_import():
    form = request.form
    errors = FormErrors()
    year_text = (form.get("year") or "").strip()
    if not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        errors.add("year", "请填写四位年份（2000–2100）")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors.add("file", "请选择国务院办公厅节假日安排的 CSV 或 YAML 文件")
    if errors:
        return _render(errors, form, 422)
    source = (form.get("source") or "").strip() or None
    data = io.BytesIO(upload.read())
    data.name = upload.filename  # the file's own name in messages ("2027.csv 的日历数据有误")
    try:
        result, refused = file_with(lambda ctx: cal.import_year(ctx.session, int(year_text), data, source=source))
    except (ValueError, UnicodeDecodeError) as exc:
        errors.add("file", f"文件无法读取：{exc}" if not isinstance(exc, UnicodeDecodeError) else "文件不是 UTF-8 编码")
        return _render(errors, form, 422)
    if refused:
        return _render(refused, form, 422)
    flash(
        f"{year_text}年工作日历已{'替换' if result['replaced'] else '导入'}：放假 {result['holidays']} 天，"
        f"调休上班 {result['makeup_days']} 天",
        "ok",
    )
    return redirect(url_for("ui.gs.gs_calendar"))
