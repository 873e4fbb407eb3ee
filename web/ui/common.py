"""What every page needs: role checks, the client address, form errors next to their fields,
paging, times in Asia/Shanghai, Chinese labels, pinyin search keys, QR codes and small charts."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import func, select

import vocab
from registry.search import Page
from web.context import runtime
from vocab.clock import SHANGHAI, as_utc

PER_PAGE = 30

# The workspace of each role (docs/design.md §1); a department's takes its code.
ROLE_HOME = {
    "department": "ui.dept.dept_home",
    "government": "ui.gov.gov_home",
    "reform_office": "ui.reform.reform_home",
    "window": "ui.window.window_ask",
    "auditor": "ui.audit.audit_home",
    "gov_service": "ui.gs.gs_home",
    "drc": "ui.drc.drc_home",
}


def home_url(principal) -> str:
    endpoint = ROLE_HOME.get(principal.role)
    if endpoint is None:
        return url_for("ui.login")
    if principal.role == "department":
        return url_for(endpoint, dept=principal.department)
    return url_for(endpoint)


# --- access ------------------------------------------------------------------------------------


def forbidden(message: str = "您的账号无权打开此页面", status: int = 403):
    return render_template("error.html", title="无权访问", message=message, status=status), status


def not_found(message: str = "所请求的记录不存在"):
    return render_template("error.html", title="未找到", message=message, status=404), 404


def refusal(roles: Sequence[str], view_args: dict[str, Any] | None, dept_arg: str = "dept"):
    """Why the signed-in principal may not open a page of `roles` (None: it may). Anonymous → 302
    to the login page; the wrong role → 403; a department user opening another department's page
    (the `dept` URL argument) → 403."""
    principal = getattr(g, "principal", None)
    if principal is None:
        return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
    if principal.role not in roles:
        wanted = "、".join(vocab.ROLES.get(r, r) for r in roles)
        return forbidden(f"此页面仅供{wanted}使用；您的角色是{vocab.ROLES.get(principal.role, principal.role)}")
    dept = (view_args or {}).get(dept_arg)
    if dept is not None and principal.role == "department" and dept != principal.department:
        return forbidden(
            f"只能办理本部门（{department_name(principal.department)}）的事务，不能打开{department_name(dept)}的页面"
        )
    return None


# Each role's pages are one blueprint nested in `ui` (endpoints `ui.<name>.<view>`), named here.
ROLE_BLUEPRINTS = {
    "department": "dept",
    "government": "gov",
    "reform_office": "reform",
    "window": "window",
    "auditor": "audit",
    "gov_service": "gs",
    "drc": "drc",
}


class RolePages:
    """The pages of one role (docs/design.md §1): the role's own blueprint, nested in `ui`, whose
    `before_request` checks the role for every view on it, so no page of the role can be added
    without the check. Modules of one role share the blueprint (`RolePages("department")` in
    each department module)."""

    _blueprints: dict[str, Blueprint] = {}

    def __init__(self, role: str) -> None:
        self.roles = (role,)
        self.blueprint = self._blueprints.get(role) or self._create(role)

    @classmethod
    def _create(cls, role: str) -> Blueprint:
        from web.ui import bp

        child = Blueprint(ROLE_BLUEPRINTS[role], __name__)
        child.before_request(lambda: refusal((role,), request.view_args))
        bp.register_blueprint(child)
        cls._blueprints[role] = child
        return child

    def route(self, rule: str, **options: Any) -> Callable[[Callable], Callable]:
        def decorate(view: Callable) -> Callable:
            view.roles = self.roles  # type: ignore[attr-defined]  (what a page declares: tests read it)
            return self.blueprint.route(rule, **options)(view)

        return decorate

    def get(self, rule: str, **options: Any) -> Callable[[Callable], Callable]:
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options: Any) -> Callable[[Callable], Callable]:
        return self.route(rule, methods=["POST"], **options)


def client_address() -> str:
    return request.remote_addr or "?"


# --- forms (web.ui.forms; named here too, where the pages have always found them) ---------------

from web.ui.forms import (  # noqa: E402,F401
    FormErrors,
    Outcome,
    act_with,
    file_with,
    from_now,
    local_input,
    parse_int,
    parse_time,
    period,
    split_codes,
    submit,
    touch_policy,
)


# --- paging (registry.search.Page: one page of a list) ---------------------------------------

EXPORT_ROWS = 10_000  # an xlsx download holds the whole list (web.ui.table_export), up to this many rows


def exporting() -> bool:
    """This request asks for the list as an xlsx download (`?format=xlsx`): every page at once."""
    return request.args.get("format") == "xlsx"


def page_number() -> int:
    """The page asked for; 1 for anything that is not a page number (web.input_guard)."""
    if exporting():
        return 1
    from web.input_guard import page_number as parse

    return parse(request.args.get("page"), 1) or 1


def paginate(session, stmt, per_page: int = PER_PAGE) -> Page:
    page, per_page = page_number(), EXPORT_ROWS if exporting() else per_page
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)))
    return Page(rows, page, per_page, total)


def paginate_rows(session, stmt, per_page: int = PER_PAGE) -> Page:
    """Like paginate, for statements selecting several columns (rows, not scalars)."""
    page, per_page = page_number(), EXPORT_ROWS if exporting() else per_page
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.execute(stmt.offset((page - 1) * per_page).limit(per_page)))
    return Page(rows, page, per_page, total)


def paginate_list(rows: Sequence[Any], per_page: int = PER_PAGE) -> Page:
    page, per_page = page_number(), EXPORT_ROWS if exporting() else per_page
    return Page(list(rows[(page - 1) * per_page : page * per_page]), page, per_page, len(rows))


def page_url(n: int) -> str:
    args = request.args.to_dict()
    args["page"] = n
    return url_for(request.endpoint, **(request.view_args or {}), **args)


# --- search keys (name, full pinyin, initials) -------------------------------------------------


@lru_cache(maxsize=50_000)
def search_keys(text: str) -> str:
    """`张建国` → `张建国 zhangjianguo zjg`: what a clerk may type to find it."""
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(text, style=Style.NORMAL, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return f"{text.lower()} {full} {initials}"


def matches(query: str, *texts: str | None) -> bool:
    q = re.sub(r"\s+", "", (query or "").lower())
    if not q:
        return True
    return any(t and (q in t.lower() or q in search_keys(t).replace(" ", "|")) for t in texts)


# --- presentation ----------------------------------------------------------------------------


def fmt_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return as_utc(value).astimezone(SHANGHAI).strftime(fmt)


def label(code: Any, vocabulary: str | dict[str, str]) -> str:
    table = vocab.VOCABULARIES.get(vocabulary, {}) if isinstance(vocabulary, str) else vocabulary
    if code is None:
        return ""
    return table.get(code, str(code))


def limit_text(limit: dict[str, Any] | None) -> str:
    if not limit:
        return "—"
    value = limit.get("value")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value}{vocab.LIMIT_UNITS.get(limit.get('unit'), limit.get('unit') or '')}"


def public_url(endpoint: str, **values: Any) -> str:
    """An address citizens can open: the deployment's public URL (app config PUBLIC_URL, set from
    ONEHALL_PUBLIC_URL) when it is set, else this request's own host."""
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def qr_svg(data: str, scale: int = 3) -> Markup:
    """A QR code as inline SVG (segno), no external service, no script."""
    import segno

    svg = segno.make(data, error="m").svg_inline(scale=scale, border=2, dark="#000", light="#fff")
    return Markup(svg)


