"""A department's workspace (role `department`, scoped to its own department, DESIGN §1):
items, chief-representative and government-service authorizations, absences, seal custody,
staff filing, exemption requests, delegation, and the one-step 人员离岗/调动 page."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from registry import models as m
import vocab
from registry.services import catalog, grants, org
from signing.records import parse_leaf
from web.access import note_personal_reads
from web.context import runtime
from web.ui import bp
from web.ui.common import (
    FormErrors, auth_status, bar_chart, file_with, forbidden, local_input, matches, not_found,
    paginate_list, parse_int, parse_time, public_url, qr_svg, role_required, split_codes,
)
from vocab.clock import as_utc, utcnow

EXPIRY_WARNING = timedelta(days=30)
CHIEF_REP_POWERS = [a for a in vocab.ACTIONS if a not in vocab.GOV_SERVICE_MINIMUM]


# --- reading helpers ---------------------------------------------------------------------------

def _department(session, code: str) -> m.Department | None:
    return session.get(m.Department, code)


def _people(session, dept: str) -> list[m.Person]:
    return list(session.scalars(select(m.Person).where(m.Person.department == dept).order_by(m.Person.name)))


def _latest_items(session, dept: str) -> list[m.ItemVersion]:
    """The newest version of each of the department's items, whatever its status."""
    rows = session.scalars(select(m.ItemVersion).where(m.ItemVersion.department == dept)
                           .order_by(m.ItemVersion.code, m.ItemVersion.version.desc()))
    seen: dict[str, m.ItemVersion] = {}
    for r in rows:
        seen.setdefault(r.code, r)
    return list(seen.values())


@dataclass
class AuthRow:
    a: m.Authorization
    rev: m.Revocation | None
    person: m.Person | None
    backs: m.Authorization | None
    backs_person: m.Person | None
    status: str

    @property
    def grantee_label(self) -> str:
        if self.a.grantee_gov_service:
            return "政务服务部门（市政务服务中心）"
        return self.person.name if self.person else f"人员{self.a.grantee_person}"

    @property
    def minimum_missing(self) -> list[str]:
        minimum = vocab.GOV_SERVICE_MINIMUM if self.a.grantee_gov_service else vocab.CHIEF_REP_MINIMUM
        return [p for p in minimum if p not in self.a.powers]

    @property
    def expiring(self) -> bool:
        return (self.status == "valid" and self.a.valid_to is not None
                and as_utc(self.a.valid_to) - utcnow() <= EXPIRY_WARNING)


def _auth_rows(session, dept: str, now=None) -> list[AuthRow]:
    now = now or utcnow()
    auths = list(session.scalars(select(m.Authorization).where(m.Authorization.grantor == dept)
                                 .order_by(m.Authorization.id.desc())))
    ids = [a.id for a in auths]
    revs = {r.authorization: r for r in session.scalars(
        select(m.Revocation).where(m.Revocation.authorization.in_(ids)))} if ids else {}
    people = {p.id: p for p in _people(session, dept)}
    by_id = {a.id: a for a in auths}
    out = []
    for a in auths:
        backs = by_id.get(a.backs) if a.backs else None
        out.append(AuthRow(a, revs.get(a.id), people.get(a.grantee_person), backs,
                           people.get(backs.grantee_person) if backs else None,
                           auth_status(a, revs.get(a.id), now)))
    return out


def _post_gaps(rows: list[AuthRow]) -> list[str]:
    """Warnings about A/B posts: an A with no valid B backing it, a B whose A is not valid."""
    valid = [r for r in rows if r.status == "valid" and not r.a.grantee_gov_service]
    warnings = []
    backed = {r.a.backs for r in valid if r.a.post == "B"}
    for r in valid:
        if r.a.post == "A" and r.a.id not in backed:
            warnings.append(f"A岗 {r.grantee_label}（授权 #{r.a.id}）没有有效的B岗授权支撑")
        if r.a.post == "B" and (r.backs is None or not any(x.a.id == r.a.backs and x.status == "valid" for x in rows)):
            warnings.append(f"B岗 {r.grantee_label}（授权 #{r.a.id}）所支撑的A岗（#{r.a.backs}）已不在有效期内：A岗空缺")
    return warnings


