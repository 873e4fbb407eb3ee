"""The reform office's workspace (审改部门, role `reform_office`): the item review queue,
exceptions to in-principle rules, the rule pack and the compliance report (docs/design.md §1, §6)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from registry import models as m
import vocab
from registry.inputs.filings import ExceptionIn, ItemReviewIn
from registry.services import catalog, grants
from web.ui.forms import filing_form, read_form
from web.context import runtime
from web.ui.common import FormErrors, RolePages, bar_chart, file_with, limit_text, matches, paginate_list

pages = RolePages("reform_office")

DEFAULT_CATCH_ALL = ["其他材料", "其它材料", "其他相关材料", "相关材料", "有关材料", "其他条件"]
ITEM_FIELD_LABELS = [
    ("name", "名称"),
    ("item_type", "事项类型"),
    ("on_application", "依申请"),
    ("case_type", "办件类型"),
    ("report_up", "上报件"),
    ("joint", "联办件"),
    ("partners", "联办事项"),
    ("complexity", "复杂程度"),
    ("statutory_limit", "法定时限"),
    ("promised_limit", "承诺时限"),
    ("promised_limit_2017", "2017年承诺时限"),
    ("fees", "收费"),
    ("materials", "材料"),
    ("online_depth", "办理深度"),
    ("function_section", "功能板块"),
    ("entry", "进驻大厅"),
    ("effective_from", "生效时间"),
]


def active_pack():
    """The pack the engine serves, or None when the engine is not ready."""
    try:
        host = runtime().policy
    except Exception:
        return None
    engine = getattr(host, "engine", None) if host is not None else None
    return getattr(engine, "pack", None) if engine is not None else None


@pages.get("/reform/")
def reform_home():
    with runtime().reading() as session:
        rows = list(
            session.execute(
                select(m.ItemVersion.department, m.ItemVersion.status, func.count()).group_by(
                    m.ItemVersion.department, m.ItemVersion.status
                )
            )
        )
        waiting = sum(n for _, s, n in rows if s == "filed")
        per_dept: dict[str, int] = {}
        for dept, s, n in rows:
            if s == "filed":
                per_dept[dept] = per_dept.get(dept, 0) + n
        names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
        exceptions = session.scalar(select(func.count()).select_from(m.PolicyException)) or 0
        chart = bar_chart(
            sorted(((names.get(d, d), n) for d, n in per_dept.items()), key=lambda x: -x[1])[:15],
            title="待审核事项（按部门）",
        )
        pack = active_pack()
        return render_template("reform/home.html", waiting=waiting, exceptions=exceptions, chart=chart, pack=pack)


# --- the review queue ------------------------------------------------------------------------


@pages.get("/reform/items")
def reform_queue():
    q, dept = request.args.get("q", ""), request.args.get("department", "")
    with runtime().reading() as session:
        stmt = select(m.ItemVersion).where(m.ItemVersion.status == "filed").order_by(m.ItemVersion.filed_at)
        if dept:
            stmt = stmt.where(m.ItemVersion.department == dept)
        rows = [r for r in session.scalars(stmt) if matches(q, r.name, r.code)]
        names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
        hints = {r.id: review_hints(r) for r in rows}
        return render_template(
            "reform/queue.html", page=paginate_list(rows), names=names, q=q, department=dept, hints=hints
        )


def review_hints(v: m.ItemVersion) -> list[str]:
    """What a reviewer should look at (a prompt, not the compliance report)."""
    out = []
    pack = active_pack()
    from rules.materials import catch_all
    from rules.numbers import compression, excluded_item_types

    patterns = pack.parameters.get("catch_all") if pack is not None else None
    for x in v.materials or []:
        name = x.get("name") or ""
        if catch_all(name, patterns) if patterns else any(p in name for p in DEFAULT_CATCH_ALL):
            out.append(f"材料“{x.get('name')}”含兜底表述（XT-3.4）")
    st, pr = v.statutory_limit or {}, v.promised_limit or {}
    comp = compression(pack) if pack is not None else None  # the pack's numbers, none of our own
    if comp is not None and st and pr and st.get("unit") == pr.get("unit") and st.get("value"):
        if comp.exceeds(float(st["value"]), float(pr.get("value") or 0)):
            out.append(
                f"承诺时限 {limit_text(pr)} 未按“{comp.reading}”压减至法定时限 {limit_text(st)} 的"
                f"{comp.share_zh}以内（XT-3.4）"
            )
    if (
        v.case_type == "commitment"
        and pr.get("unit") == "working_day"
        and pr.get("value") is not None
        and pr["value"] <= 2
    ):
        out.append("1~2个工作日的承诺件原则上改为即办件（XT-3.4）")
    if pack is not None and v.on_application and v.item_type not in excluded_item_types(pack) and not v.entry:
        out.append("依申请类事项未填进驻大厅：须进驻或经市人民政府批准不宜进驻（XT-3.1）")
    if v.joint and not v.partners:
        out.append("联办件未列联办事项（XT-3.5）")
    return out


def _display(key: str, value: Any) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if key in ("statutory_limit", "promised_limit", "promised_limit_2017"):
        return limit_text(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    table = {
        "item_type": vocab.ITEM_TYPES,
        "case_type": vocab.CASE_TYPES,
        "complexity": vocab.COMPLEXITY,
        "online_depth": vocab.ONLINE_DEPTHS,
    }.get(key)
    if table:
        return table.get(value, value)
    if key == "fees":
        return "；".join(f"{f.get('name')}（{f.get('standard') or '标准未填'}）" for f in value)
    if key == "materials":
        return "、".join(x.get("name", "") for x in value)
    if key == "partners":
        return "、".join(value)
    if key == "entry":
        return value.get("hall", "") if isinstance(value, dict) else str(value)
    if key == "effective_from":
        from web.ui.common import fmt_local

        return fmt_local(value)
    return str(value)


@pages.route("/reform/items/<code>", methods=["GET", "POST"])
def reform_item(code):
    form, errors, status = {}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        result = form.get("result") or ""
        reasons = [r.strip() for r in (form.get("reasons") or "").splitlines() if r.strip()]
        reasons += [r for r in form.getlist("hint") if r]
        body, errors = read_form(ItemReviewIn, {"result": result, "reasons": reasons})
        if body is not None:
            out, errors = file_with(lambda ctx: catalog.review_item(ctx, code, body).log_index)
        if not errors:
            flash(f"事项“{code}”已{'审核通过并发布' if result == 'approved' else '退回'}（日志序号 {out}）", "ok")
            return redirect(url_for("ui.reform.reform_queue"))
        status = 422
    with runtime().reading() as session:
        versions = list(
            session.scalars(
                select(m.ItemVersion).where(m.ItemVersion.code == code).order_by(m.ItemVersion.version.desc())
            )
        )
        if not versions:
            from web.ui.common import not_found

            return not_found(f"事项“{code}”不存在")
        filed = next((v for v in versions if v.status == "filed"), None)
        shown = filed or versions[0]
        previous = next((v for v in versions if v.status == "published" and v.version < shown.version), None)
        rows = [
            (
                label,
                _display(key, getattr(shown, key)),
                _display(key, getattr(previous, key)) if previous else None,
                previous is not None and getattr(previous, key) != getattr(shown, key),
            )
            for key, label in ITEM_FIELD_LABELS
        ]
        dept = session.get(m.Department, shown.department)
        return render_template(
            "reform/item.html",
            v=shown,
            filed=filed,
            previous=previous,
            rows=rows,
            dept=dept,
            hints=review_hints(shown),
            form=form,
            errors=errors,
        ), status


# --- exceptions (例外) -------------------------------------------------------------------------


@pages.route("/reform/exceptions", methods=["GET", "POST"])
@filing_form(ExceptionIn, grants.file_exception, "例外已记录（日志序号 {row.log_index}）")
def reform_exceptions(posted):
    form = posted.shown({"rule": request.args.get("rule", ""), "subject": request.args.get("subject", "")})
    q = request.args.get("q", "")
    pack = active_pack()
    rules = [r for r in pack.rules if r.strength == "in_principle"] if pack is not None else []
    with runtime().reading() as session:
        rows = [
            r
            for r in session.scalars(select(m.PolicyException).order_by(m.PolicyException.id.desc()))
            if matches(q, r.rule, r.subject, r.reason)
        ]
        from web.ui.names import Names

        return render_template(
            "reform/exceptions.html",
            page=paginate_list(rows),
            q=q,
            rules=rules,
            form=form,
            errors=posted.errors,
            names=Names(session),
            rule_text={r.id: f"{r.clause} {r.text[:40]}" for r in (pack.rules if pack else [])},
            subject_text=Names(session).subject(form.get("subject", "")) if form.get("subject") else "",
        ), posted.status


# --- compliance -------------------------------------------------------------------------------


def _compliance_xlsx(found, ranked, department):
    from web.ui.findings_pages import SEVERITY
    from web.ui.names import Names
    from web.ui.xlsx import xlsx_response

    with runtime().reading() as session:
        names = Names(session)
        rows = [
            (
                f["clause"],
                names.department(f.get("department")),
                names.subject(f["subject"]),
                SEVERITY.get(f["severity"], f["severity"]),
                "必须" if f["strength"] == "must" else "原则上",
                f["text"],
            )
            for f in found
        ]
        summary = [(d["name"], d["total"]) for d in ranked]
        title = f"合规报告-{names.department(department)}" if department else "合规报告"
    return xlsx_response(
        f"{title}.xlsx",
        [
            ("汇总", ("部门", "问题数"), summary),
            ("问题清单", ("条款", "部门", "对象", "严重程度", "强度", "说明"), rows),
        ],
    )


def principal_role() -> str | None:
    from flask import g

    p = getattr(g, "principal", None)
    return p.role if p is not None else None


def compliance_page(department: str | None, template: str, **extra):
    try:
        from application import compliance
    except ImportError:
        return render_template("reform/not_ready.html", title="合规报告", message="合规报告模块未就绪")
    from web.ui.findings_pages import as_report, stored
    from web.ui.names import Names

    with runtime().reading() as session:
        rows = stored(session, department)
        result = as_report(rows, Names(session)) if rows is not None else None
    if result is None:  # the scheduler never synced: compute the report once, here
        try:
            result = compliance.report(runtime(), department=department or None)
        except Exception as exc:
            return render_template("reform/not_ready.html", title="合规报告", message=f"合规报告暂不可用：{exc}")
    clause, strength, q = request.args.get("clause", ""), request.args.get("strength", ""), request.args.get("q", "")
    found = [
        f
        for f in result["findings"]
        if (not clause or f["clause"] == clause)
        and (not strength or f["strength"] == strength)
        and matches(q, f["text"], f["subject"])
    ]
    summary = result["summary"]
    ranked = sorted(summary.get("departments", []), key=lambda d: (-d["total"], d["name"]))
    drill = principal_role() == "reform_office" and not department

    def link(d):
        code = d.get("code") or d.get("department")
        return url_for("ui.reform.reform_compliance", department=code) if drill and code and code != "CITY" else None

    chart = bar_chart(
        [(d["name"], d["total"], link(d)) for d in ranked[:15]],
        title="问题数（按部门，点击查看该部门）" if drill else "问题数（按部门）",
    )
    from web.ui.names import Names

    if request.args.get("format") == "xlsx":
        return _compliance_xlsx(found, ranked, department)
    with runtime().reading() as session:
        names = Names(session)
        page = paginate_list(found)
        rows = [
            dict(f, subject_text=names.subject(f["subject"]), department_name=names.department(f["department"]))
            for f in page.rows
        ]
        page.rows = rows
        return render_template(
            template,
            page=page,
            summary=summary,
            chart=chart,
            clause=clause,
            strength=strength,
            q=q,
            department=department,
            department_name=names.department(department) if department else "",
            policy=result.get("policy"),
            clauses=sorted(summary.get("by_clause", {}).items()),
            synced_at=result.get("synced_at"),
            **extra,
        )


@pages.get("/reform/compliance")
def reform_compliance():
    return compliance_page(request.args.get("department") or None, "reform/compliance.html")
