"""The demo city: a realistic, deterministic registry built through the filing services.

``load_demo(ctx)`` adds, on top of the plan's facts (loaded first if missing): sections,
places, people, a catalog of ~230 items over the annex departments, seals, chief-
representative and government-service authorizations, seal custody, absences, a revocation,
a delegation, staff filings, exemptions and the sub-hall approvals. Every record goes
through :mod:`registry.services`, with the actor that would file it in life (a department,
the reform office, the DRC, the government, the government service department) and a fixed
filing time, so the log reads like the city's history:

* 2018-12: sections, places, people, directory and items, reviews, fee reviews, sub-hall
  approvals, seals, authorizations valid from 2019-01-01 (Asia/Shanghai), custody, staff;
* 2019-01: exemption requests and the government's decisions;
* 2022-06: one B-post authorization revoked and replaced;
* 2025-03 and 2026-11: absences (one A post absent "now", one department with A and B both absent);
* 2026-10: one exemption still pending.

Findings are built in on purpose (departments without an approval service section, items
not entered, catch-all materials, limits not compressed, 1–2-day commitment items, grants
below the minimum, a missing government-service authorization, ineligible chief
representatives, re-required chain materials, an unreviewed fee, no 市民之家 opening).

Deterministic: fixed seed and dates; loading twice does nothing the second time. The city's data
is in registry/seed (demo_catalogue.csv, demo_tables.yaml); the steps that file it are planned by
registry.demo.org, .catalog and .grants (registry.demo.plan: what they share).
"""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import func, select

from registry.demo import catalog, grants, org
from registry.demo.plan import DEPT_NAMES, DRC, GOV_SERVICE, GOVERNMENT, REFORM, Plan, _Names, dept_actor
from registry.models import ItemVersion, Person
from registry.seed import load_plan_facts
from registry.seed.demo_city import sh
from registry.services.context import FilingContext

__all__ = [
    "DEPT_NAMES",
    "DRC",
    "GOV_SERVICE",
    "GOVERNMENT",
    "REFORM",
    "_Names",
    "dept_actor",
    "demo_present",
    "load_demo",
]


def demo_present(session) -> bool:
    return (session.scalar(select(func.count()).select_from(Person)) or 0) > 0 or (
        session.scalar(select(func.count()).select_from(ItemVersion)) or 0
    ) > 0


def load_demo(ctx: FilingContext, progress: bool = True) -> dict[str, Any]:
    """Load the demo city into the caller's transaction; a no-op when people or items exist.

    Returns the demo's figures (items by type, authorizations, absences, …), or
    ``{"skipped": True}`` when the registry already holds people or items.
    """
    session = ctx.session
    if demo_present(session):
        return {"skipped": True}
    plan = _plan(ctx)
    from tqdm import tqdm

    with tqdm(
        total=len(plan.steps), desc="加载演示数据", unit="步", file=sys.stderr, disable=not progress, leave=False
    ) as bar:
        for label, fn in plan.steps:
            bar.set_postfix_str(label, refresh=False)
            fn()
            bar.update(1)
    session.flush()
    return plan.st.figures()


def _plan(base: FilingContext) -> Plan:
    """The demo's steps in the order of the city's history (see the module docstring)."""
    plan = Plan(base)
    plan.add("计划事实", lambda: load_plan_facts(plan.ctx(GOV_SERVICE, sh(2018, 12, 1))))
    org.mark_low_volume(plan)
    catalog.function_sections(plan)
    org.sections_and_people(plan)
    org.places(plan)
    returned = catalog.items(plan)
    catalog.refile(plan, returned)
    org.hall_approvals(plan)
    seals = org.seals(plan)
    grants.grant_steps(plan, seals)
    return plan
