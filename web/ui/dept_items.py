"""A department's items (实施清单申报): list, one item's versions and reviews, filing a new item or version."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from registry import models as m
from registry.services import catalog
from web.context import runtime
from web.ui.common import (
    FormErrors,
    RolePages,
    file_with,
    from_now,
    matches,
    not_found,
    paginate_list,
    parse_time,
    split_codes,
)

from web.ui.department import _last_reasons, _latest_items

pages = RolePages("department")


# --- items (实施清单申报) -------------------------------------------------------------------------


@pages.get("/dept/<dept>/items")
def dept_items(dept):
    q, status = request.args.get("q", ""), request.args.get("status", "")
    with runtime().reading() as session:
        items = [
            i for i in _latest_items(session, dept) if matches(q, i.name, i.code) and (not status or i.status == status)
        ]
        page = paginate_list(items)
        reasons = _last_reasons(session, [i.id for i in page.rows if i.status == "returned"])
        return render_template("dept/items.html", dept=dept, page=page, reasons=reasons, q=q, status=status)


@pages.get("/dept/<dept>/items/<code>")
def dept_item(dept, code):
    with runtime().reading() as session:
        versions = list(
            session.scalars(
                select(m.ItemVersion).where(m.ItemVersion.code == code).order_by(m.ItemVersion.version.desc())
            )
        )
        if not versions or versions[0].department != dept:
            return not_found(f"本部门没有事项“{code}”")
        reviews: dict[int, list[m.ItemReview]] = {}
        for r in session.scalars(
            select(m.ItemReview)
            .where(m.ItemReview.item_version.in_([v.id for v in versions]))
            .order_by(m.ItemReview.id)
        ):
            reviews.setdefault(r.item_version, []).append(r)
        from web.ui.names import Names

        return render_template(
            "dept/item.html", dept=dept, versions=versions, reviews=reviews, latest=versions[0], names=Names(session)
        )


def _item_choices(session) -> dict[str, Any]:
    return {
        "halls": list(session.scalars(select(m.Hall).order_by(m.Hall.code))),
        "sections": list(session.scalars(select(m.FunctionSection).order_by(m.FunctionSection.code))),
        "directory": list(session.scalars(select(m.DirectoryItem).order_by(m.DirectoryItem.code).limit(2000))),
    }


def _item_form_values(v: m.ItemVersion | None) -> dict[str, Any]:
    """A stored version as form values (to prefill a new version)."""
    if v is None:
        return {
            "on_application": "1",
            "case_type": "instant",
            "complexity": "simple",
            "online_depth": "on_site",
            "statutory_limit_unit": "working_day",
            "promised_limit_unit": "working_day",
            "promised_limit_2017_unit": "working_day",
        }
    out: dict[str, Any] = {
        "code": v.code,
        "directory_item": v.directory_item or "",
        "name": v.name,
        "item_type": v.item_type,
        "case_type": v.case_type,
        "complexity": v.complexity,
        "online_depth": v.online_depth,
        "function_section": v.function_section or "",
        "entry_hall": (v.entry or {}).get("hall", ""),
        "partners": "、".join(v.partners or []),
        "effective_from": "",
    }
    for flag in ("on_application", "report_up", "joint"):
        if getattr(v, flag):
            out[flag] = "1"
    for key in ("statutory_limit", "promised_limit", "promised_limit_2017"):
        limit = getattr(v, key) or {}
        value = limit.get("value")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key + "_value"] = "" if value is None else str(value)
        out[key + "_unit"] = limit.get("unit") or "working_day"
    out["fees"] = "\n".join(
        "|".join(str(f.get(k) or "") for k in ("code", "name", "basis", "standard")) for f in v.fees or []
    )
    out["materials"] = "\n".join(f"{x.get('code')}|{x.get('name')}" for x in v.materials or [])
    return out


def _lines(text: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    rows = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("｜", "|").replace("\t", "|").split("|")]
        row = {k: (parts[i] if i < len(parts) else "") for i, k in enumerate(keys)}
        rows.append({k: v for k, v in row.items() if v or k in ("code", "name")})
    return rows


def _item_from_form(dept: str, form, errors: FormErrors, code: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": code or (form.get("code") or "").strip(),
        "name": (form.get("name") or "").strip(),
        "directory_item": (form.get("directory_item") or "").strip() or None,
        "department": dept,
        "item_type": form.get("item_type") or None,
        "case_type": form.get("case_type") or None,
        "complexity": form.get("complexity") or "simple",
        "online_depth": form.get("online_depth") or "on_site",
        "on_application": form.get("on_application") == "1",
        "report_up": form.get("report_up") == "1",
        "partners": split_codes(form.get("partners")),
        "function_section": form.get("function_section") or None,
        "entry": {"hall": form["entry_hall"]} if form.get("entry_hall") else None,
        "fees": _lines(form.get("fees", ""), ("code", "name", "basis", "standard")),
        "materials": _lines(form.get("materials", ""), ("code", "name")),
    }
    data["joint"] = form.get("joint") == "1" or bool(data["partners"])
    for key in ("statutory_limit", "promised_limit", "promised_limit_2017"):
        raw = (form.get(key + "_value") or "").strip()
        if not raw:
            data[key] = None
            continue
        try:
            value = float(raw)
            value = int(value) if value.is_integer() else value
        except ValueError:
            errors.add(key, f"“{raw}”不是数字")
            continue
        data[key] = {"value": value, "unit": form.get(key + "_unit") or "working_day"}
    data["effective_from"] = parse_time(form.get("effective_from"), "effective_from", errors)
    return data


def _render_item_form(dept, form, errors, existing=None, status=200):
    with runtime().reading() as session:
        return render_template(
            "dept/item_form.html", dept=dept, form=form, errors=errors, existing=existing, **_item_choices(session)
        ), status


@pages.route("/dept/<dept>/items/new", methods=["GET", "POST"])
def dept_item_new(dept):
    if request.method == "GET":
        return _render_item_form(dept, _item_form_values(None), FormErrors())
    return _file_item(dept, None)


@pages.route("/dept/<dept>/items/<code>/new", methods=["GET", "POST"])
def dept_item_version(dept, code):
    with runtime().reading() as session:
        latest = session.scalars(
            select(m.ItemVersion).where(m.ItemVersion.code == code).order_by(m.ItemVersion.version.desc()).limit(1)
        ).first()
        if latest is None or latest.department != dept:
            return not_found(f"本部门没有事项“{code}”")
        existing = {"code": latest.code, "version": latest.version, "status": latest.status}
        values = _item_form_values(latest)
    if request.method == "GET":
        return _render_item_form(dept, values, FormErrors(), existing)
    return _file_item(dept, existing)


def _file_item(dept, existing):
    form = request.form
    errors = FormErrors()
    data = _item_from_form(dept, form, errors, existing["code"] if existing else None)
    if errors:
        return _render_item_form(dept, form, errors, existing, 422)

    def action(ctx):
        row = catalog.file_item(ctx, from_now(ctx, data, "effective_from"))
        return row.code, row.version, row.log_index

    result, errors = file_with(action)
    if errors:
        return _render_item_form(dept, form, errors, existing, 422)
    code, version, log_index = result
    flash(f"已提交事项“{code}”第{version}版，待审改部门审核（日志序号 {log_index}）", "ok")
    return redirect(url_for("ui.dept.dept_item", dept=dept, code=code))
