"""Compliance findings: the pack's `finding` rules run over a snapshot (docs/design.md §5, §6).

Each `check:` name of a finding rule is one generator below, yielding (subject, department,
values); the rule's `explain` template turns the values into the Chinese text. A finding id is
stable (hash of rule and subject) so alerts and exceptions can refer to it. A live Exception
row for the same rule and subject clears an `in_principle` finding.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime
from typing import Callable, Iterator

from .evaluate import Ctx
from .explain import render
from .fields import MISSING, bind
from .index import DecisionIndex
from .limits import comparable, fmt_days, show, to_working_days
from .pack import Pack, Rule
from .schema import CHIEF_REP_MINIMUM, GOV_SERVICE_MINIMUM, ACTIONS
from .timeutil import INF, NEG_INF, SHANGHAI, local_date, now, ts
from .world import DEPTH_LABELS, World

Found = tuple[str, str | None, dict]  # subject, department, template values
CHECKS: dict[str, Callable] = {}
REASON_LABELS = {"law": "法律法规明文规定", "venue": "场地条件限制", "other": "其他特殊情况"}


def check(name):
    def reg(fn):
        CHECKS[name] = fn
        return fn
    return reg


class Env:
    """One compliance run: the facts known at `known_at`, the moment `at`, the pack's parameters."""

    def __init__(self, pack: Pack, snapshot: dict, at: float, known_at: float, wdb):
        self.pack, self.t, self.k, self.wdb = pack, at, known_at, wdb
        self.params = pack.parameters
        excluded = frozenset((pack.classes.get("application") or {}).get("exclude_item_types", ()))
        self.world = w = World(excluded)
        w.load(_known(snapshot, known_at))
        self.index = idx = DecisionIndex()
        for r in w.rows("revocations"):
            idx.add_revocation(r["id"], r.get("authorization"), ts(r.get("at"), NEG_INF), ts(r.get("filed_at"), NEG_INF))
        for a in w.rows("absences"):
            idx.add_absence(a["id"], a.get("person"), ts(a.get("from"), NEG_INF), ts(a.get("to"), INF),
                            ts(a.get("filed_at"), NEG_INF))
        self.live = [a for a in w.auths.values() if idx.valid(a, at, known_at)]
        self.ref_date = datetime.fromtimestamp(at, SHANGHAI).date()

    def dept(self, code) -> str:
        return self.world.department_name(code)

    def person_name(self, pid) -> str:
        p = self.world.people.get(pid)
        return p.name if p else str(pid)

    def item_ctx(self, item) -> Ctx:
        c = Ctx()
        c.world, c.index, c.item, c.t, c.k = self.world, self.index, item, self.t, self.k
        c.person = c.place = c.seal = c.case = c.auth = c.acting_for = None
        c.valid = c.covers = True
        return c

    def chief_reps(self):
        return [a for a in self.live if a.person is not None and a.post in ("A", "B")]

    def annex_departments(self):
        for d in self.world.rows("departments"):
            if (d.get("kind") or "department") == "department" and not d.get("placeholder"):
                yield d


def _known(snapshot: dict, k: float) -> dict:
    out = {}
    for key, rows in snapshot.items():
        if isinstance(rows, list):
            out[key] = [r for r in rows if not isinstance(r, dict) or ts(r.get("filed_at"), NEG_INF) <= k]
        else:
            out[key] = rows
    return out


def findings(pack: Pack, snapshot: dict, at=None, known_at=None,
             working_days_between: Callable | None = None, department: str | None = None) -> list[dict]:
    """Every finding of the pack's finding rules at `at` as known at `known_at` (both default now)."""
    t = now() if at is None else ts(at)
    k = now() if known_at is None else ts(known_at)
    bind(pack)
    env = Env(pack, snapshot, t, k, working_days_between)
    exceptions = [e for e in env.world.rows("exceptions")
                  if ts(e.get("filed_at"), NEG_INF) <= k and t < ts(e.get("until"), INF)]
    cleared = {(e.get("rule"), e.get("subject")) for e in exceptions}
    out = []
    for rule in pack.findings:
        if rule.start_at is not None and t < rule.start_at:
            continue  # a dated rule does not apply before its date (docs/design.md §6)
        for subject, dept, values in CHECKS[rule.check](env, rule):
            if department is not None and dept != department:
                continue
            if rule.strength == "in_principle" and (rule.id, subject) in cleared:
                continue
            vals = dict(values)
            vals.setdefault("department_name", env.dept(dept) if dept else "全市")
            out.append({
                "id": hashlib.sha256(f"{rule.id}|{subject}".encode()).hexdigest()[:16],
                "clause": rule.clause, "rule": rule.id, "subject": subject, "department": dept,
                "severity": rule.severity, "strength": rule.strength,
                "text": render(rule.explain, vals),
            })
    return out