def _signed_record(session, log_index: int | None) -> dict[str, Any] | None:
    if log_index is None or log_index < 0:
        return None
    entry = session.get(m.LogEntry, log_index)
    if entry is None:
        return None
    record, sig = parse_leaf(bytes(entry.leaf))
    from web.ui.names import Names, summarize
    return {"record": json.dumps(record, ensure_ascii=False, indent=2), "key_id": sig.key_id, "alg": sig.alg,
            "summary": summarize(record, Names(session)),
            "leaf_hash": entry.leaf_hash, "appended_at": entry.appended_at}


# --- the workspace -----------------------------------------------------------------------------

@bp.get("/dept/<dept>/")
@role_required("department")
def dept_home(dept):
    now = utcnow()
    with runtime().reading() as session:
        d = _department(session, dept)
        if d is None:
            return not_found(f"部门“{dept}”不存在")
        rows = _auth_rows(session, dept, now)
        items = _latest_items(session, dept)
        by_status = {s: sum(1 for i in items if i.status == s) for s in vocab.ITEM_STATUSES}
        returned = [i for i in items if i.status == "returned"]
        reasons = _last_reasons(session, [i.id for i in returned])
        alert_count = session.scalar(select(func.count()).select_from(m.Alert)
                                     .where(m.Alert.department == dept, m.Alert.state == "open")) or 0
        expiring = [r for r in rows if r.expiring]
        gov_valid = any(r.a.grantee_gov_service and r.status == "valid" for r in rows)
        chart = bar_chart([(vocab.ITEM_STATUSES[s], n) for s, n in by_status.items()], title="事项申报状态")
        from web.ui.findings_pages import open_count
        findings = open_count(session, dept)
        return render_template("dept/home.html", dept=dept, d=d, rows=rows, expiring=expiring, gaps=_post_gaps(rows),
                               gov_valid=gov_valid, by_status=by_status, returned=returned, reasons=reasons,
                               alert_count=alert_count, chart=chart, findings=findings,
                               valid_count=sum(1 for r in rows if r.status == "valid"))


def _last_reasons(session, version_ids: list[int]) -> dict[int, list[str]]:
    if not version_ids:
        return {}
    out: dict[int, list[str]] = {}
    for r in session.scalars(select(m.ItemReview).where(m.ItemReview.item_version.in_(version_ids))
                             .order_by(m.ItemReview.id)):
        out[r.item_version] = list(r.reasons or [])
    return out


# --- items (实施清单申报) -------------------------------------------------------------------------

@bp.get("/dept/<dept>/items")
@role_required("department")
def dept_items(dept):
    q, status = request.args.get("q", ""), request.args.get("status", "")
    with runtime().reading() as session:
        items = [i for i in _latest_items(session, dept)
                 if matches(q, i.name, i.code) and (not status or i.status == status)]
        page = paginate_list(items)
        reasons = _last_reasons(session, [i.id for i in page.rows if i.status == "returned"])
        return render_template("dept/items.html", dept=dept, page=page, reasons=reasons, q=q, status=status)


@bp.get("/dept/<dept>/items/<code>")
@role_required("department")
def dept_item(dept, code):
    with runtime().reading() as session:
        versions = list(session.scalars(select(m.ItemVersion).where(m.ItemVersion.code == code)
                                        .order_by(m.ItemVersion.version.desc())))
        if not versions or versions[0].department != dept:
            return not_found(f"本部门没有事项“{code}”")
        reviews: dict[int, list[m.ItemReview]] = {}
        for r in session.scalars(select(m.ItemReview).where(m.ItemReview.item_version.in_([v.id for v in versions]))
                                 .order_by(m.ItemReview.id)):
            reviews.setdefault(r.item_version, []).append(r)
        from web.ui.names import Names
        return render_template("dept/item.html", dept=dept, versions=versions, reviews=reviews, latest=versions[0],
                               names=Names(session))


def _item_choices(session) -> dict[str, Any]:
    return {"halls": list(session.scalars(select(m.Hall).order_by(m.Hall.code))),
            "sections": list(session.scalars(select(m.FunctionSection).order_by(m.FunctionSection.code))),
            "directory": list(session.scalars(select(m.DirectoryItem).order_by(m.DirectoryItem.code).limit(2000)))}


