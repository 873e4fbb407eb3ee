"""API views over the registry: the collections of docs/design.md §8 and their filings."""

from __future__ import annotations

from typing import Any, Callable

from flask import g, request, url_for
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import object_session

from registry import models as m
from registry.services import catalog, grants, org
from registry.services.catalog import published_items
from web.api import serialize as ser
from web.api import schemas as s
from web.api.listing import LIST_QUERY, listing, page_args
from web.api.problems import problem
from web.api.routing import filing, route
from web.access import note_personal_reads
from application.runtime import actor_of
from web.context import runtime

LIST = {
    "type": "object",
    "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"type": "object"}}, "next": {"type": ["string", "null"]}},
}
OBJ = {"type": "object"}


def file(action: Callable[[Any], Any], present: Callable[[Any], dict[str, Any]], status: int = 201):
    """Run one filing in one transaction; a refused filing changes nothing."""
    with runtime().filing(actor_of(g.principal)) as ctx:
        row = action(ctx)
        out = present(row)
    runtime_policy_touch()
    return out, status


def runtime_policy_touch() -> None:
    """Let this worker's decision index see the filing at once (others see it via the feed)."""
    host = runtime().policy_if_ready
    if host is not None:
        host.refresh()


def dump(body, *, by_alias: bool = False) -> dict[str, Any]:
    data = body.model_dump(by_alias=by_alias)
    if "from_" in data:
        data["from"] = data.pop("from_")
    return data


# --- reference data: readable by every signed-in role -------------------------------------


def _reference_data(
    path: str,
    noun: str,
    model: Any,
    serialize: Callable[..., Any],
    body: type[BaseModel],
    create: Callable[..., Any],
    roles: tuple[str, ...],
    created: str,
    scope: Any = None,
) -> None:
    """One kind of reference data: its list (every signed-in role; `scope`, a department's own
    rows) and its filing (`roles`), as `list_<path>` and `create_<path minus s>`."""
    name = path.strip("/")

    def lister():
        return listing(
            select(model).order_by(*model.__mapper__.primary_key), serialize, *([scope] if scope is not None else [])
        )

    def creator(body: BaseModel):
        return file(lambda ctx: create(ctx, dump(body)), serialize)

    lister.__name__, creator.__name__ = f"list_{name}", f"create_{name[:-1]}"
    route("GET", path, f"{noun}列表", query=LIST_QUERY, response=LIST)(lister)
    filing(path, created, body=body, roles=roles)(creator)


for _args in (
    (
        "/departments",
        "部门",
        m.Department,
        ser.department,
        s.DepartmentIn,
        org.create_department,
        ("gov_service",),
        "新增部门",
    ),
    (
        "/sections",
        "科室",
        m.Section,
        ser.section,
        s.SectionIn,
        org.create_section,
        ("gov_service", "department"),
        "新增科室",
        m.Section.department,
    ),
    ("/halls", "大厅", m.Hall, ser.hall, s.HallIn, org.create_hall, ("gov_service",), "新增大厅"),
    (
        "/places",
        "场所",
        m.Place,
        ser.place,
        s.PlaceIn,
        org.create_place,
        ("gov_service",),
        "新增场所（窗口、内部科室）",
    ),
    ("/seals", "印章", m.Seal, ser.seal, s.SealIn, org.create_seal, ("gov_service",), "登记印章"),
):
    _reference_data(*_args)


@route("GET", "/people", "人员列表", query=LIST_QUERY, response=LIST)
def list_people():
    role = g.principal.role
    stmt = select(m.Person).order_by(m.Person.id)
    if role == "window":  # names only; a window bound to a place reads its hall's people (design §1)
        from registry import search

        with runtime().reading() as session:
            hall = search.hall_of_place(session, g.principal.place)
        if hall:
            stmt = stmt.where(search.of_hall(hall))
        return listing(stmt, lambda p: ser.person(p, names_only=True))
    out = listing(stmt, ser.person, m.Person.department)
    if isinstance(out, dict):
        note_personal_reads((row["id"] for row in out["items"]), "person.details")
    return out


@filing("/people", "新增人员", body=s.PersonIn, roles=("gov_service", "department"))
def create_person(body: s.PersonIn):
    return file(lambda ctx: org.create_person(ctx, dump(body)), ser.person)


@route("GET", "/function-sections", "功能板块列表", query=LIST_QUERY, response=LIST)
def list_function_sections():
    def present(f: m.FunctionSection):
        return {
            "code": f.code,
            "name": f.name,
            "lead_department": f.lead_department,
            "whole_chain": f.whole_chain,
            "chain": f.chain,
        }

    return listing(select(m.FunctionSection).order_by(m.FunctionSection.code), present)


# --- the catalog ------------------------------------------------------------------------------