def summary(found: list[dict]) -> dict:
    by_clause: dict[str, int] = defaultdict(int)
    for f in found:
        by_clause[f["clause"]] += 1
    return {"total": len(found), "by_clause": dict(sorted(by_clause.items()))}


# ------------------------------------------------------------------ item checks

def _items(env: Env, rule: Rule | None = None):
    for it in env.world.items.values():
        if it.status != "published":
            continue
        if rule is not None and rule.when.conditions:
            c = env.item_ctx(it)
            if not all((v := cond.get(c)) is not MISSING and cond.test(v) for cond in rule.when.conditions):
                continue
        yield it


@check("item_condition")
def _item_condition(env: Env, rule: Rule) -> Iterator[Found]:
    for it in _items(env, rule):
        yield f"item:{it.code}", it.department, {"item_name": it.name, "item_code": it.code,
                                                   "online_depth_label": DEPTH_LABELS.get(it.online_depth, it.online_depth)}


def _whole_chain_items(env: Env) -> set[str]:
    names = set(env.params.get("whole_chain_sections") or ())
    out = set()
    for fs in env.world.rows("function_sections"):
        if fs.get("whole_chain") or fs.get("code") in names or fs.get("name") in names:
            out.update(fs.get("chain") or ())
    return out


@check("item_not_entered")
def _item_not_entered(env: Env, rule: Rule) -> Iterator[Found]:
    chain = _whole_chain_items(env)
    for it in _items(env, rule):
        if it.entered or env.world.exempted(it.code, env.t, env.k):
            continue
        if it.in_class:
            why = "是依申请类政务服务事项"
        elif it.code in chain:
            why = "属于全链条进驻的功能板块"
        else:
            continue
        yield f"item:{it.code}", it.department, {"item_name": it.name, "item_code": it.code, "why": why}


@check("exemption_not_approved")
def _exemption_not_approved(env: Env, rule: Rule) -> Iterator[Found]:
    for ex in env.world.rows("exemptions"):
        it = env.world.items.get(ex.get("item"))
        if it is None or it.entered:
            continue
        if ts(ex.get("effective_from"), NEG_INF) > env.t or env.t >= ts(ex.get("effective_to"), INF):
            continue
        dec = ex.get("decision") or {}
        if dec.get("result") == "approved" and ts(dec.get("filed_at"), NEG_INF) <= env.k:
            continue
        state = "市人民政府未批准" if dec.get("result") == "refused" else "尚未经市人民政府批准"
        yield f"exemption:{ex['id']}", it.department, {
            "item_name": it.name, "item_code": it.code, "state": state,
            "reason_label": REASON_LABELS.get(ex.get("reason"), ex.get("reason") or "未说明理由")}


@check("time_compression")
def _time_compression(env: Env, rule: Rule) -> Iterator[Found]:
    comp = env.params["compression"]
    mode, frac = comp["mode"], comp["fraction"]
    factor = float(1 - frac) if mode == "reduce_by_at_least" else float(frac)
    reading = f"至少压减{frac}" if mode == "reduce_by_at_least" else f"压减至{frac}以内"
    for it in _items(env):
        stat, prom = it.raw.get("statutory_limit"), it.raw.get("promised_limit")
        if not stat or not prom:
            continue  # items without a statutory (or promised) limit are skipped (docs/design.md §6)
        base = {"item_name": it.name, "item_code": it.code}
        if not comparable(stat, prom):
            yield f"item:{it.code}", it.department, {**base, "detail": (
                f"承诺时限{show(prom)}与法定时限{show(stat)}单位不同，无法比较（cannot compare）")}
            continue
        if stat.get("unit") == prom.get("unit"):
            s, p, est = float(stat["value"]), float(prom["value"]), False
            unit = show({"value": 0, "unit": stat["unit"]})[1:]
        else:
            cs, cp = to_working_days(stat, env.ref_date, env.wdb), to_working_days(prom, env.ref_date, env.wdb)
            s, p, est, unit = cs.days, cp.days, cs.estimated or cp.estimated, "个工作日"
        limit = s * factor
        if p > limit + 1e-9:
            note = "（无工作日历，自然日按5/7折算）" if est else ""
            yield f"item:{it.code}", it.department, {**base, "detail": (
                f"承诺时限{show(prom)}，法定时限{show(stat)}，按“{reading}”应不超过{fmt_days(limit)}{unit}{note}")}