def _item_form_values(v: m.ItemVersion | None) -> dict[str, Any]:
    """A stored version as form values (to prefill a new version)."""
    if v is None:
        return {"on_application": "1", "case_type": "instant", "complexity": "simple", "online_depth": "on_site",
                "statutory_limit_unit": "working_day", "promised_limit_unit": "working_day",
                "promised_limit_2017_unit": "working_day"}
    out: dict[str, Any] = {"code": v.code, "directory_item": v.directory_item or "", "name": v.name,
                           "item_type": v.item_type, "case_type": v.case_type, "complexity": v.complexity,
                           "online_depth": v.online_depth, "function_section": v.function_section or "",
                           "entry_hall": (v.entry or {}).get("hall", ""), "partners": "、".join(v.partners or []),
                           "effective_from": ""}
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
    out["fees"] = "\n".join("|".join(str(f.get(k) or "") for k in ("code", "name", "basis", "standard"))
                            for f in v.fees or [])
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
        "code": code or (form.get("code") or "").strip(), "name": (form.get("name") or "").strip(),
        "directory_item": (form.get("directory_item") or "").strip() or None, "department": dept,
        "item_type": form.get("item_type") or None, "case_type": form.get("case_type") or None,
        "complexity": form.get("complexity") or "simple", "online_depth": form.get("online_depth") or "on_site",
        "on_application": form.get("on_application") == "1", "report_up": form.get("report_up") == "1",
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
        return render_template("dept/item_form.html", dept=dept, form=form, errors=errors, existing=existing,
                               **_item_choices(session)), status


@bp.route("/dept/<dept>/items/new", methods=["GET", "POST"])
@role_required("department")
def dept_item_new(dept):
    if request.method == "GET":
        return _render_item_form(dept, _item_form_values(None), FormErrors())
    return _file_item(dept, None)


@bp.route("/dept/<dept>/items/<code>/new", methods=["GET", "POST"])
@role_required("department")
def dept_item_version(dept, code):
    with runtime().reading() as session:
        latest = session.scalars(select(m.ItemVersion).where(m.ItemVersion.code == code)
                                 .order_by(m.ItemVersion.version.desc()).limit(1)).first()
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
        if data["effective_from"] is None:
            data["effective_from"] = ctx.now
        row = catalog.file_item(ctx, data)
        return row.code, row.version, row.log_index
    result, errors = file_with(action)
    if errors:
        return _render_item_form(dept, form, errors, existing, 422)
    code, version, log_index = result
    flash(f"已提交事项“{code}”第{version}版，待审改部门审核（日志序号 {log_index}）", "ok")
    return redirect(url_for("ui.dept_item", dept=dept, code=code))


# --- authorizations (授权书) ---------------------------------------------------------------------

@bp.get("/dept/<dept>/authorizations")
@role_required("department")
def dept_auths(dept):
    q, status, post = request.args.get("q", ""), request.args.get("status", ""), request.args.get("post", "")
    with runtime().reading() as session:
        rows = _auth_rows(session, dept)
        shown = [r for r in rows if matches(q, r.grantee_label) and (not status or r.status == status)
                 and (not post or (post == "gov" and r.a.grantee_gov_service) or r.a.post == post)]
        return render_template("dept/auths.html", dept=dept, page=paginate_list(shown), q=q, status=status,
                               post=post, gaps=_post_gaps(rows))


def _auth_form_context(session, dept: str) -> dict[str, Any]:
    rows = _auth_rows(session, dept)
    return {"people": _people(session, dept), "items": _latest_items(session, dept),
            "a_grants": [r for r in rows if r.a.post == "A" and r.status in ("valid", "pending")],
            "chief_powers": CHIEF_REP_POWERS}


def _auth_defaults(gov: bool) -> dict[str, Any]:
    from werkzeug.datastructures import MultiDict
    minimum = vocab.GOV_SERVICE_MINIMUM if gov else vocab.CHIEF_REP_MINIMUM
    return MultiDict([("items_scope", "*"), ("post", "A"), ("valid_from", local_input(utcnow()))]
                     + [("powers", p) for p in minimum])