@route("GET", "/items", "实施清单（已发布事项）", query=LIST_QUERY, response=LIST)
def list_items():
    with runtime().reading() as session:
        rows = published_items(session)
    dept = request.args.get("department")
    if dept:
        rows = [r for r in rows if r.department == dept]
    args = page_args()
    if args is None:
        return problem(
            422,
            "分页参数有误",
            "page ≥ 1，1 ≤ per_page ≤ 500",
            errors=[{"field": "per_page", "message": "须在 1 到 500 之间"}],
        )
    page, per_page = args
    chunk = rows[(page - 1) * per_page : page * per_page]
    nxt = None
    if page * per_page < len(rows):
        nxt = url_for("api.list_items_get", page=page + 1, per_page=per_page, **({"department": dept} if dept else {}))
    return {"items": [ser.item(r) for r in chunk], "next": nxt}


@route("GET", "/item-filings", "事项申报（含待审核与退回的版本）", query=LIST_QUERY, response=LIST)
def list_item_filings():
    return listing(select(m.ItemVersion).order_by(m.ItemVersion.id.desc()), ser.item, m.ItemVersion.department)


@filing(
    "/items",
    "申报事项（部门）或直接发布（政务服务部门、审改部门）",
    body=s.ItemIn,
    roles=("department", "gov_service", "reform_office"),
)
def file_item(body: s.ItemIn):
    data = body.model_dump(exclude_none=False)
    return file(lambda ctx: catalog.file_item(ctx, data), ser.item)


@filing("/items/{code}/review", "审核事项", body=s.ItemReviewIn, roles=("reform_office",))
def review_item(code: str, body: s.ItemReviewIn):
    return file(
        lambda ctx: catalog.review_item(ctx, code, body.result, body.reasons), lambda r: ser.item_review(r, code)
    )


@route("GET", "/fee-reviews", "收费审查记录", query=LIST_QUERY, response=LIST)
def list_fee_reviews():
    return listing(
        select(m.FeeReview).order_by(m.FeeReview.id),
        ser.fee_review,
        select(m.ItemVersion.department).where(m.ItemVersion.code == m.FeeReview.item).limit(1).scalar_subquery(),
    )


@filing("/fees/{code}/review", "审查收费项目（发改部门）", body=s.FeeReviewIn, roles=("drc",))
def review_fee(code: str, body: s.FeeReviewIn):
    return file(lambda ctx: catalog.review_fee(ctx, code, body.model_dump()), ser.fee_review)


# --- grants -----------------------------------------------------------------------------------


@route("GET", "/authorizations", "授权书列表", query=LIST_QUERY, response=LIST)
def list_authorizations():
    def present(a: m.Authorization):
        rev = object_session(a).scalar(select(m.Revocation).where(m.Revocation.authorization == a.id))
        return ser.authorization(a, rev)

    return listing(select(m.Authorization).order_by(m.Authorization.id), present, m.Authorization.grantor)


@filing("/authorizations", "提交授权书（授权部门）", body=s.AuthorizationIn, roles=("department",))
def file_authorization(body: s.AuthorizationIn):
    data = body.model_dump()
    data["grantee"] = {"gov_service": True} if "gov_service" in data["grantee"] else data["grantee"]
    data["valid_from"] = data["valid_from"] or None

    def action(ctx):
        data["valid_from"] = data["valid_from"] or ctx.now
        return grants.file_authorization(ctx, data)

    return file(action, lambda a: ser.authorization(a))


@filing("/authorizations/{auth_id}/revoke", "撤销授权", body=s.RevocationIn, roles=("department",))
def revoke_authorization(auth_id: str, body: s.RevocationIn):
    if not auth_id.isdigit():
        return problem(404, "记录不存在", f"授权“{auth_id}”不存在")
    return file(
        lambda ctx: grants.revoke_authorization(ctx, int(auth_id), body.at or ctx.now, body.reason), ser.revocation
    )


@route("GET", "/revocations", "撤销记录", query=LIST_QUERY, response=LIST)
def list_revocations():
    stmt = select(m.Revocation).join(m.Authorization, m.Authorization.id == m.Revocation.authorization)
    return listing(stmt.order_by(m.Revocation.id), ser.revocation, m.Authorization.grantor)


@route("GET", "/absences", "缺位记录", query=LIST_QUERY, response=LIST)
def list_absences():
    mask = g.principal.role == "auditor"
    stmt = select(m.Absence).join(m.Person, m.Person.id == m.Absence.person).order_by(m.Absence.id)
    out = listing(stmt, lambda a: ser.absence(a, mask=mask), m.Person.department)
    if isinstance(out, dict) and not mask:
        note_personal_reads((row["person"] for row in out["items"]), "absence.reason")
    return out


@filing("/absences", "登记缺位", body=s.AbsenceIn, roles=("department",))
def file_absence(body: s.AbsenceIn):
    return file(lambda ctx: grants.file_absence(ctx, dump(body)), ser.absence)


