"""Entry plans (进驻方案, XT-4.1–XT-4.3) and their steps.

The state machine is a plain dict transition table (:data:`FORWARD`), not a durable-rules
statechart: five forward steps, each taken by one body, plus "return with reasons" and
"resubmit" — a table a reader checks at a glance, and the registry stays free of the rules
engine (docs/design.md §2 layers)::

    drafted ─fees_reviewed (drc)─▶ fees_reviewed ─chain_confirmed (section lead)─▶ chain_confirmed
      ─aggregated (reform_office, as 领导小组办公室)─▶ aggregated ─approved (government)─▶ approved
      ─entered (gov_service records completion)─▶ entered

    any state before entered ─returned (the body whose turn it is, with reasons)─▶ returned
    returned ─resubmitted (the plan's department)─▶ drafted

Chain confirmation (XT-4.2): every function section marked whole-chain (or named in the
pack's ``whole_chain_sections``) that holds an item of the plan has its lead department
confirm; the plan reaches ``chain_confirmed`` when all of them have. A whole-chain section
without a lead department is confirmed by gov_service; a plan with no whole-chain items is
confirmed by gov_service.

Every step — the filing too — is an EntryPlanStep row and a signed record in the log,
signed by the body that takes it. A wrong role is refused with 403, a wrong state with 409,
each with a Chinese message that says whose turn it is.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import select

import vocab
from registry.errors import Conflict, ErrorList, Forbidden, NotFound, invalid
from registry.models import Department, EntryPlan, EntryPlanStep, FeeReview, FunctionSection, ItemVersion, Person
from registry.services._common import department as get_department
from registry.services._common import latest_item
from registry.services.context import FilingContext

STATES = vocab.ENTRY_PLAN_STATES
STEPS = {
    "drafted": "起草报送",
    "fees_reviewed": "审查收费事项",
    "chain_confirmed": "确认全链条事项",
    "aggregated": "汇总",
    "approved": "审定",
    "entered": "完成进驻",
    "returned": "退回",
    "resubmitted": "修改后重新报送",
}
# The clause each step carries out (in its log record and in the API's answer).
STEP_CLAUSES = {
    "drafted": "XT-4.1",
    "resubmitted": "XT-4.1",
    "fees_reviewed": "XT-4.2",
    "chain_confirmed": "XT-4.2",
    "aggregated": "XT-4.2",
    "approved": "XT-4.2",
    "entered": "XT-4.3",
    "returned": "XT-4.2",
}
# Who takes a step: a role, "section_lead" (the lead department of each whole-chain section
# of the plan), or "own_department" (the plan's department).
TAKERS = {
    "drc": "发改部门",
    "section_lead": "功能板块牵头单位",
    "reform_office": "审改部门（领导小组办公室）",
    "government": "市人民政府",
    "gov_service": "政务服务部门",
    "own_department": "报送方案的部门",
}
# state → (the forward step taken in it, the state it leads to, who takes it)
FORWARD: dict[str, tuple[str, str, str]] = {
    "drafted": ("fees_reviewed", "fees_reviewed", "drc"),
    "fees_reviewed": ("chain_confirmed", "chain_confirmed", "section_lead"),
    "chain_confirmed": ("aggregated", "aggregated", "reform_office"),
    "aggregated": ("approved", "approved", "government"),
    "approved": ("entered", "entered", "gov_service"),
}
STEP_TAKER = {step: who for step, _, who in FORWARD.values()}
STEP_TAKER["resubmitted"] = "own_department"
# The roles that may ever take a step (checked before the state, so a wrong role is 403).
STEP_ROLES = {
    "fees_reviewed": ("drc",),
    "chain_confirmed": ("department", "gov_service"),
    "aggregated": ("reform_office",),
    "approved": ("government",),
    "entered": ("gov_service",),
    "resubmitted": ("department",),
    "returned": ("drc", "department", "gov_service", "reform_office", "government"),
}
PRECONDITION = {step: state for state, (step, _, _) in FORWARD.items()}
PRECONDITION["resubmitted"] = "returned"


class WrongState(Conflict):
    title = "进驻方案状态不符"


def transition(state: str, step: str) -> tuple[str, str]:
    """The pure table: (the state `step` leads to from `state`, who takes it).

    Raises WrongState (409) when `step` cannot be taken in `state`. For ``returned`` the
    taker is whoever's turn it is in `state`.
    """
    if step not in STEPS or step == "drafted":
        raise invalid(
            "step", f"未知步骤“{step}”，可选：{'、'.join(f'{k}（{v}）' for k, v in STEPS.items() if k != 'drafted')}"
        )
    if step == "returned":
        if state not in FORWARD:
            raise WrongState(f"进驻方案当前为“{STATES.get(state, state)}”，不能退回")
        return "returned", FORWARD[state][2]
    if step == "resubmitted":
        if state != "returned":
            raise WrongState(f"进驻方案当前为“{STATES.get(state, state)}”，只有被退回的方案才能重新报送")
        return "drafted", "own_department"
    forward = FORWARD.get(state)
    if forward is None or forward[0] != step:
        need = PRECONDITION[step]
        now = f"进驻方案当前为“{STATES.get(state, state)}”"
        if forward is not None:
            now += f"，下一步是“{STEPS[forward[0]]}”（{TAKERS[forward[2]]}）"
        raise WrongState(f"{now}；“{STEPS[step]}”须在“{STATES[need]}”之后进行")
    return forward[1], forward[2]


# ------------------------------------------------------------------ content (XT-4.1)


def validate_content(ctx: FilingContext, department: str, content: dict[str, Any]) -> dict[str, Any]:
    """Items, fee items, chief representatives (A/B) and staff of the department's plan."""
    errors = ErrorList()
    items = content.get("items") or []
    if not isinstance(items, list) or not items:
        errors.add("items", "须列明进驻的事项（事项编码列表）")
        items = []
    versions: dict[str, ItemVersion] = {}
    for i, code in enumerate(items):
        v = latest_item(ctx.session, code)
        if v is None:
            errors.add(f"items[{i}]", f"事项“{code}”不存在")
        elif v.department != department:
            errors.add(f"items[{i}]", f"事项“{code}”不属于{department}")
        else:
            versions[code] = v
    if len(set(items)) != len(items):
        errors.add("items", "事项重复")
    fee_items = content.get("fee_items") or []
    listed = set()
    for i, fee in enumerate(fee_items):
        item, code = fee.get("item"), fee.get("fee")
        v = versions.get(item)
        if item not in items:
            errors.add(f"fee_items[{i}].item", f"收费事项所属的事项“{item}”未列入进驻事项")
        elif v is not None and code not in {f.get("code") for f in v.fees or []}:
            errors.add(f"fee_items[{i}].fee", f"事项“{item}”没有收费项目“{code}”")
        listed.add((item, code))
    for code, v in versions.items():
        for f in v.fees or []:
            if (code, f.get("code")) not in listed:
                errors.add("fee_items", f"事项“{code}”的收费项目“{f.get('name') or f.get('code')}”未列入收费事项")
    reps = content.get("chief_representatives") or {}
    for post in ("A", "B"):
        pid = reps.get(post)
        if pid is None:
            errors.add(f"chief_representatives.{post}", f"须明确首席代表{post}岗")
            continue
        p = ctx.session.get(Person, pid)
        if p is None:
            errors.add(f"chief_representatives.{post}", f"人员“{pid}”不存在")
        elif p.department != department:
            errors.add(f"chief_representatives.{post}", "首席代表须为本部门人员")
    if reps.get("A") is not None and reps.get("A") == reps.get("B"):
        errors.add("chief_representatives.B", "A岗和B岗须为不同人员")
    staff = content.get("staff") or []
    for i, pid in enumerate(staff):
        p = ctx.session.get(Person, pid)
        if p is None:
            errors.add(f"staff[{i}]", f"人员“{pid}”不存在")
        elif p.department != department:
            errors.add(f"staff[{i}]", "工作人员须为本部门人员")
    errors.raise_if_any("进驻方案内容有误")
    return {
        "items": list(items),
        "fee_items": [{"item": f.get("item"), "fee": f.get("fee")} for f in fee_items],
        "chief_representatives": {"A": reps.get("A"), "B": reps.get("B")},
        "staff": list(staff),
        "note": content.get("note"),
    }