def _render_auth_form(dept, form, errors, gov, status=200):
    with runtime().reading() as session:
        return render_template("dept/auth_form.html", dept=dept, form=form, errors=errors, gov=gov,
                               **_auth_form_context(session, dept)), status


@bp.route("/dept/<dept>/authorizations/new", methods=["GET", "POST"])
@role_required("department")
def dept_auth_new(dept):
    return _auth_new(dept, gov=False)


@bp.route("/dept/<dept>/authorizations/new-gov-service", methods=["GET", "POST"])
@role_required("department")
def dept_auth_new_gov(dept):
    return _auth_new(dept, gov=True)


def _auth_new(dept: str, gov: bool):
    if request.method == "GET":
        return _render_auth_form(dept, _auth_defaults(gov), FormErrors(), gov)
    form = request.form
    errors = FormErrors()
    data: dict[str, Any] = {"grantor": dept, "powers": form.getlist("powers")}
    if gov:
        data["grantee"], data["post"], data["backs"] = {"gov_service": True}, None, None
    else:
        data["grantee"] = {"person": parse_int(form.get("grantee_person"), "grantee.person", errors)}
        post = form.get("post") or None
        data["post"] = post
        backs = form.get("backs") or ""
        data["backs"] = int(backs) if post == "B" and backs.isdigit() else None
    data["items"] = "*" if form.get("items_scope", "*") == "*" else form.getlist("items")
    data["valid_from"] = parse_time(form.get("valid_from"), "valid_from", errors)
    data["valid_to"] = parse_time(form.get("valid_to"), "valid_to", errors)
    if errors:
        return _render_auth_form(dept, form, errors, gov, 422)

    def action(ctx):
        if data["valid_from"] is None:
            data["valid_from"] = ctx.now
        a = grants.file_authorization(ctx, data)
        return a.id, a.log_index, list(a.powers)
    result, errors = file_with(action)
    if errors:
        return _render_auth_form(dept, form, errors, gov, 422)
    auth_id, log_index, powers = result
    minimum = vocab.GOV_SERVICE_MINIMUM if gov else vocab.CHIEF_REP_MINIMUM
    missing = [vocab.ACTIONS[p] for p in minimum if p not in powers]
    if missing:
        flash("授权少于 XT-3.3.3 的最低授权（缺：" + "、".join(missing) + "），已登记，"
              "将在合规报告中列为“授权不到位”（XT-5.3）", "warn")
    flash(f"授权书 #{auth_id} 已签名并记入日志（序号 {log_index}）", "ok")
    return redirect(url_for("ui.dept_auth", dept=dept, auth_id=auth_id, filed=1))


def _one_auth(session, dept: str, auth_id: int) -> AuthRow | None:
    a = session.get(m.Authorization, auth_id)
    if a is None or a.grantor != dept:
        return None
    return next((r for r in _auth_rows(session, dept) if r.a.id == auth_id), None)


@bp.get("/dept/<dept>/authorizations/<int:auth_id>")
@role_required("department")
def dept_auth(dept, auth_id):
    with runtime().reading() as session:
        row = _one_auth(session, dept, auth_id)
        if row is None:
            return not_found(f"本部门没有授权 #{auth_id}")
        backed_by = [r for r in _auth_rows(session, dept) if r.a.backs == auth_id]
        items = {i.code: i.name for i in _latest_items(session, dept)}
        return render_template("dept/auth.html", dept=dept, row=row, backed_by=backed_by, items=items,
                               signed=_signed_record(session, row.a.log_index),
                               rev_signed=_signed_record(session, row.rev.log_index) if row.rev else None,
                               just_filed=request.args.get("filed") == "1")