@route("GET", "/delegations", "事进人不进委托", query=LIST_QUERY, response=LIST)
def list_delegations():
    return listing(select(m.Delegation).order_by(m.Delegation.id), ser.delegation, m.Delegation.department)


@filing("/delegations", "委托政务服务部门受理（事进人不进）", body=s.DelegationIn, roles=("department",))
def file_delegation(body: s.DelegationIn):
    data = dump(body)
    data["department"] = data.get("department") or g.principal.department
    return file(lambda ctx: grants.file_delegation(ctx, data), ser.delegation)


@route("GET", "/seal-custody", "印章保管记录", query=LIST_QUERY, response=LIST)
def list_custody():
    stmt = select(m.SealCustody).join(m.Seal, m.Seal.code == m.SealCustody.seal).order_by(m.SealCustody.id)
    return listing(stmt, ser.custody, m.Seal.department)


@filing("/seal-custody", "指定印章保管人", body=s.SealCustodyIn, roles=("department",))
def file_custody(body: s.SealCustodyIn):
    data = dump(body)

    def action(ctx):
        data["from"] = data.get("from") or ctx.now
        return grants.file_seal_custody(ctx, data)

    return file(action, ser.custody)


@route("GET", "/staff-filings", "首席代表及进驻人员备案", query=LIST_QUERY, response=LIST)
def list_staff():
    return listing(select(m.StaffFiling).order_by(m.StaffFiling.id), ser.staff_filing, m.StaffFiling.department)


@filing("/staff-filings", "报备首席代表及进驻人员", body=s.StaffFilingIn, roles=("department",))
def file_staff(body: s.StaffFilingIn):
    data = body.model_dump()
    data["department"] = data.get("department") or g.principal.department
    return file(lambda ctx: org.file_staff(ctx, data), ser.staff_filing)


@route("GET", "/exemptions", "不宜进驻申请", query=LIST_QUERY, response=LIST)
def list_exemptions():
    def present(e: m.Exemption):
        d = object_session(e).scalar(select(m.ExemptionDecision).where(m.ExemptionDecision.exemption == e.id))
        return ser.exemption(e, d)

    return listing(select(m.Exemption).order_by(m.Exemption.id), present, m.Exemption.department)


@filing("/exemptions", "申请不宜进驻", body=s.ExemptionIn, roles=("department",))
def request_exemption(body: s.ExemptionIn):
    return file(lambda ctx: grants.request_exemption(ctx, body.model_dump()), lambda e: ser.exemption(e, None))


@filing(
    "/exemptions/{exemption_id}/decision",
    "批准或不批准不宜进驻（市人民政府）",
    body=s.ExemptionDecisionIn,
    roles=("government",),
)
def decide_exemption(exemption_id: str, body: s.ExemptionDecisionIn):
    if not exemption_id.isdigit():
        return problem(404, "记录不存在", f"申请“{exemption_id}”不存在")

    def present(d: m.ExemptionDecision):
        return {
            "id": d.id,
            "exemption": d.exemption,
            "result": d.result,
            "document_no": d.document_no,
            "filed_at": ser.t(d.filed_at),
            "log_index": d.log_index,
            "record_hash": d.record_hash,
            "signature": d.signature,
        }

    return file(lambda ctx: grants.decide_exemption(ctx, int(exemption_id), body.result, body.document_no), present)


@route("GET", "/hall-approvals", "专业分厅保留批准", query=LIST_QUERY, response=LIST)
def list_hall_approvals():
    return listing(select(m.HallApproval).order_by(m.HallApproval.id), ser.hall_approval)


@filing("/hall-approvals", "批准保留专业分厅（市人民政府）", body=s.HallApprovalIn, roles=("government",))
def file_hall_approval(body: s.HallApprovalIn):
    return file(lambda ctx: org.file_hall_approval(ctx, body.model_dump()), ser.hall_approval)


@route("GET", "/citizens-home-opening", "市民之家启用日期", query=LIST_QUERY, response=LIST)
def list_openings():
    return listing(select(m.CitizensHomeOpening).order_by(m.CitizensHomeOpening.id), ser.opening)


@filing(
    "/citizens-home-opening", "确定市民之家启用日期（市人民政府）", body=s.CitizensHomeOpeningIn, roles=("government",)
)
def file_opening(body: s.CitizensHomeOpeningIn):
    return file(lambda ctx: org.file_citizens_home_opening(ctx, body.model_dump()), ser.opening)


@route("GET", "/exceptions", "例外记录", query=LIST_QUERY, response=LIST)
def list_exceptions():
    return listing(select(m.PolicyException).order_by(m.PolicyException.id), ser.exception)


@filing("/exceptions", "记录例外（审改部门）", body=s.ExceptionIn, roles=("reform_office",))
def file_exception(body: s.ExceptionIn):
    return file(lambda ctx: grants.file_exception(ctx, body.model_dump()), ser.exception)
