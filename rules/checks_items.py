"""Compliance checks on items, their limits and materials, and cases (docs/design.md §6):
registered into rules.compliance_env's CHECKS by their `check:` name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from .compliance_env import REASON_LABELS, Env, Found, _items, check
from .limits import comparable, fmt_days, show, to_working_days
from .numbers import compression
from .rule import Rule
from .timeutil import INF, NEG_INF, ts
from .shapes import JSON
from .world import DEPTH_LABELS
from .records import ItemRec, PlaceRec


@check("item_condition")
def _item_condition(env: Env, rule: Rule) -> Iterator[Found]:
    for it in _items(env, rule):
        yield (
            f"item:{it.code}",
            it.department,
            {
                "item_name": it.name,
                "item_code": it.code,
                "online_depth_label": DEPTH_LABELS.get(it.online_depth, it.online_depth),
            },
        )


def _whole_chain_items(env: Env) -> set[str]:
    names = set(env.params.get("whole_chain_sections") or ())
    out: set[str] = set()
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
        reason: JSON = ex.get("reason")
        yield (
            f"exemption:{ex['id']}",
            it.department,
            {
                "item_name": it.name,
                "item_code": it.code,
                "state": state,
                "reason_label": REASON_LABELS.get(reason, reason or "未说明理由"),
            },
        )


@check("time_compression")
def _time_compression(env: Env, rule: Rule) -> Iterator[Found]:
    comp = compression(env.pack)
    factor, reading = comp.factor, comp.reading
    for it in _items(env):
        stat, prom = it.raw.get("statutory_limit"), it.raw.get("promised_limit")
        if not stat or not prom:
            continue  # items without a statutory (or promised) limit are skipped (docs/design.md §6)
        base = {"item_name": it.name, "item_code": it.code}
        if not comparable(stat, prom):
            yield (
                f"item:{it.code}",
                it.department,
                {**base, "detail": (f"承诺时限{show(prom)}与法定时限{show(stat)}单位不同，无法比较（cannot compare）")},
            )
            continue
        if stat.get("unit") == prom.get("unit"):
            s, p, est = float(stat["value"]), float(prom["value"]), False
            unit = show({"value": 0, "unit": stat["unit"]})[1:]
        else:
            cs, cp = to_working_days(stat, env.ref_date, env.wdb), to_working_days(prom, env.ref_date, env.wdb)
            if cs.days is None or cp.days is None:
                continue  # a unit neither in days nor months: nothing to compare
            s, p, est, unit = cs.days, cp.days, cs.estimated or cp.estimated, "个工作日"
        limit = s * factor
        if comp.exceeds(s, p):
            note = "（无工作日历，自然日按5/7折算）" if est else ""
            yield (
                f"item:{it.code}",
                it.department,
                {
                    **base,
                    "detail": (
                        f"承诺时限{show(prom)}，法定时限{show(stat)}，按“{reading}”应不超过{fmt_days(limit)}{unit}{note}"
                    ),
                },
            )


def _aggregate(env: Env, items: Iterable[ItemRec]) -> tuple[float, float, int, int, bool]:
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
    """ "整体压缩15%" is city-wide (docs/design.md §12.2): one finding for the city; each department's
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
        yield (
            subject,
            dept,
            {
                "scope_name": name,
                "detail": (
                    f"有2017年基数的事项承诺时限合计{fmt_days(p)}个工作日，基数{fmt_days(b)}个工作日，"
                    f"仅压缩{(1 - p / b) * 100:.1f}%，未达到{r * 100:.0f}%"
                    + ("（" + "；".join(extra) + "）" if extra else "")
                    + (f"。{new_detail}" if new_detail else "")
                ),
            },
        )


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
                yield (
                    f"item:{it.code}/material:{m.get('code') or name}",
                    it.department,
                    {"item_name": it.name, "item_code": it.code, "material": name},
                )
        for i, cond in enumerate(it.raw.get("conditions") or ()):
            text = cond if isinstance(cond, str) else (cond or {}).get("text") or ""
            if catch_all(text, pats):
                yield (
                    f"item:{it.code}/condition:{i + 1}",
                    it.department,
                    {"item_name": it.name, "item_code": it.code, "material": f"申请条件“{text}”"},
                )


@check("material_resubmitted")
def _resubmitted(env: Env, rule: Rule) -> Iterator[Found]:
    items = env.world.items
    for fs in env.world.rows("function_sections"):
        collected: dict[JSON, tuple[str]] = {}
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
                    yield (
                        f"item:{code}/material:{m.get('code') or key}",
                        it.department,
                        {
                            "item_name": it.name,
                            "item_code": it.code,
                            "earlier_name": earlier.name,
                            "material": m.get("name") or key,
                            "section_name": fs.get("name") or fs.get("code"),
                        },
                    )
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
            yield (
                f"item:{it.code}/fee:{fee.get('code')}",
                it.department,
                {
                    "item_name": it.name,
                    "item_code": it.code,
                    "fee_name": fee.get("name") or fee.get("code"),
                    "why": why,
                },
            )


@check("item_not_published")
def _item_not_published(env: Env, rule: Rule) -> Iterator[Found]:
    for it in env.world.items.values():
        if it.status == "published":
            continue
        why = "被退回" if it.status == "returned" else "尚待审核"
        yield f"item:{it.code}", it.department, {"item_name": it.name, "item_code": it.code, "why": why}


# ------------------------------------------------------------------ cases


def _place(env: Env, code: JSON) -> PlaceRec | None:
    return env.world.places.get(code)


@check("case_outside_hall")
def _case_outside_hall(env: Env, rule: Rule) -> Iterator[Found]:
    for case in env.world.rows("cases"):
        it = env.world.items.get(case.get("item"))
        if it is None or not it.entered:
            continue
        if ts(case.get("accepted_at"), NEG_INF) > env.t:
            continue
        places = [case.get("place")] + [
            s.get("place") for s in case.get("steps") or () if s.get("step") in ("accepted", "decided")
        ]
        inside = [pl for p in places if p and (pl := _place(env, p)) is not None and pl.kind == "internal_office"]
        if inside:
            why = f"在内部科室“{inside[0].name}”受理或审批"
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
            names = "、".join(f"“{(pl.name if (pl := _place(env, p)) else p)}”" for p in places)
            yield (
                f"application:{key}",
                it.department if it else None,
                {"places": names, "cases": "、".join(sorted(str(c["number"]) for c in live))},
            )