@bp.route("/dept/<dept>/authorizations/<int:auth_id>/revoke", methods=["GET", "POST"])
@role_required("department")
def dept_auth_revoke(dept, auth_id):
    with runtime().reading() as session:
        row = _one_auth(session, dept, auth_id)
        if row is None:
            return not_found(f"本部门没有授权 #{auth_id}")
        backed_by = [r for r in _auth_rows(session, dept) if r.a.backs == auth_id and r.status == "valid"]

    def render(form, errors, status=200):
        return render_template("dept/revoke.html", dept=dept, row=row, backed_by=backed_by, form=form,
                               errors=errors), status

    if request.method == "GET":
        return render({"at": local_input(utcnow())}, FormErrors())
    form = request.form
    errors = FormErrors()
    at = parse_time(form.get("at"), "at", errors)
    reason = (form.get("reason") or "").strip()
    if errors:
        return render(form, errors, 422)
    result, errors = file_with(lambda ctx: _revoke(ctx, auth_id, at or ctx.now, reason))
    if errors:
        return render(form, errors, 422)
    flash(f"授权 #{auth_id} 已撤销，撤销记录已签名并记入日志（序号 {result[0]}，记录哈希 {result[1][:16]}…）", "ok")
    return redirect(url_for("ui.dept_auth", dept=dept, auth_id=auth_id))


def _revoke(ctx, auth_id, at, reason):
    rev = grants.revoke_authorization(ctx, auth_id, at, reason)
    return rev.log_index, rev.record_hash or ""


@bp.get("/dept/<dept>/authorizations/<int:auth_id>/letter")
@role_required("department")
def dept_auth_letter(dept, auth_id):
    with runtime().reading() as session:
        row = _one_auth(session, dept, auth_id)
        if row is None:
            return not_found(f"本部门没有授权 #{auth_id}")
        d = _department(session, dept)
        items = {i.code: i.name for i in _latest_items(session, dept)}
        target = public_url("ui.verify_hash", leaf_hash=row.a.record_hash) if row.a.record_hash else None
        return render_template("dept/letter.html", dept=dept, d=d, row=row, items=items,
                               qr=qr_svg(target) if target else None)


# --- absences (缺位) -----------------------------------------------------------------------------

@bp.route("/dept/<dept>/absences", methods=["GET", "POST"])
@role_required("department")
def dept_absences(dept):
    form, errors, status = {"from": local_input(utcnow())}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {"person": parse_int(form.get("person"), "person", errors),
                "from": parse_time(form.get("from"), "from", errors, required=True),
                "to": parse_time(form.get("to"), "to", errors), "reason": (form.get("reason") or "").strip()}
        if not errors:
            result, errors = file_with(lambda ctx: grants.file_absence(ctx, data).log_index)
            if not errors:
                flash(f"缺位已登记（日志序号 {result}）", "ok")
                return redirect(url_for("ui.dept_absences", dept=dept))
        errors, status = errors or FormErrors(), 422
    q = request.args.get("q", "")
    now = utcnow()
    with runtime().reading() as session:
        people = _people(session, dept)
        names = {p.id: p.name for p in people}
        rows = list(session.scalars(select(m.Absence).join(m.Person, m.Person.id == m.Absence.person)
                                    .where(m.Person.department == dept).order_by(m.Absence.from_.desc())))
        rows = [r for r in rows if matches(q, names.get(r.person))]
        page = paginate_list(rows)
        html = render_template("dept/absences.html", dept=dept, page=page, names=names,
                               people=people, form=form, errors=errors, q=q, now=now)
    note_personal_reads((r.person for r in page.rows), "absence.reason")
    return html, status


# --- seals and custody (印章保管) ---------------------------------------------------------------

def _holders(session, dept: str) -> list[m.Person]:
    """People holding a valid chief-representative authorization of the department."""
    ids = {r.a.grantee_person for r in _auth_rows(session, dept) if r.status == "valid" and r.a.grantee_person}
    return [p for p in _people(session, dept) if p.id in ids]


def _current_custody(session, seal_codes: list[str], now) -> dict[str, m.SealCustody]:
    """The custody in force per seal: the latest filing whose interval holds now."""
    out: dict[str, m.SealCustody] = {}
    if not seal_codes:
        return out
    for c in session.scalars(select(m.SealCustody).where(m.SealCustody.seal.in_(seal_codes))
                             .order_by(m.SealCustody.filed_at, m.SealCustody.id)):
        if as_utc(c.from_) <= now and (c.to is None or now < as_utc(c.to)):
            out[c.seal] = c
    return out


