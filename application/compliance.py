"""The compliance report (docs/design.md §8 GET /compliance, `onehall compliance`): the pack's finding
rules over the registry's facts, with the working-day calendar for time-limit comparisons."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from registry import calendar as cal
from registry.facts import export_facts
from rules import compliance as rules_compliance

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def report(
    rt, *, department: str | None = None, at: datetime | None = None, known_at: datetime | None = None
) -> dict[str, Any]:
    pack = rt.policy.engine.pack
    with rt.reading() as session:
        snapshot = export_facts(session, include_cases=True)
        calendar = cal.WorkingCalendar.load(session)

    pending: set[int] = set()

    def working_days_between(a, b) -> int:
        """Calendar-day limits in working days; past the loaded years, 5 of every 7 days
        (and the report says so) rather than no report at all."""
        try:
            return calendar.working_days_between(a, b)
        except cal.CalendarPending as exc:
            pending.add(exc.year)
            return round((b - a).days * 5 / 7)

    found = rules_compliance.findings(
        pack, snapshot, at=at, known_at=known_at, working_days_between=working_days_between, department=department
    )
    found.sort(key=lambda f: (f.get("department") or "", SEVERITY_ORDER.get(f["severity"], 9), f["clause"]))
    result = {
        "findings": found,
        "summary": _summary(found, snapshot),
        "parameters": jsonable(pack.parameters),
        "policy": pack.policy,
        "at": (at.isoformat() if at else None),
        "notes": [],
    }
    if pending:
        years = "、".join(str(y) for y in sorted(pending))
        result["notes"].append(f"{years}年工作日历尚未导入：涉及这些年份的自然日时限按每7天5个工作日估算")
    return result


def jsonable(value: Any) -> Any:
    """Pack parameters as JSON: fractions as "1/3", times as ISO-8601 UTC."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


def _summary(found: list[dict[str, Any]], snapshot: dict[str, Any]) -> dict[str, Any]:
    base = rules_compliance.summary(found)
    names = {d["code"]: d["name"] for d in snapshot["departments"]}
    per_dept: dict[str, dict[str, Any]] = {}
    for f in found:
        code = f.get("department") or "CITY"
        row = per_dept.setdefault(
            code, {"department": code, "name": names.get(code, "全市"), "total": 0, "must": 0, "in_principle": 0}
        )
        row["total"] += 1
        row[f["strength"]] = row.get(f["strength"], 0) + 1
    ranking = sorted(per_dept.values(), key=lambda r: (-r["must"], -r["total"], r["department"]))
    return {**base, "total": len(found), "departments": ranking}


def write_xlsx(result: dict[str, Any], path: Path) -> None:
    """An xlsx a reform office can send on: 汇总 and 问题清单 sheets with Chinese headers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(["部门编码", "部门", "问题总数", "必须整改（must）", "原则性（in_principle）"])
    for row in result["summary"]["departments"]:
        ws.append([row["department"], row["name"], row["total"], row.get("must", 0), row.get("in_principle", 0)])
    details = wb.create_sheet("问题清单")
    details.append(["编号", "条款", "规则", "部门", "对象", "严重程度", "强度", "说明"])
    for f in result["findings"]:
        details.append(
            [
                f["id"],
                f["clause"],
                f["rule"],
                f.get("department") or "",
                f["subject"],
                f["severity"],
                f["strength"],
                f["text"],
            ]
        )
    params = wb.create_sheet("裁量参数")
    params.append(["参数", "取值"])
    for key, value in result["parameters"].items():
        params.append([key, str(value)])
    for sheet in (ws, details, params):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    wb.save(path)


def as_text(result: dict[str, Any]) -> str:
    lines = [f"合规报告：共 {result['summary']['total']} 项问题"]
    for row in result["summary"]["departments"]:
        lines.append(f"  {row['name']}（{row['department']}）：{row['total']} 项，其中必须整改 {row.get('must', 0)} 项")
    lines.append("")
    for f in result["findings"]:
        lines.append(f"[{f['clause']}] {f['rule']} · {f['subject']}：{f['text']}")
    return "\n".join(lines)
