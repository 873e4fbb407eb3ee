"""A department's workspace (role `department`, scoped to its own department, docs/design.md §1):
items, chief-representative and government-service authorizations, absences, seal custody,
staff filing, exemption requests, delegation, and the one-step 人员离岗/调动 page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import render_template, url_for
from sqlalchemy import func, select

from registry import models as m
import vocab
from signing.records import parse_leaf
from web.context import runtime
from web.ui.common import RolePages, auth_status, bar_chart, not_found
from vocab.clock import as_utc, utcnow

pages = RolePages("department")

EXPIRY_WARNING = timedelta(days=30)
CHIEF_REP_POWERS = [a for a in vocab.ACTIONS if a not in vocab.GOV_SERVICE_MINIMUM]


# --- reading helpers ---------------------------------------------------------------------------


def _department(session, code: str) -> m.Department | None:
    return session.get(m.Department, code)


def _people(session, dept: str) -> list[m.Person]:
    return list(session.scalars(select(m.Person).where(m.Person.department == dept).order_by(m.Person.name)))


def _latest_items(session, dept: str) -> list[m.ItemVersion]:
    """The newest version of each of the department's items, whatever its status."""
    rows = session.scalars(
        select(m.ItemVersion)
        .where(m.ItemVersion.department == dept)
        .order_by(m.ItemVersion.code, m.ItemVersion.version.desc())
    )
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
        return (
            self.status == "valid"
            and self.a.valid_to is not None
            and as_utc(self.a.valid_to) - utcnow() <= EXPIRY_WARNING
        )


def _auth_rows(session, dept: str, now=None) -> list[AuthRow]:
    now = now or utcnow()
    auths = list(
        session.scalars(
            select(m.Authorization).where(m.Authorization.grantor == dept).order_by(m.Authorization.id.desc())
        )
    )
    ids = [a.id for a in auths]
    revs = (
        {r.authorization: r for r in session.scalars(select(m.Revocation).where(m.Revocation.authorization.in_(ids)))}
        if ids
        else {}
    )
    people = {p.id: p for p in _people(session, dept)}
    by_id = {a.id: a for a in auths}
    out = []
    for a in auths:
        backs = by_id.get(a.backs) if a.backs else None
        out.append(
            AuthRow(
                a,
                revs.get(a.id),
                people.get(a.grantee_person),
                backs,
                people.get(backs.grantee_person) if backs else None,
                auth_status(a, revs.get(a.id), now),
            )
        )
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
            warnings.append(
                f"B岗 {r.grantee_label}（授权 #{r.a.id}）所支撑的A岗（#{r.a.backs}）已不在有效期内：A岗空缺"
            )
    return warnings


def _signed_record(session, log_index: int | None) -> dict[str, Any] | None:
    if log_index is None or log_index < 0:
        return None
    entry = session.get(m.LogEntry, log_index)
    if entry is None:
        return None
    record, sig = parse_leaf(bytes(entry.leaf))
    from web.ui.names import Names, summarize

    return {
        "record": json.dumps(record, ensure_ascii=False, indent=2),
        "key_id": sig.key_id,
        "alg": sig.alg,
        "summary": summarize(record, Names(session)),
        "leaf_hash": entry.leaf_hash,
        "appended_at": entry.appended_at,
    }


# --- the workspace -----------------------------------------------------------------------------


@pages.get("/dept/<dept>/")
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
        alert_count = (
            session.scalar(
                select(func.count()).select_from(m.Alert).where(m.Alert.department == dept, m.Alert.state == "open")
            )
            or 0
        )
        expiring = [r for r in rows if r.expiring]
        gov_valid = any(r.a.grantee_gov_service and r.status == "valid" for r in rows)
        chart = bar_chart([(vocab.ITEM_STATUSES[s], n) for s, n in by_status.items()], title="事项申报状态")
        from web.ui.findings_pages import open_count

        findings = open_count(session, dept)
        return render_template(
            "dept/home.html",
            dept=dept,
            d=d,
            rows=rows,
            expiring=expiring,
            gaps=_post_gaps(rows),
            gov_valid=gov_valid,
            by_status=by_status,
            returned=returned,
            reasons=reasons,
            alert_count=alert_count,
            chart=chart,
            findings=findings,
            valid_count=sum(1 for r in rows if r.status == "valid"),
        )


def _last_reasons(session, version_ids: list[int]) -> dict[int, list[str]]:
    if not version_ids:
        return {}
    out: dict[int, list[str]] = {}
    for r in session.scalars(
        select(m.ItemReview).where(m.ItemReview.item_version.in_(version_ids)).order_by(m.ItemReview.id)
    ):
        out[r.item_version] = list(r.reasons or [])
    return out


# --- alerts of the department ------------------------------------------------------------------


@pages.route("/dept/<dept>/alerts", methods=["GET"])
def dept_alerts(dept):
    from web.ui.auditor import alert_list

    return alert_list(department=dept, template="dept/alerts.html", dept=dept)


@pages.post("/dept/<dept>/alerts/<int:alert_id>/ack")
def dept_alert_ack(dept, alert_id):
    from web.ui.auditor import acknowledge

    return acknowledge(alert_id, department=dept, back=url_for("ui.dept.dept_alerts", dept=dept))


# --- the department's own compliance findings ----------------------------------------------------


@pages.get("/dept/<dept>/compliance")
def dept_compliance(dept):
    from web.ui.reform import compliance_page

    return compliance_page(dept, "reform/compliance.html")
