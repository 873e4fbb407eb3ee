"""API views over the grants and the government's decisions (docs/design.md §8): authorizations
and their revocations, absences, delegations, seal custody, staff filings, exemptions, the
approvals of sub-halls and of the citizens' home opening, exceptions."""

from __future__ import annotations

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import object_session

from registry import models as m
from registry.services import grants, org
from web.api import serialize as ser
from web.api import schemas as s
from web.api.listing import LIST_QUERY, listing
from web.api.problems import problem
from web.api.records import LIST, file, filed, listed, of_own_department
from web.api.routing import filing, route
from web.access import note_personal_reads

DEPARTMENT = ("department",)
GOVERNMENT = ("government",)


def _authorization(a: m.Authorization):
    rev = object_session(a).scalar(select(m.Revocation).where(m.Revocation.authorization == a.id))
    return ser.authorization(a, rev)


def _file_authorization(ctx, data):
    data["grantee"] = {"gov_service": True} if "gov_service" in data["grantee"] else data["grantee"]
    data["valid_from"] = data["valid_from"] or ctx.now
    return grants.file_authorization(ctx, data)


listed(
    "/authorizations",
    "授权书列表",
    m.Authorization,
    _authorization,
    m.Authorization.grantor,
    name="list_authorizations",
)
filed(
    "/authorizations",
    "提交授权书（授权部门）",
    s.AuthorizationIn,
    DEPARTMENT,
    _file_authorization,
    ser.authorization,
    name="file_authorization",
)


@filing("/authorizations/{auth_id}/revoke", "撤销授权", body=s.RevocationIn, roles=DEPARTMENT)
def revoke_authorization(auth_id: str, body: s.RevocationIn):
    if not auth_id.isdigit():
        return problem(404, "记录不存在", f"授权“{auth_id}”不存在")
    return file(
        lambda ctx: grants.revoke_authorization(ctx, int(auth_id), body.at or ctx.now, body.reason), ser.revocation
    )


listed(
    "/revocations",
    "撤销记录",
    select(m.Revocation)
    .join(m.Authorization, m.Authorization.id == m.Revocation.authorization)
    .order_by(m.Revocation.id),
    ser.revocation,
    m.Authorization.grantor,
    name="list_revocations",
)


@route("GET", "/absences", "缺位记录", query=LIST_QUERY, response=LIST)
def list_absences():
    mask = g.principal.role == "auditor"
    stmt = select(m.Absence).join(m.Person, m.Person.id == m.Absence.person).order_by(m.Absence.id)
    out = listing(stmt, lambda a: ser.absence(a, mask=mask), m.Person.department)
    if isinstance(out, dict) and not mask:
        note_personal_reads((row["person"] for row in out["items"]), "absence.reason")
    return out


def _file_custody(ctx, data):
    data["from"] = data.get("from") or ctx.now
    return grants.file_seal_custody(ctx, data)


def _exemption(e: m.Exemption):
    d = object_session(e).scalar(select(m.ExemptionDecision).where(m.ExemptionDecision.exemption == e.id))
    return ser.exemption(e, d)


filed("/absences", "登记缺位", s.AbsenceIn, DEPARTMENT, grants.file_absence, ser.absence, name="file_absence")
listed("/delegations", "事进人不进委托", m.Delegation, ser.delegation, m.Delegation.department, name="list_delegations")
filed(
    "/delegations",
    "委托政务服务部门受理（事进人不进）",
    s.DelegationIn,
    DEPARTMENT,
    of_own_department(grants.file_delegation),
    ser.delegation,
    name="file_delegation",
)
listed(
    "/seal-custody",
    "印章保管记录",
    select(m.SealCustody).join(m.Seal, m.Seal.code == m.SealCustody.seal).order_by(m.SealCustody.id),
    ser.custody,
    m.Seal.department,
    name="list_custody",
)
filed("/seal-custody", "指定印章保管人", s.SealCustodyIn, DEPARTMENT, _file_custody, ser.custody, name="file_custody")
listed(
    "/staff-filings",
    "首席代表及进驻人员备案",
    m.StaffFiling,
    ser.staff_filing,
    m.StaffFiling.department,
    name="list_staff",
)
filed(
    "/staff-filings",
    "报备首席代表及进驻人员",
    s.StaffFilingIn,
    DEPARTMENT,
    of_own_department(org.file_staff),
    ser.staff_filing,
    name="file_staff",
)
listed("/exemptions", "不宜进驻申请", m.Exemption, _exemption, m.Exemption.department, name="list_exemptions")
filed(
    "/exemptions",
    "申请不宜进驻",
    s.ExemptionIn,
    DEPARTMENT,
    grants.request_exemption,
    lambda e: ser.exemption(e, None),
    name="request_exemption",
)


@filing(
    "/exemptions/{exemption_id}/decision",
    "批准或不批准不宜进驻（市人民政府）",
    body=s.ExemptionDecisionIn,
    roles=GOVERNMENT,
)
def decide_exemption(exemption_id: str, body: s.ExemptionDecisionIn):
    if not exemption_id.isdigit():
        return problem(404, "记录不存在", f"申请“{exemption_id}”不存在")
    return file(
        lambda ctx: grants.decide_exemption(ctx, int(exemption_id), body.result, body.document_no),
        lambda d: ser.fields(
            d, "id", "exemption", "result", "document_no", "filed_at", "log_index", "record_hash", "signature"
        ),
    )


# the government's and the reform office's decisions, read by every signed-in role:
# (path, noun, model, present, summary of the filing, body, file, roles, view names' stem)
DECISIONS = (
    (
        "/hall-approvals",
        "专业分厅保留批准",
        m.HallApproval,
        ser.hall_approval,
        "批准保留专业分厅（市人民政府）",
        s.HallApprovalIn,
        org.file_hall_approval,
        GOVERNMENT,
        "hall_approval",
    ),
    (
        "/citizens-home-opening",
        "市民之家启用日期",
        m.CitizensHomeOpening,
        ser.opening,
        "确定市民之家启用日期（市人民政府）",
        s.CitizensHomeOpeningIn,
        org.file_citizens_home_opening,
        GOVERNMENT,
        "opening",
    ),
    (
        "/exceptions",
        "例外记录",
        m.PolicyException,
        ser.exception,
        "记录例外（审改部门）",
        s.ExceptionIn,
        grants.file_exception,
        ("reform_office",),
        "exception",
    ),
)


def _decision(path, noun, model, present, summary, body, action, roles, stem) -> None:
    listed(path, noun, model, present, name=f"list_{stem}s")
    filed(path, summary, body, roles, action, present, name=f"file_{stem}")


for _kind in DECISIONS:
    _decision(*_kind)