def _aggregate(env: Env, items) -> tuple[float, float, int, int, bool]:
    total_p = total_b = 0.0
    new = skipped = 0
    est = False
    for it in items:
        prom, base = it.raw.get("promised_limit"), it.raw.get("promised_limit_2017")
        if not prom:
            continue
        if not base:
            new += 1
            continue
        cp, cb = to_working_days(prom, env.ref_date, env.wdb), to_working_days(base, env.ref_date, env.wdb)
        if cp.days is None or cb.days is None:
            skipped += 1
            continue
        est = est or cp.estimated or cb.estimated
        total_p += cp.days
        total_b += cb.days
    return total_p, total_b, new, skipped, est


@check("aggregate_reduction")
def _aggregate_reduction(env: Env, rule: Rule) -> Iterator[Found]:
    """"整体压缩15%" is city-wide (docs/design.md §12.2): one finding for the city; each department's
    figure is shown in it, not a finding of its own."""
    r = env.params["aggregate_reduction"]
    by_dept = defaultdict(list)
    items = list(_items(env))
    for it in items:
        by_dept[it.department].append(it)
    shown = []
    for d, its in sorted(by_dept.items(), key=lambda x: str(x[0])):
        dp, db, _, _, _ = _aggregate(env, its)
        if db > 0:
            shown.append(f"{env.dept(d)}压缩{(1 - dp / db) * 100:.1f}%")
    for subject, dept, name, its in [("city", None, "全市", items)]:
        p, b, new, skipped, est = _aggregate(env, its)
        if b <= 0 or p <= b * (1 - r) + 1e-9:
            continue
        if shown:
            new_detail = "各部门（仅供参考，不作为发现）：" + "，".join(shown)
        else:
            new_detail = ""
        extra = []
        if new:
            extra.append(f"另有{new}个2017年后新增事项未计入")
        if skipped:
            extra.append(f"{skipped}个事项以小时计，无法比较")
        if est:
            extra.append("无工作日历，自然日按5/7折算")
        yield subject, dept, {"scope_name": name, "detail": (
            f"有2017年基数的事项承诺时限合计{fmt_days(p)}个工作日，基数{fmt_days(b)}个工作日，"
            f"仅压缩{(1 - p / b) * 100:.1f}%，未达到{r * 100:.0f}%" + ("（" + "；".join(extra) + "）" if extra else "")
            + (f"。{new_detail}" if new_detail else ""))}


@check("commitment_should_be_instant")
def _commitment_instant(env: Env, rule: Rule) -> Iterator[Found]:
    thr = env.params["instant_threshold_days"]
    for it in _items(env):
        prom = it.raw.get("promised_limit")
        if it.case_type != "commitment" or not prom:
            continue
        if prom.get("unit") == "hour":
            short = float(prom["value"]) <= thr * 8  # a working day counts 8 office hours
        else:
            d = to_working_days(prom, env.ref_date, env.wdb).days
            short = d is not None and d <= thr
        if short:
            yield f"item:{it.code}", it.department, {"item_name": it.name, "item_code": it.code, "limit": show(prom)}


@check("catch_all_material")
def _catch_all(env: Env, rule: Rule) -> Iterator[Found]:
    """Materials and application conditions matching the reform office's list (rules.materials)."""
    from .materials import catch_all
    pats = env.params.get("catch_all") or []
    for it in _items(env):
        for m in it.raw.get("materials") or ():
            name = (m or {}).get("name") or ""
            if catch_all(name, pats):
                yield f"item:{it.code}/material:{m.get('code') or name}", it.department, {
                    "item_name": it.name, "item_code": it.code, "material": name}
        for i, cond in enumerate(it.raw.get("conditions") or ()):
            text = cond if isinstance(cond, str) else (cond or {}).get("text") or ""
            if catch_all(text, pats):
                yield f"item:{it.code}/condition:{i + 1}", it.department, {
                    "item_name": it.name, "item_code": it.code, "material": f"申请条件“{text}”"}


@check("material_resubmitted")
def _resubmitted(env: Env, rule: Rule) -> Iterator[Found]:
    items = env.world.items
    for fs in env.world.rows("function_sections"):
        collected: dict[str, tuple] = {}
        for code in fs.get("chain") or ():
            it = items.get(code)
            if it is None:
                continue
            for m in it.raw.get("materials") or ():
                # the city material dictionary's entry when the material names one (whatever code the
                # department gives it, docs/design.md §12.2); else the department's own code or name
                key = m.get("entry") or m.get("code") or m.get("name")
                if key in collected and collected[key][0] != code:
                    earlier = items[collected[key][0]]
                    yield f"item:{code}/material:{m.get('code') or key}", it.department, {
                        "item_name": it.name, "item_code": it.code, "earlier_name": earlier.name,
                        "material": m.get("name") or key, "section_name": fs.get("name") or fs.get("code")}
                else:
                    collected.setdefault(key, (code,))