@bp.route("/dept/<dept>/seals", methods=["GET", "POST"])
@role_required("department")
def dept_seals(dept):
    form, errors, status = {"from": local_input(utcnow())}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {"seal": form.get("seal") or None, "person": parse_int(form.get("person"), "person", errors),
                "from": parse_time(form.get("from"), "from", errors),
                "to": parse_time(form.get("to"), "to", errors)}
        if not errors:
            def action(ctx):
                data["from"] = data["from"] or ctx.now
                return grants.file_seal_custody(ctx, data).log_index
            result, errors = file_with(action)
            if not errors:
                flash(f"印章保管人已登记（日志序号 {result}）", "ok")
                return redirect(url_for("ui.dept_seals", dept=dept))
        errors, status = errors or FormErrors(), 422
    now = utcnow()
    with runtime().reading() as session:
        seals = list(session.scalars(select(m.Seal).where(m.Seal.department == dept).order_by(m.Seal.code)))
        names = {p.id: p.name for p in _people(session, dept)}
        current = _current_custody(session, [s.code for s in seals], now)
        history = list(session.scalars(select(m.SealCustody).where(m.SealCustody.seal.in_([s.code for s in seals]))
                                       .order_by(m.SealCustody.id.desc()))) if seals else []
        return render_template("dept/seals.html", dept=dept, seals=seals, current=current, names=names,
                               page=paginate_list(history), holders=_holders(session, dept), form=form,
                               errors=errors), status


# --- people and staff filing (人员与备案) ---------------------------------------------------------

@bp.get("/dept/<dept>/staff")
@role_required("department")
def dept_staff(dept):
    return _render_staff(dept, {}, FormErrors(), {}, FormErrors())


def _render_staff(dept, person_form, person_errors, filing_form, filing_errors, status=200):
    q = request.args.get("q", "")
    with runtime().reading() as session:
        people = _people(session, dept)
        sections = {s.id: s for s in session.scalars(select(m.Section).where(m.Section.department == dept))}
        holders = {r.a.grantee_person: r.a.post for r in _auth_rows(session, dept) if r.status == "valid"}
        shown = [p for p in people if matches(q, p.name, p.position)]
        filings = list(session.scalars(select(m.StaffFiling).where(m.StaffFiling.department == dept)
                                       .order_by(m.StaffFiling.id.desc())))
        names = {p.id: p.name for p in people}
        return render_template("dept/staff.html", dept=dept, page=paginate_list(shown), people=people,
                               sections=sections, holders=holders, filings=filings[:50], names=names, q=q,
                               person_form=person_form, person_errors=person_errors, filing_form=filing_form,
                               filing_errors=filing_errors), status


@bp.post("/dept/<dept>/people")
@role_required("department")
def dept_person_new(dept):
    form = request.form
    errors = FormErrors()
    name = (form.get("name") or "").strip()
    if not name:
        errors.add("name", "必填")
    section = parse_int(form.get("section"), "section", errors, required=False)
    if errors:
        return _render_staff(dept, form, errors, {}, FormErrors(), 422)
    data = {"name": name, "department": dept, "section": section, "position": (form.get("position") or "").strip()}
    result, errors = file_with(lambda ctx: org.create_person(ctx, data).id)
    if errors:
        return _render_staff(dept, form, errors, {}, FormErrors(), 422)
    flash(f"已新增人员 {name}（编号 {result}）", "ok")
    return redirect(url_for("ui.dept_staff", dept=dept))


@bp.post("/dept/<dept>/staff-filings")
@role_required("department")
def dept_staff_file(dept):
    form = request.form
    people = []
    for key, value in form.items():
        if key.startswith("role_") and key[5:].isdigit() and value:
            people.append({"person": int(key[5:]), "role": value})
    data = {"department": dept, "people": people}
    result, errors = file_with(lambda ctx: org.file_staff(ctx, data).log_index)
    if errors:
        return _render_staff(dept, {}, FormErrors(), form, errors, 422)
    flash(f"已报政务服务部门备案（{len(people)}人，日志序号 {result}）", "ok")
    return redirect(url_for("ui.dept_staff", dept=dept))


