"""Compliance checks on departments, sections, chief representatives and grants (docs/design.md
§6): registered into rules.compliance_env's CHECKS by their `check:` name."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from .compliance_env import Env, Found, _items, check
from .rule import Rule
from .schema import CHIEF_REP_MINIMUM, GOV_SERVICE_MINIMUM, ACTIONS
from .timeutil import INF, NEG_INF, local_date, ts
from .records import ItemRec


def _dept_items(env: Env) -> dict[str | None, list[ItemRec]]:
    out: dict[str | None, list[ItemRec]] = defaultdict(list)
    for it in _items(env):
        out[it.department].append(it)
    return out


@check("no_approval_section")
def _no_approval_section(env: Env, rule: Rule) -> Iterator[Found]:
    has = {s.get("department") for s in env.world.rows("sections") if s.get("kind") == "approval_service"}
    for d, its in _dept_items(env).items():
        if d not in has:
            yield f"department:{d}", d, {"count": len(its)}


@check("chief_rep_not_head")
def _chief_rep_not_head(env: Env, rule: Rule) -> Iterator[Found]:
    """The A post is, in principle, the head of the department's approval service section or of a
    main business section: read from the sections' recorded kind and head (docs/design.md §12.2), never
    from words in a position title (a legacy "business" section counts as a main one)."""
    heads = {
        (s.get("department"), s.get("head"))
        for s in env.world.rows("sections")
        if s.get("head") is not None and s.get("kind") in ("approval_service", "main_business", "business")
    }
    for a in env.chief_reps():
        p = env.world.people.get(a.person)
        if a.post != "A" or p is None or (a.grantor, p.id) in heads:
            continue
        yield f"person:{p.id}", a.grantor, {"person_name": p.name, "position": p.position or "职务未填", "post": a.post}


@check("no_b_post")
def _no_b_post(env: Env, rule: Rule) -> Iterator[Found]:
    backed = {a.backs for a in env.live if a.post == "B"}
    for a in env.live:
        if a.post == "A" and a.person is not None and a.id not in backed:
            yield f"authorization:{a.id}", a.grantor, {"person_name": env.person_name(a.person), "auth_id": a.id}


@check("both_posts_absent")
def _both_absent(env: Env, rule: Rule) -> Iterator[Found]:
    by_id = {a.id: a for a in env.live}
    for b in env.live:
        a = by_id.get(b.backs) if b.post == "B" else None
        if a is None or a.person is None or b.person is None:
            continue
        if env.index.absent(a.person, env.t, env.k) and env.index.absent(b.person, env.t, env.k):
            yield (
                f"authorization:{a.id}",
                a.grantor,
                {"a_name": env.person_name(a.person), "b_name": env.person_name(b.person), "date": local_date(env.t)},
            )


@check("chief_rep_not_filed")
def _chief_rep_not_filed(env: Env, rule: Rule) -> Iterator[Found]:
    filed = set()
    for f in env.world.rows("staff_filings"):
        for entry in f.get("people") or ():
            if entry.get("role") == "chief_representative":
                filed.add((f.get("department"), entry.get("person")))
    for a in env.chief_reps():
        if (a.grantor, a.person) not in filed:
            yield f"person:{a.person}", a.grantor, {"person_name": env.person_name(a.person), "post": a.post}


@check("delegation_not_low_volume")
def _delegation_not_low_volume(env: Env, rule: Rule) -> Iterator[Found]:
    for d in env.world.rows("delegations"):
        if ts(d.get("from"), NEG_INF) <= env.t < ts(d.get("to"), INF):
            dept = env.world.tables["departments"].get(d.get("department")) or {}
            if not dept.get("low_volume"):
                yield f"delegation:{d['id']}", d.get("department"), {"delegation_id": d["id"]}


@check("chief_rep_grant_short")
def _chief_rep_short(env: Env, rule: Rule) -> Iterator[Found]:
    for a in env.chief_reps():
        missing = [ACTIONS[p] for p in CHIEF_REP_MINIMUM if p not in a.powers]
        if missing:
            yield (
                f"authorization:{a.id}",
                a.grantor,
                {
                    "person_name": env.person_name(a.person),
                    "post": a.post,
                    "auth_id": a.id,
                    "missing": "、".join(missing),
                },
            )


@check("gov_service_grant_short")
def _gov_service_short(env: Env, rule: Rule) -> Iterator[Found]:
    grants = defaultdict(list)
    for a in env.live:
        if a.gov_service:
            grants[a.grantor].append(a)
    for d, its in _dept_items(env).items():
        entered = [it for it in its if it.entered]
        if (
            not entered
            or env.world.delegated(entered[0], env.t, env.k)
            and all(env.world.delegated(it, env.t, env.k) for it in entered)
        ):
            continue
        gs = grants.get(d, [])
        if not gs:
            yield f"department:{d}", d, {"missing": "没有对政务服务部门的授权"}
            continue
        problems = []
        powers = set().union(*(g.powers for g in gs))
        lacking = [ACTIONS[p] for p in GOV_SERVICE_MINIMUM if p not in powers]
        if lacking:
            problems.append("缺少权限：" + "、".join(lacking))
        uncovered = [it.code for it in entered if not any(g.covers(it) for g in gs)]
        if uncovered:
            problems.append(f"{len(uncovered)}个进驻事项不在授权范围内（如{uncovered[0]}）")
        if problems:
            yield f"department:{d}", d, {"missing": "；".join(problems)}


@check("section_item_not_served")
def _section_item_not_served(env: Env, rule: Rule) -> Iterator[Found]:
    gs = [a for a in env.live if a.gov_service]
    names = {fs.get("code"): fs.get("name") or fs.get("code") for fs in env.world.rows("function_sections")}
    for it in _items(env):
        if not it.function_section or env.world.delegated(it, env.t, env.k):
            continue
        if not any(g.covers(it) and "accept" in g.powers for g in gs):
            yield (
                f"item:{it.code}",
                it.department,
                {
                    "item_name": it.name,
                    "item_code": it.code,
                    "section_name": names.get(it.function_section, it.function_section),
                },
            )


@check("joint_without_countersign")
def _joint_countersign(env: Env, rule: Rule) -> Iterator[Found]:
    items = env.world.items
    holders = [a for a in env.chief_reps() if "countersign" in a.powers]
    for it in _items(env):
        if not it.joint:
            continue
        base = {"item_name": it.name, "item_code": it.code}
        if not it.partners:
            yield f"item:{it.code}", it.department, {**base, "why": "尚未列明联办的协办事项与部门"}
            continue
        for pc in it.partners:
            partner = items.get(pc)
            if partner is None:
                yield f"item:{it.code}/partner:{pc}", it.department, {**base, "why": f"的协办事项{pc}不在实施清单中"}
            elif not any(a.covers(partner) for a in holders):
                yield (
                    f"item:{it.code}/partner:{pc}",
                    it.department,
                    {**base, "why": f"的协办部门{env.dept(partner.department)}没有持有联合审批会签权的首席代表"},
                )


@check("entry_incomplete")
def _entry_incomplete(env: Env, rule: Rule) -> Iterator[Found]:
    dept_items = _dept_items(env)
    staffed = {f.get("department") for f in env.world.rows("staff_filings") if f.get("people")}
    chief = {a.grantor for a in env.chief_reps()}
    gov = {a.grantor for a in env.live if a.gov_service}
    for d in env.annex_departments():
        code = d["code"]
        if d.get("entry_phase") not in (None, "2018-12"):
            continue
        its = dept_items.get(code, [])
        if not its:
            continue
        missing = []
        if not any(it.entered for it in its):
            missing.append("事项未进驻")
        if code not in staffed:
            missing.append("人员未备案进驻")
        if code not in chief:
            missing.append("未授权首席代表")
        if code not in gov and not any(env.world.delegated(it, env.t, env.k) for it in its):
            missing.append("未授权政务服务部门")
        if missing:
            yield f"department:{code}", code, {"missing": "、".join(missing)}


@check("nominal_entry")
def _nominal_entry(env: Env, rule: Rule) -> Iterator[Found]:
    windows = {p.department for p in env.world.places.values() if p.kind == "department_window"}
    staffed = {
        f.get("department")
        for f in env.world.rows("staff_filings")
        if any(e.get("role") == "staff" for e in f.get("people") or ())
    }
    chief = {a.grantor for a in env.chief_reps()}
    for d, its in _dept_items(env).items():
        entered = [it for it in its if it.entered]
        if not entered:
            continue
        delegated = all(env.world.delegated(it, env.t, env.k) for it in entered)
        missing = []
        if not delegated and d not in windows and d not in staffed:
            missing.append("没有进驻人员或部门窗口")
        if d not in chief:
            missing.append("没有在岗的首席代表")
        if missing:
            yield f"department:{d}", d, {"count": len(entered), "missing": "、".join(missing)}


@check("late_filed")
def _late_filed(env: Env, rule: Rule) -> Iterator[Found]:
    for a in env.world.auths.values():
        if a.late_filed:
            yield f"authorization:{a.id}", a.grantor, {"auth_id": a.id}


@check("annex_unit_not_entered")
def _annex_not_entered(env: Env, rule: Rule) -> Iterator[Found]:
    entered = {it.department for it in _items(env) if it.entered}
    for d in env.annex_departments():
        if d.get("entry_phase") == "2018-12" and d["code"] not in entered:
            yield f"department:{d['code']}", d["code"], {}