@check("fee_not_reviewed")
def _fee_not_reviewed(env: Env, rule: Rule) -> Iterator[Found]:
    reviews = defaultdict(list)
    for r in env.world.rows("fee_reviews"):
        reviews[(r.get("item"), r.get("fee"))].append(r)
    for it in _items(env):
        for fee in it.raw.get("fees") or ():
            rs = reviews.get((it.code, fee.get("code")), [])
            ok = any(r.get("result") == "approved" and r.get("basis_ok") and r.get("standard_ok") for r in rs)
            if ok:
                continue
            why = "未经发改部门审查收费依据和标准" if not rs else "发改部门审查未通过（收费依据或标准不合格）"
            yield f"item:{it.code}/fee:{fee.get('code')}", it.department, {
                "item_name": it.name, "item_code": it.code, "fee_name": fee.get("name") or fee.get("code"), "why": why}


@check("item_not_published")
def _item_not_published(env: Env, rule: Rule) -> Iterator[Found]:
    for it in env.world.items.values():
        if it.status == "published":
            continue
        why = "被退回" if it.status == "returned" else "尚待审核"
        yield f"item:{it.code}", it.department, {"item_name": it.name, "item_code": it.code, "why": why}


# ------------------------------------------------------------------ cases

def _place(env, code):
    return env.world.places.get(code)


@check("case_outside_hall")
def _case_outside_hall(env: Env, rule: Rule) -> Iterator[Found]:
    for case in env.world.rows("cases"):
        it = env.world.items.get(case.get("item"))
        if it is None or not it.entered:
            continue
        if ts(case.get("accepted_at"), NEG_INF) > env.t:
            continue
        places = [case.get("place")] + [s.get("place") for s in case.get("steps") or ()
                                        if s.get("step") in ("accepted", "decided")]
        inside = [p for p in places if p and (pl := _place(env, p)) is not None and pl.kind == "internal_office"]
        if inside:
            why = f"在内部科室“{_place(env, inside[0]).name}”受理或审批"
        elif case.get("platform_record") is False:
            why = "没有一体化平台记录（体外循环）"
        else:
            continue
        yield f"case:{case['number']}", it.department, {"case": case["number"], "item_name": it.name, "why": why}


@check("case_two_headed")
def _case_two_headed(env: Env, rule: Rule) -> Iterator[Found]:
    for key, cases in env.world.cases_by_key.items():
        live = [c for c in cases if ts(c.get("accepted_at"), NEG_INF) <= env.t and c.get("place")]
        places = sorted({c["place"] for c in live})
        if len(places) > 1:
            it = env.world.items.get(live[0].get("item"))
            names = "、".join(f"“{(_place(env, p).name if _place(env, p) else p)}”" for p in places)
            yield f"application:{key}", it.department if it else None, {
                "places": names, "cases": "、".join(sorted(str(c["number"]) for c in live))}


# ------------------------------------------------------------------ departments, sections, people

def _dept_items(env: Env) -> dict[str, list]:
    out = defaultdict(list)
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
    heads = {(s.get("department"), s.get("head")) for s in env.world.rows("sections")
             if s.get("head") is not None and s.get("kind") in ("approval_service", "main_business", "business")}
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
            yield f"authorization:{a.id}", a.grantor, {"a_name": env.person_name(a.person),
                                                      "b_name": env.person_name(b.person), "date": local_date(env.t)}


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
            yield f"authorization:{a.id}", a.grantor, {"person_name": env.person_name(a.person), "post": a.post,
                                                      "auth_id": a.id, "missing": "、".join(missing)}


@check("gov_service_grant_short")
def _gov_service_short(env: Env, rule: Rule) -> Iterator[Found]:
    grants = defaultdict(list)
    for a in env.live:
        if a.gov_service:
            grants[a.grantor].append(a)
    for d, its in _dept_items(env).items():
        entered = [it for it in its if it.entered]
        if not entered or env.world.delegated(entered[0], env.t, env.k) and all(
                env.world.delegated(it, env.t, env.k) for it in entered):
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
            yield f"item:{it.code}", it.department, {"item_name": it.name, "item_code": it.code,
                                                     "section_name": names.get(it.function_section, it.function_section)}


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
                yield f"item:{it.code}/partner:{pc}", it.department, {
                    **base, "why": f"的协办部门{env.dept(partner.department)}没有持有联合审批会签权的首席代表"}


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
    staffed = {f.get("department") for f in env.world.rows("staff_filings")
               if any(e.get("role") == "staff" for e in f.get("people") or ())}
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


from . import door_checks  # noqa: E402,F401  (registers the round-2 checks: sub-halls, sections)


def _self_check():
    from .schema import FINDING_CHECKS
    missing = set(FINDING_CHECKS) - set(CHECKS)
    assert not missing, f"checks without code: {missing}"


_self_check()
