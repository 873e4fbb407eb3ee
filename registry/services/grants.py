"""Filings that grant or limit powers: authorizations and revocations, absences, delegations,
seal custody, exemptions and their decision, and the reform office's exceptions.

All are append-only: a revocation is a new record, never an edit of the authorization.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

import vocab
from registry.errors import Conflict, ErrorList, invalid
from registry.models import (
    Absence,
    Authorization,
    Delegation,
    Exemption,
    ExemptionDecision,
    PolicyException,
    Revocation,
    Seal,
    SealCustody,
)
from registry.services._common import (
    department,
    ensure_order,
    get_or_404,
    get_or_invalid,
    latest_item,
    person,
    require_items,
    signed_departments,
)
from registry.services.context import FilingContext, iso


def file_authorization(ctx: FilingContext, data: dict[str, Any]) -> Authorization:
    """授权书 (XT-3.3.2, XT-3.3.3). Less than the minimum grant is recorded, not refused:
    the compliance report lists it as 授权不到位 (XT-5.3)."""
    ctx.require_role("department")
    grantor = department(ctx.session, data["grantor"], "grantor")
    ctx.require_department(grantor.code)
    errors = ErrorList()
    grantee = data.get("grantee") or {}
    gov = bool(grantee.get("gov_service"))
    person_id = grantee.get("person")
    if gov == (person_id is not None):
        errors.add("grantee", '须为 {"person": 人员编号} 或 {"gov_service": true} 之一')
    post = data.get("post")
    if post is not None and post not in vocab.POSTS:
        errors.add("post", "须为 A、B 或空")
    if gov and post is not None:
        errors.add("post", "对政务服务部门的授权没有 A/B 岗")
    powers = list(data.get("powers") or [])
    if not powers:
        errors.add("powers", "至少授予一项权限")
    for i, p in enumerate(powers):
        if p not in vocab.ACTIONS:
            errors.add(f"powers[{i}]", f"未知权限“{p}”")
    if len(set(powers)) != len(powers):
        errors.add("powers", "权限重复")
    errors.raise_if_any("授权书内容有误")
    if person_id is not None:
        grantee_person = person(ctx.session, person_id, "grantee.person")
        if signed_departments(ctx, [grantee_person.id])[grantee_person.id] != grantor.code:
            raise invalid("grantee.person", "首席代表须为本部门人员")
    backs = data.get("backs")
    if post == "B":
        if backs is None:
            raise invalid("backs", "B岗授权须注明所支撑的A岗授权")
        get_or_invalid(ctx.session, Authorization, backs, "backs", "授权")
        a = _signed_authorization(ctx, backs)
        if a.get("post") != "A" or a.get("grantor") != grantor.code:
            raise invalid("backs", "须为本部门的A岗授权")
    elif backs is not None:
        raise invalid("backs", "只有B岗授权注明所支撑的A岗")
    require_items(ctx, data.get("items", "*"), "items", grantor.code)
    ensure_order(data["valid_from"], data.get("valid_to"), "valid_from", "valid_to")
    auth = Authorization(
        grantor=grantor.code,
        grantee_person=person_id,
        grantee_gov_service=gov,
        post=post,
        backs=backs,
        powers=powers,
        items=data.get("items", "*"),
        valid_from=data["valid_from"],
        valid_to=data.get("valid_to"),
        **_stamps(ctx, data["valid_from"]),
    )
    ctx.record(auth, "authorization", lambda: authorization_record(auth))
    return auth


def authorization_record(auth: Authorization) -> dict[str, Any]:
    return {
        "id": auth.id,
        "grantor": auth.grantor,
        "grantee": auth.grantee,
        "post": auth.post,
        "backs": auth.backs,
        "powers": list(auth.powers),
        "items": auth.items,
        "valid_from": iso(auth.valid_from),
        "valid_to": iso(auth.valid_to),
        "late_filed": auth.late_filed,
    }


def _signed_authorization(ctx: FilingContext, auth_id: Any) -> dict[str, Any]:
    """The authorization as its signed record states it ({} without one): whose grant it is, and its
    post, are never taken from the row (docs/design.md §12.3)."""
    return ctx.signed(lambda state: dict(state.tables["authorizations"].get(auth_id) or {}), kinds=("authorization",))


def _grant_and_revocation(state, auth_id: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The authorization's signed record and its signed revocation (None without one)."""
    revoked = next((r for r in state.tables["revocations"].values() if r["authorization"] == auth_id), None)
    return dict(state.tables["authorizations"].get(auth_id) or {}), revoked