# --- exemptions (不宜进驻) -------------------------------------------------------------------------

@bp.route("/dept/<dept>/exemptions", methods=["GET", "POST"])
@role_required("department")
def dept_exemptions(dept):
    form, errors, status = {"effective_from": local_input(utcnow())}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {"item": form.get("item") or "", "reason": form.get("reason") or "",
                "basis": (form.get("basis") or "").strip(),
                "effective_from": parse_time(form.get("effective_from"), "effective_from", errors, required=True),
                "effective_to": parse_time(form.get("effective_to"), "effective_to", errors)}
        if not data["item"]:
            errors.add("item", "请选择事项")
        if not errors:
            result, errors = file_with(lambda ctx: grants.request_exemption(ctx, data).id)
            if not errors:
                flash(f"不宜进驻申请 #{result} 已提交，待市人民政府批准", "ok")
                return redirect(url_for("ui.dept_exemptions", dept=dept))
        errors, status = errors or FormErrors(), 422
    with runtime().reading() as session:
        items = _latest_items(session, dept)
        rows = list(session.scalars(select(m.Exemption).where(m.Exemption.department == dept)
                                    .order_by(m.Exemption.id.desc())))
        decisions = {x.exemption: x for x in session.scalars(
            select(m.ExemptionDecision).where(m.ExemptionDecision.exemption.in_([r.id for r in rows])))} if rows else {}
        return render_template("dept/exemptions.html", dept=dept, page=paginate_list(rows), decisions=decisions,
                               items=items, names={i.code: i.name for i in items}, form=form,
                               errors=errors), status


# --- delegation (事进人不进) -----------------------------------------------------------------------

@bp.route("/dept/<dept>/delegations", methods=["GET", "POST"])
@role_required("department")
def dept_delegations(dept):
    form, errors, status = {"from": local_input(utcnow()), "items_scope": "*"}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {"department": dept,
                "items": "*" if form.get("items_scope", "*") == "*" else form.getlist("items"),
                "from": parse_time(form.get("from"), "from", errors),
                "to": parse_time(form.get("to"), "to", errors)}
        if not errors:
            def action(ctx):
                data["from"] = data["from"] or ctx.now
                return grants.file_delegation(ctx, data).log_index
            result, errors = file_with(action)
            if not errors:
                flash(f"已委托政务服务部门受理（日志序号 {result}）", "ok")
                return redirect(url_for("ui.dept_delegations", dept=dept))
        errors, status = errors or FormErrors(), 422
    with runtime().reading() as session:
        d = _department(session, dept)
        items = _latest_items(session, dept)
        rows = list(session.scalars(select(m.Delegation).where(m.Delegation.department == dept)
                                    .order_by(m.Delegation.id.desc())))
        return render_template("dept/delegations.html", dept=dept, d=d, page=paginate_list(rows), items=items,
                               names={i.code: i.name for i in items}, form=form, errors=errors,
                               now=utcnow()), status


# --- 人员离岗/调动: one step, one transaction ------------------------------------------------------

def _departure_plan(session, dept: str, person_id: int, now) -> dict[str, Any]:
    rows = _auth_rows(session, dept, now)
    mine = [r for r in rows if r.a.grantee_person == person_id and r.status in ("valid", "pending")
            and r.rev is None]
    my_a = {r.a.id for r in mine if r.a.post == "A"}
    orphaned_b = [r for r in rows if r.a.post == "B" and r.a.backs in my_a and r.status == "valid"
                  and r.a.grantee_person != person_id]
    my_b_backs = [r for r in mine if r.a.post == "B"]
    seals = list(session.scalars(select(m.Seal).where(m.Seal.department == dept).order_by(m.Seal.code)))
    current = _current_custody(session, [s.code for s in seals], now)
    held = [s for s in seals if current.get(s.code) and current[s.code].person == person_id]
    successors = [p for p in _holders(session, dept) if p.id != person_id]
    warnings = [f"B岗 {r.grantee_label}（授权 #{r.a.id}）所支撑的A岗将空缺：请尽快授予新的A岗并让B岗改为支撑新A岗"
                for r in orphaned_b]
    warnings += [f"撤销后，A岗授权 #{r.a.backs} 将失去B岗支撑" for r in my_b_backs if r.a.backs]
    if held and not successors:
        warnings.append("本部门没有其他持有效首席代表授权的人员，无法移交印章：请先授权接任人")
    return {"grants": mine, "seals": held, "successors": successors, "warnings": warnings, "orphaned_b": orphaned_b}