# ------------------------------------------------------------------ who confirms the chain (XT-4.2)


def chain_confirmers(session, plan: EntryPlan, whole_chain_names: Iterable[str] = ()) -> dict[str, list[str]]:
    """Signing body → the whole-chain sections of the plan it confirms for.

    A section's lead department confirms as ``dept:CODE``; a section without a lead, or a
    plan without whole-chain items, is confirmed by ``gov_service``.
    """
    names = set(whole_chain_names)
    items = set(plan.content.get("items") or [])
    own_sections = {
        v.function_section for code in items if (v := latest_item(session, code)) is not None and v.function_section
    }
    out: dict[str, list[str]] = {}
    for fs in session.scalars(select(FunctionSection).order_by(FunctionSection.code)):
        if not (fs.whole_chain or fs.code in names or fs.name in names):
            continue
        if not (items & set(fs.chain or []) or fs.code in own_sections):
            continue
        body = f"dept:{fs.lead_department}" if fs.lead_department else "gov_service"
        out.setdefault(body, []).append(fs.name)
    return out or {"gov_service": []}


def _confirmed_bodies(session, plan: EntryPlan) -> set[str]:
    """Bodies that confirmed the chain since the plan was last (re)submitted."""
    steps = list(session.scalars(select(EntryPlanStep).where(EntryPlanStep.plan == plan.id).order_by(EntryPlanStep.id)))
    done: set[str] = set()
    for s in steps:
        if s.step in ("drafted", "resubmitted", "returned"):
            done = set()
        elif s.step == "chain_confirmed":
            done.add(s.by_body)
    return done