def revoke_authorization(ctx: FilingContext, auth_id: int, at, reason: str) -> Revocation:
    """Revocation is a new record effective from `at`; a receipt already issued is untouched."""
    ctx.require_role("department")
    auth = get_or_404(ctx.session, Authorization, auth_id, "授权")
    ctx.require_department(auth.grantor)
    signed, existing = ctx.signed(
        lambda state: _grant_and_revocation(state, auth_id), kinds=("authorization", "revocation")
    )
    ctx.require_department(signed.get("grantor") or "（无签名记录）")
    if not reason:
        raise invalid("reason", "须写明撤销理由")
    if existing is not None:  # the signed revocation: a deleted row revokes nothing twice
        raise Conflict(f"授权{auth_id}已于{iso(existing['at'])}撤销")
    rev = Revocation(authorization=auth_id, at=at, reason=reason, **_stamps(ctx, at))
    ctx.record(
        rev,
        "revocation",
        lambda: {"id": rev.id, "authorization": auth_id, "at": iso(at), "reason": reason, "late_filed": rev.late_filed},
    )
    return rev


def file_absence(ctx: FilingContext, data: dict[str, Any]) -> Absence:
    ctx.require_role("department")
    who = person(ctx.session, data["person"])
    signed_department = signed_departments(ctx, [who.id])[who.id]  # never the row's (docs/design.md §12.3)
    if signed_department is None:
        raise invalid("person", f"人员“{who.id}”没有签名登记记录")
    ctx.require_department(signed_department)
    ensure_order(data["from"], data.get("to"), "from", "to")
    if not data.get("reason"):
        raise invalid("reason", "须写明缺位原因")
    row = Absence(
        person=who.id, from_=data["from"], to=data.get("to"), reason=data["reason"], **_stamps(ctx, data["from"])
    )
    ctx.record(
        row,
        "absence",
        lambda: {
            "id": row.id,
            "person": who.id,
            "department": signed_department,
            "from": iso(row.from_),
            "to": iso(row.to),
            "late_filed": row.late_filed,
        },
        personal={"reason": row.reason},
    )
    return row


def file_delegation(ctx: FilingContext, data: dict[str, Any]) -> Delegation:
    """事进人不进 (XT-3.3.2): a department delegates acceptance of items to gov_service."""
    ctx.require_role("department")
    dept = department(ctx.session, data["department"])
    ctx.require_department(dept.code)
    require_items(ctx, data.get("items", "*"), "items", dept.code)
    ensure_order(data["from"], data.get("to"), "from", "to")
    stated = {"department": dept.code, "items": data.get("items", "*"), **_period(data)}
    return _file(ctx, Delegation, "delegation", stated, stamps=_stamps(ctx, data["from"]))


def file_seal_custody(ctx: FilingContext, data: dict[str, Any]) -> SealCustody:
    """The department names the custodian of its seal, who must hold a chief-rep grant. The seal's
    department, the custodian's and the grant are read from the signed records (ctx.signed), never
    from rows: an edited row grants no custody (docs/design.md §12.3)."""
    ctx.require_role("department")
    seal = get_or_invalid(ctx.session, Seal, data["seal"], "seal", "印章")
    ctx.require_department(seal.department)
    who = person(ctx.session, data["person"])
    ensure_order(data["from"], data.get("to"), "from", "to")
    signed = ctx.signed(lambda state: _custody_facts(state, seal.code, who.id, data["from"]), kinds=CUSTODY_KINDS)
    if signed["seal_department"] is None:
        raise invalid("seal", f"印章“{seal.code}”没有签名登记记录")
    ctx.require_department(signed["seal_department"])
    if who.department != seal.department or signed["person_department"] != signed["seal_department"]:
        raise invalid("person", "保管人须为本部门人员")
    if not signed["holds_grant"]:
        raise invalid("person", "保管人须在保管开始时持有本部门有效（未撤销、未过期）的首席代表授权")
    stated = {"seal": seal.code, "person": who.id, **_period(data)}
    return _file(ctx, SealCustody, "seal_custody", stated, stamps=_stamps(ctx, data["from"]))


def _stamps(ctx: FilingContext, effective: Any) -> dict[str, Any]:
    """When and by whom a grant filing is filed, and whether it is late (it takes effect before that)."""
    return {"filed_at": ctx.now, "late_filed": ctx.is_late(effective), "filed_by": ctx.actor.name}