@bp.route("/dept/<dept>/departure", methods=["GET", "POST"])
@role_required("department")
def dept_departure(dept):
    src = request.form if request.method == "POST" else request.args
    errors = FormErrors()
    now = utcnow()
    person_id = parse_int(src.get("person"), "person", errors, required=False)
    with runtime().reading() as session:
        people = _people(session, dept)
        person = next((p for p in people if p.id == person_id), None)
        if person_id is not None and person is None:
            return forbidden("只能为本部门人员办理离岗/调动")
        plan = _departure_plan(session, dept, person_id, now) if person else None
        grant_people = {r.a.grantee_person for r in _auth_rows(session, dept, now) if r.status == "valid"}
    form = dict(src.items()) if request.method == "POST" else {"at": local_input(now), "kind": "离岗",
                                                               "person": src.get("person", "")}

    def render(status=200, done=None):
        return render_template("dept/departure.html", dept=dept, people=people, person=person, plan=plan,
                               grant_people=grant_people, form=form, errors=errors, done=done), status

    if request.method == "GET" or person is None:
        if request.method == "POST":
            errors.add("person", "请选择人员")
            return render(422)
        return render()
    at = parse_time(src.get("at"), "at", errors)
    kind = src.get("kind") or "离岗"
    note = (src.get("reason") or "").strip()
    reason = f"{kind}：{note}" if note else kind
    successors: dict[str, int] = {}
    for seal in plan["seals"]:
        sid = parse_int(src.get(f"successor_{seal.code}"), f"successor_{seal.code}", errors)
        if sid is not None:
            if sid not in {p.id for p in plan["successors"]}:
                errors.add(f"successor_{seal.code}", "接任人须为本部门持有效首席代表授权的其他人员")
            successors[seal.code] = sid
    if not plan["grants"] and not plan["seals"]:
        errors.add("person", f"{person.name}没有有效授权，也不保管印章：无需办理")
    if errors:
        return render(422)

    def action(ctx):
        when = at or ctx.now
        revoked, moved = [], []
        for r in plan["grants"]:
            rev = grants.revoke_authorization(ctx, r.a.id, when, reason)
            revoked.append((r.a.id, rev.log_index))
        for code, sid in successors.items():
            c = grants.file_seal_custody(ctx, {"seal": code, "person": sid, "from": when, "to": None})
            moved.append((code, sid, c.log_index))
        return revoked, moved
    result, ferrors = file_with(action)
    if ferrors:
        errors.detail, errors.fields = ferrors.detail, ferrors.fields
        return render(422)
    revoked, moved = result
    names = {p.id: p.name for p in people}
    flash(f"{person.name}{kind}已办理：撤销授权 {len(revoked)} 份，移交印章 {len(moved)} 枚", "ok")
    for w in plan["warnings"]:
        flash(w, "warn")
    done = {"revoked": revoked, "moved": [(c, names.get(s, s), i) for c, s, i in moved]}
    plan = None
    return render(200, done)


# --- alerts of the department ------------------------------------------------------------------

@bp.route("/dept/<dept>/alerts", methods=["GET"])
@role_required("department")
def dept_alerts(dept):
    from web.ui.auditor import alert_list
    return alert_list(department=dept, template="dept/alerts.html", dept=dept)


@bp.post("/dept/<dept>/alerts/<int:alert_id>/ack")
@role_required("department")
def dept_alert_ack(dept, alert_id):
    from web.ui.auditor import acknowledge
    return acknowledge(alert_id, department=dept,
                       back=url_for("ui.dept_alerts", dept=dept))


# --- the department's own compliance findings ----------------------------------------------------

@bp.get("/dept/<dept>/compliance")
@role_required("department")
def dept_compliance(dept):
    from web.ui.reform import compliance_page
    return compliance_page(dept, "reform/compliance.html")