def _body_name(session, body: str) -> str:
    if body.startswith("dept:"):
        d = session.get(Department, body[5:])
        return d.name if d else body[5:]
    return TAKERS.get(body, vocab.ROLES.get(body, body))


def waiting_for(session, plan: EntryPlan, whole_chain_names: Iterable[str] = ()) -> dict[str, Any] | None:
    """卡在哪一步、等谁: the next step, the bodies it waits for, and a sentence saying so."""
    if plan.state == "entered":
        return None
    if plan.state == "returned":
        body = f"dept:{plan.department}"
        name = _body_name(session, body)
        return {
            "step": "resubmitted",
            "step_label": STEPS["resubmitted"],
            "bodies": [body],
            "text": f"方案已被退回，等待{name}按退回理由修改后重新报送",
        }
    step, _, who = FORWARD[plan.state]
    if who == "section_lead":
        confirmers = chain_confirmers(session, plan, whole_chain_names)
        done = _confirmed_bodies(session, plan)
        pending = [b for b in confirmers if b not in done]
        names = "、".join(
            _body_name(session, b) + (f"（{'、'.join(confirmers[b])}）" if confirmers[b] else "（方案不含全链条事项）")
            for b in pending
        )
        text = f"等待{names}确认全链条审批服务事项"
        if done:
            text += f"；已确认：{'、'.join(_body_name(session, b) for b in sorted(done))}"
        return {"step": step, "step_label": STEPS[step], "bodies": pending, "text": text}
    body = who
    verbs = {
        "drc": "审查收费事项、收费依据和标准",
        "reform_office": "汇总",
        "government": "审定",
        "gov_service": "会同部门完成进驻并记录",
    }
    return {"step": step, "step_label": STEPS[step], "bodies": [body], "text": f"等待{TAKERS[who]}{verbs[who]}"}


# ------------------------------------------------------------------ filings


def _step(
    ctx: FilingContext,
    plan: EntryPlan,
    step: str,
    before: str,
    reasons: list[str] | None = None,
    note: str | None = None,
    content: dict[str, Any] | None = None,
) -> EntryPlanStep:
    row = EntryPlanStep(
        plan=plan.id, step=step, by_body=ctx.actor.body, reasons=list(reasons or []), note=note, filed_at=ctx.now
    )
    record: dict[str, Any] = {
        "plan": plan.id,
        "department": plan.department,
        "step": step,
        "from": before,
        "to": plan.state,
        "reasons": list(reasons or []),
        "clause": STEP_CLAUSES[step],
    }
    if content is not None:
        record["content"] = content
    personal = {"note": note} if note else None
    ctx.record(
        row, "entry_plan_step", lambda: record, ref=plan.id, personal=personal, feed="entry_plan", feed_key=plan.id
    )
    return row


def file_plan(ctx: FilingContext, data: dict[str, Any]) -> EntryPlan:
    """A department files its entry plan (XT-4.1): state ``drafted``."""
    ctx.require_role("department")
    dept = get_department(ctx.session, data.get("department") or ctx.actor.department)
    ctx.require_department(dept.code)
    if dept.kind != "department":
        raise invalid("department", f"{dept.name}不是进驻部门")
    content = validate_content(ctx, dept.code, data)
    busy = ctx.session.scalar(
        select(EntryPlan.id).where(EntryPlan.department == dept.code, EntryPlan.state != "entered").limit(1)
    )
    if busy is not None:
        raise Conflict(f"{dept.name}已有进行中的进驻方案（编号{busy}），请在该方案上继续办理")
    plan = EntryPlan(department=dept.code, content=content, state="drafted", filed_at=ctx.now)
    ctx.session.add(plan)
    ctx.session.flush()
    _step(ctx, plan, "drafted", "-", content=content)
    return plan