def _file(
    ctx: FilingContext,
    model: type[Any],
    kind: str,
    stated: dict[str, Any],
    *,
    unstated: dict[str, Any] | None = None,
    stamps: dict[str, Any] | None = None,
    feed: str | None = None,
) -> Any:
    """A row of `model` with the columns `stated` (its record under `kind` states them, times in ISO
    form), `unstated` (the row's alone) and the filing's `stamps` (default: filed now, by the actor);
    the change feed is told under `feed` (default `kind`)."""
    columns = {_ATTRIBUTES.get(k, k): v for k, v in {**stated, **(unstated or {})}.items()}
    row = model(**columns, **(stamps or {"filed_at": ctx.now, "filed_by": ctx.actor.name}))
    ctx.record(
        row,
        kind,
        lambda: {"id": row.id, **{k: iso(v) if isinstance(v, datetime) else v for k, v in stated.items()}},
        feed=feed,
    )
    return row


_ATTRIBUTES = {"from": "from_"}  # a record's field -> the model's attribute, where they differ


def _period(data: dict[str, Any]) -> dict[str, Any]:
    return {"from": data["from"], "to": data.get("to")}


CUSTODY_KINDS = ("seal", "seal_registration", "person", "authorization", "revocation")


def _custody_facts(state, seal: str, person_id: int, at) -> dict[str, Any]:
    """The seal's and the person's departments, and whether the person holds a chief-rep grant of
    the seal's department in force at `at`, as the signed records state them."""
    department = (state.tables["seals"].get(seal) or {}).get("department")
    revoked = {r["authorization"]: r["at"] for r in state.tables["revocations"].values()}
    holds = False
    for auth in state.tables["authorizations"].values():
        if auth["grantor"] != department or (auth.get("grantee") or {}).get("person") != person_id:
            continue
        if auth["valid_from"] > at or (auth["valid_to"] is not None and auth["valid_to"] <= at):
            continue
        if auth["id"] not in revoked or revoked[auth["id"]] > at:
            holds = True
            break
    return {
        "seal_department": department,
        "holds_grant": holds,
        "person_department": (state.tables["people"].get(person_id) or {}).get("department"),
    }


def request_exemption(ctx: FilingContext, data: dict[str, Any]) -> Exemption:
    """不宜进驻 (XT-3.1): requested by the item's department, decided by the government."""
    ctx.require_role("department")
    item = latest_item(ctx.session, data["item"])
    if item is None:
        raise invalid("item", f"事项“{data['item']}”不存在")
    ctx.require_department(item.department)
    errors = ErrorList()
    if data.get("reason") not in vocab.EXEMPTION_REASONS:
        try:
            data = {**data, "reason": vocab.to_code(vocab.EXEMPTION_REASONS, data.get("reason") or "")}
        except ValueError as exc:
            errors.add("reason", str(exc))
    if not data.get("basis"):
        errors.add("basis", "须写明依据")
    errors.raise_if_any()
    ensure_order(data["effective_from"], data.get("effective_to"), "effective_from", "effective_to")
    stated = {
        "item": item.code,
        "reason": data["reason"],
        "basis": data["basis"],
        "effective_from": data["effective_from"],
        "effective_to": data.get("effective_to"),
    }
    return _file(
        ctx, Exemption, "exemption_request", stated, unstated={"department": item.department}, feed="exemption"
    )


def decide_exemption(ctx: FilingContext, exemption_id: int, result: str, document_no: str) -> ExemptionDecision:
    ctx.require_role("government")
    exemption = get_or_404(ctx.session, Exemption, exemption_id, "不宜进驻申请")
    if result not in ("approved", "refused"):
        raise invalid("result", "审批结果须为“批准”（approved）或“不批准”（refused）")
    if not document_no:
        raise invalid("document_no", "须注明批准文号")
    if ctx.session.scalar(select(ExemptionDecision).where(ExemptionDecision.exemption == exemption_id)):
        raise Conflict("该申请已有决定")
    row = ExemptionDecision(
        exemption=exemption.id, result=result, document_no=document_no, filed_at=ctx.now, filed_by=ctx.actor.name
    )
    ctx.record(
        row,
        "exemption_decision",
        lambda: {
            "id": row.id,
            "exemption": exemption.id,
            "item": exemption.item,
            "result": result,
            "document_no": document_no,
        },
        feed="exemption",
        feed_key=exemption.id,
    )
    return row


def file_exception(ctx: FilingContext, data: dict[str, Any]) -> PolicyException:
    """例外: clears an in-principle finding for one subject (docs/design.md §6)."""
    ctx.require_role("reform_office")
    errors = ErrorList()
    for key in ("rule", "subject", "reason"):
        if not data.get(key):
            errors.add(key, "必填")
    errors.raise_if_any()
    stated = {"rule": data["rule"], "subject": data["subject"], "reason": data["reason"], "until": data.get("until")}
    return _file(ctx, PolicyException, "exception", stated)
