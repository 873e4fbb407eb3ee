"""API views for entry plans (进驻方案, XT-4.1–XT-4.3): file, list with "卡在哪一步、等谁", steps."""

from __future__ import annotations

from typing import Annotated

from flask import g, request
from pydantic import Field
from sqlalchemy import select

from registry import models as m
from registry.services import entry_plans as plan_service
from web.api.listing import FULL_READERS, PAGE
from web.api.problems import invalid, problem
from web.api.routing import tagged
from web.api.schemas import Body
from web.api.serialize import t
from web.api.types import Code, PersonId, Text, enum_of
from application.runtime import actor_of
from web.context import runtime

route, filing = tagged("entry-plans")

STEP_CHOICES = {k: v for k, v in plan_service.STEPS.items() if k != "drafted"}
PlanStep = enum_of(STEP_CHOICES, "进驻方案步骤")
READERS = ("department", *sorted(FULL_READERS))


class FeeItemIn(Body):
    item: Code
    fee: Code


class ChiefRepresentativesIn(Body):
    A: PersonId
    B: PersonId


class EntryPlanContentIn(Body):
    items: Annotated[list[Code], Field(min_length=1)]
    fee_items: list[FeeItemIn] = []
    chief_representatives: ChiefRepresentativesIn
    staff: list[PersonId] = []
    note: Annotated[str, Field(max_length=2000)] | None = None


class EntryPlanIn(EntryPlanContentIn):
    department: Code | None = None


class EntryPlanStepIn(Body):
    step: PlanStep
    reasons: list[Text] = []
    note: Annotated[str, Field(max_length=2000)] | None = None
    content: EntryPlanContentIn | None = None


def _whole_chain_names(rt) -> list[str]:
    return list(rt.policy.engine.pack.parameters.get("whole_chain_sections") or [])


def step_json(s: m.EntryPlanStep) -> dict:
    return {
        "id": s.id,
        "step": s.step,
        "step_label": plan_service.STEPS.get(s.step, s.step),
        "clause": plan_service.STEP_CLAUSES.get(s.step),
        "by": s.by_body,
        "reasons": list(s.reasons or []),
        "note": s.note,
        "at": t(s.filed_at),
        "log_index": s.log_index,
    }


def plan_json(session, plan: m.EntryPlan, names: dict[str, str], wc: list[str], *, steps: bool = False) -> dict:
    history = plan_service.steps_of(session, plan.id)
    last = history[-1] if history else None
    out = {
        "id": plan.id,
        "department": plan.department,
        "department_name": names.get(plan.department),
        "state": plan.state,
        "state_label": plan_service.STATES.get(plan.state, plan.state),
        "content": plan.content,
        "filed_at": t(plan.filed_at),
        "since": t(last.filed_at) if last else t(plan.filed_at),
        "waiting_for": plan_service.waiting_for(session, plan, wc),
    }
    if plan.state == "returned" and last is not None:
        out["returned_reasons"] = list(last.reasons or [])
    if steps:
        out["steps"] = [step_json(s) for s in history]
    return out


def _may_read(session, plan: m.EntryPlan, wc: list[str]) -> bool:
    """A department reads its own plans and those waiting for its chain confirmation."""
    p = g.principal
    if p.role != "department":
        return True
    if plan.department == p.department:
        return True
    if plan.state == "fees_reviewed":
        return f"dept:{p.department}" in plan_service.chain_confirmers(session, plan, wc)
    return False


@filing(
    "/entry-plans",
    "部门报送进驻方案（事项、收费事项、首席代表AB岗、工作人员）",
    body=EntryPlanIn,
    roles=("department",),
)
def file_plan(body: EntryPlanIn):
    rt = runtime()
    with rt.filing(actor_of(g.principal)) as ctx:
        plan = plan_service.file_plan(ctx, body.model_dump())
        names = dict(ctx.session.execute(select(m.Department.code, m.Department.name)).all())
        out = plan_json(ctx.session, plan, names, _whole_chain_names(rt), steps=True)
    return out, 201


@route(
    "GET",
    "/entry-plans",
    "进驻方案列表：当前状态、卡在哪一步、等谁",
    roles=READERS,
    query={"department": "部门编码", "state": "状态", "waiting_for": "me：只列出等本机构办理的方案"},
    response=PAGE,
)
def list_plans():
    rt = runtime()
    wc = _whole_chain_names(rt)
    stmt = select(m.EntryPlan).order_by(m.EntryPlan.id)
    if request.args.get("department"):
        stmt = stmt.where(m.EntryPlan.department == request.args["department"])
    if request.args.get("state"):
        stmt = stmt.where(m.EntryPlan.state == request.args["state"])
    mine = request.args.get("waiting_for") == "me"
    body = f"dept:{g.principal.department}" if g.principal.role == "department" else g.principal.role
    with rt.reading() as session:
        names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
        items = []
        for plan in session.scalars(stmt):
            if not _may_read(session, plan, wc):
                continue
            row = plan_json(session, plan, names, wc)
            if mine and body not in ((row["waiting_for"] or {}).get("bodies") or []):
                continue
            items.append(row)
    return {"items": items, "next": None}


@route("GET", "/entry-plans/{plan_id}", "一个进驻方案及其全部步骤", roles=READERS)
def get_plan(plan_id: str):
    if not plan_id.isdigit():
        return problem(404, "记录不存在", f"进驻方案“{plan_id}”不存在")
    rt = runtime()
    wc = _whole_chain_names(rt)
    with rt.reading() as session:
        plan = session.get(m.EntryPlan, int(plan_id))
        if plan is None:
            return problem(404, "记录不存在", f"进驻方案“{plan_id}”不存在")
        if not _may_read(session, plan, wc):
            return problem(403, "无权查看", "只能查看本部门的进驻方案")
        names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
        return plan_json(session, plan, names, wc, steps=True)


@filing(
    "/entry-plans/{plan_id}/steps",
    "进驻方案的一步：fees_reviewed（发改）、chain_confirmed（板块牵头单位）、aggregated（审改办）、"
    "approved（市政府）、entered（政务服务部门）、returned（当前应办理的机构，须写明理由）、resubmitted（部门）",
    body=EntryPlanStepIn,
    roles=("drc", "department", "reform_office", "government", "gov_service"),
)
def take_step(plan_id: str, body: EntryPlanStepIn):
    if not plan_id.isdigit():
        return problem(404, "记录不存在", f"进驻方案“{plan_id}”不存在")
    rt = runtime()
    wc = _whole_chain_names(rt)
    with rt.filing(actor_of(g.principal)) as ctx:
        content = body.content.model_dump() if body.content is not None else None
        if content is not None and body.step != "resubmitted":
            return invalid("content", "只有 resubmitted 可附带方案内容", "只有重新报送时可以修改方案内容")
        row = plan_service.take_step(
            ctx, int(plan_id), body.step, reasons=body.reasons, note=body.note, content=content, whole_chain_names=wc
        )
        plan = ctx.session.get(m.EntryPlan, int(plan_id))
        names = dict(ctx.session.execute(select(m.Department.code, m.Department.name)).all())
        out = {"step": step_json(row), "plan": plan_json(ctx.session, plan, names, wc)}
    return out, 201