def get_plan(session, plan_id: int) -> EntryPlan:
    plan = session.get(EntryPlan, plan_id)
    if plan is None:
        raise NotFound(f"进驻方案“{plan_id}”不存在")
    return plan


def _require_taker(ctx: FilingContext, plan: EntryPlan, who: str, step: str, whole_chain_names: Iterable[str]) -> None:
    actor = ctx.actor
    label = STEPS[step]
    if who == "own_department":
        if actor.role != "department" or actor.department != plan.department:
            raise Forbidden(f"“{label}”须由报送方案的部门（{_body_name(ctx.session, 'dept:' + plan.department)}）办理")
        return
    if who == "section_lead":
        confirmers = chain_confirmers(ctx.session, plan, whole_chain_names)
        if actor.body not in confirmers:
            names = "、".join(_body_name(ctx.session, b) for b in confirmers)
            raise Forbidden(f"“{label}”须由{names}办理（功能板块牵头单位；方案不含全链条事项时由政务服务部门确认）")
        if step == "chain_confirmed" and actor.body in _confirmed_bodies(ctx.session, plan):
            raise WrongState(f"{_body_name(ctx.session, actor.body)}已确认过该方案的全链条事项")
        return
    if actor.role != who:
        raise Forbidden(f"“{label}”须由{TAKERS[who]}办理，角色“{vocab.ROLES.get(actor.role, actor.role)}”无权办理")


def take_step(
    ctx: FilingContext,
    plan_id: int,
    step: str,
    *,
    reasons: list[str] | None = None,
    note: str | None = None,
    content: dict[str, Any] | None = None,
    whole_chain_names: Iterable[str] = (),
) -> EntryPlanStep:
    """One step of the plan by the body whose turn it is (see the module docstring)."""
    plan = get_plan(ctx.session, plan_id)
    if step not in STEPS or step == "drafted":
        transition(plan.state, step)  # raises the "unknown step" error
    roles = STEP_ROLES[step]
    if ctx.actor.role not in roles:  # a role that never takes this step: 403 whatever the state
        raise Forbidden(
            f"“{STEPS[step]}”须由{'、'.join(vocab.ROLES[r] for r in roles)}办理，"
            f"角色“{vocab.ROLES.get(ctx.actor.role, ctx.actor.role)}”无权办理"
        )
    before = plan.state
    new_state, who = transition(before, step)
    _require_taker(ctx, plan, who, step, whole_chain_names)
    reasons = [r.strip() for r in (reasons or []) if r and r.strip()]
    if step == "returned" and not reasons:
        raise invalid("reasons", "退回须写明理由")
    if step == "fees_reviewed":
        _require_fee_reviews(ctx, plan)
    if step == "chain_confirmed":
        confirmers = chain_confirmers(ctx.session, plan, whole_chain_names)
        done = _confirmed_bodies(ctx.session, plan) | {ctx.actor.body}
        if not set(confirmers) <= done:
            new_state = before  # this lead has confirmed; the others are still to
    if step == "resubmitted" and content is not None:
        plan.content = validate_content(ctx, plan.department, content)
    plan.state = new_state
    return _step(
        ctx, plan, step, before, reasons=reasons, note=note, content=plan.content if step == "resubmitted" else None
    )


def _require_fee_reviews(ctx: FilingContext, plan: EntryPlan) -> None:
    """The DRC moves a plan on only when every fee item has an approved review (XT-4.2)."""
    missing = []
    for fee in plan.content.get("fee_items") or []:
        ok = ctx.session.scalar(
            select(FeeReview.id)
            .where(
                FeeReview.item == fee["item"],
                FeeReview.fee == fee["fee"],
                FeeReview.result == "approved",
                FeeReview.basis_ok.is_(True),
                FeeReview.standard_ok.is_(True),
            )
            .limit(1)
        )
        if ok is None:
            missing.append(f"{fee['item']}/{fee['fee']}")
    if missing:
        raise WrongState(
            f"收费事项尚未审查通过：{'、'.join(missing)}；请先审查收费依据和标准（POST /fees/{{code}}/review），"
            f"或退回方案"
        )


def steps_of(session, plan_id: int) -> list[EntryPlanStep]:
    return list(session.scalars(select(EntryPlanStep).where(EntryPlanStep.plan == plan_id).order_by(EntryPlanStep.id)))
