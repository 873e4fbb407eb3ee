"""API views for oversight: the compliance report and the working-day calendar."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import g, request

from registry import calendar as cal
from registry.db import utcnow
from web.api.problems import invalid, problem
from web.api.routing import tagged
from web.api.types import parse_time
from web.context import runtime

route, filing = tagged("oversight")

FINDINGS = {
    "type": "object",
    "required": ["findings", "summary", "parameters"],
    "properties": {
        "findings": {"type": "array", "items": {"type": "object"}},
        "summary": {"type": "object"},
        "parameters": {"type": "object"},
    },
}


@route(
    "GET",
    "/compliance",
    "合规报告（审改部门、电子监察、部门本部门）",
    roles=("reform_office", "auditor", "department", "government"),
    query={"department": "部门编码", "at": "时间（ISO-8601），默认现在"},
    response=FINDINGS,
)
def compliance():
    from application.compliance import report

    department = request.args.get("department") or None
    if g.principal.role == "department":
        if department and department != g.principal.department:
            return problem(403, "无权查看", f"只能查看本部门的合规报告，不能查看{department}")
        department = g.principal.department
    at = None
    if request.args.get("at"):
        try:
            at = parse_time(request.args["at"])
        except ValueError as exc:
            return invalid("at", str(exc))
    return report(runtime(), department=department, at=at)


@route("GET", "/calendar/status", "工作日历状态", roles=("gov_service", "reform_office", "auditor"))
def calendar_status():
    with runtime().reading() as session:
        return cal.status(session, utcnow().date())


@filing("/calendar/{year}", "导入某年的节假日与调休（上传 CSV 或 YAML 文件，字段 file）", roles=("gov_service",))
def calendar_import(year: str):
    if not (year.isascii() and year.isdigit() and len(year) == 4) or not 2000 <= int(year) <= 2100:
        return invalid("year", "须为年份", "年份须为 2000–2100")
    upload = request.files.get("file")
    if upload is None:
        return invalid("file", "缺少文件", "请以 multipart/form-data 上传 file 字段")
    suffix = Path(upload.filename or "calendar.csv").suffix or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        upload.save(tmp.name)
        try:
            with runtime().filing_session() as session:
                result = cal.import_year(session, int(year), Path(tmp.name), source=upload.filename or "上传文件")
        except ValueError as exc:
            return invalid("file", str(exc))
    return result, 201