def bar_chart(
    rows: Iterable[tuple], *, width: int = 520, bar_height: int = 18, color: str = "#b71c1c", title: str = ""
) -> Markup:
    """A horizontal bar chart as inline SVG, rendered on the server; a row (name, value, href)
    makes its bar a link (a drill-down)."""
    rows = list(rows)
    if not rows:
        return Markup('<p class="muted">暂无数据</p>')
    label_w, gap, pad = 170, 6, 4
    top = 22 if title else 4
    biggest = max((r[1] for r in rows), default=0) or 1
    height = top + len(rows) * (bar_height + gap) + pad
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">'
    ]
    if title:
        parts.append(f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>')
    span = width - label_w - 50
    for i, (name, value, *link) in enumerate(rows):
        y = top + i * (bar_height + gap)
        if link and link[0]:
            parts.append(f'<a href="{escape(link[0])}">')
        w = max(1, int(span * (value / biggest))) if value else 0
        shown = int(value) if float(value).is_integer() else round(value, 1)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_height - 5}" font-size="12" text-anchor="end">'
            f"{escape(name[:14])}</text>"
        )
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_height}" fill="{color}" rx="2"/>')
        parts.append(f'<text x="{label_w + w + 4}" y="{y + bar_height - 5}" font-size="12">{shown}</text>')
        if link and link[0]:
            parts.append("</a>")
    parts.append("</svg>")
    return Markup("".join(parts))


# --- authorizations: status at a moment ------------------------------------------------------

AUTH_STATUS = {"valid": "有效", "revoked": "已撤销", "expired": "已过期", "pending": "未生效"}


def auth_status(auth, revocation, now: datetime) -> str:
    if revocation is not None and as_utc(revocation.at) <= now:
        return "revoked"
    if auth.valid_to is not None and as_utc(auth.valid_to) <= now:
        return "expired"
    if as_utc(auth.valid_from) > now:
        return "pending"
    return "valid"


@lru_cache(maxsize=512)
def _department_name(code: str, generation: int) -> str:
    from registry import models as m

    with runtime().reading() as session:
        d = session.get(m.Department, code)
        return d.name if d is not None else code


def department_name(code: str | None) -> str:
    """A department's name for the page header (cached per registry generation of this worker)."""
    if not code:
        return ""
    return _department_name(code, id(runtime()))


def install_template_helpers(bp) -> None:
    @bp.app_template_filter("local")
    def _local(value, fmt="%Y-%m-%d %H:%M"):
        return fmt_local(value, fmt)

    @bp.app_template_filter("localdate")
    def _localdate(value):
        return fmt_local(value, "%Y-%m-%d")

    @bp.app_template_filter("label")
    def _label(code, vocabulary):
        return label(code, vocabulary)

    @bp.app_template_filter("limit")
    def _limit(value):
        return limit_text(value)

    @bp.app_template_filter("short")
    def _short(value, n=12):
        return "" if not value else (value[:n] + "…" if len(value) > n else value)

    # Globals (not context values), so imported macros see them too.
    bp.add_app_template_global(vocab, "vocab")
    bp.add_app_template_global(page_url, "page_url")
    bp.add_app_template_global(AUTH_STATUS, "AUTH_STATUS")
    bp.add_app_template_global(department_name, "dept_name_of")

    @bp.app_context_processor
    def _globals():
        principal = getattr(g, "principal", None)
        return {
            "principal": principal,
            "home_url": home_url(principal) if principal is not None else url_for("ui.login"),
        }
