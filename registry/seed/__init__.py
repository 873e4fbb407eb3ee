"""Reference data the plan itself fixes: annex units, the bodies, halls and the platform.

``plan.yaml`` holds the facts; :func:`load_plan_facts` files them through the org services.
It is idempotent: a department, hall or place whose code exists is kept as it is.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from registry.inputs.filings import DepartmentIn, HallIn, PlaceIn
from registry.models import Department, Hall, Place
from registry.services import org
from registry.services.context import FilingContext

SEED_DIR = Path(__file__).resolve().parent
PLAN_FILE = SEED_DIR / "plan.yaml"


@lru_cache(maxsize=1)
def plan_data() -> dict[str, Any]:
    with PLAN_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def plan_departments() -> list[dict[str, Any]]:
    """Every department row of the plan, in the annex's order, bodies last (create_department data)."""
    data = plan_data()
    rows: list[dict[str, Any]] = []
    for group in data["annex"]:
        for unit in group["units"]:
            rows.append(
                {
                    "code": unit["code"],
                    "name": unit["name"],
                    "group": unit.get("group", group["group"]),
                    "kind": "department",
                    "entry_phase": group["entry_phase"],
                    "low_volume": False,
                    "placeholder": bool(unit.get("placeholder", group.get("placeholder", False))),
                    "note": unit.get("note", group.get("note")),
                }
            )
    for body in data["bodies"]:
        rows.append(
            {
                "code": body["code"],
                "name": body["name"],
                "group": body["group"],
                "kind": body.get("kind", "department"),
                "entry_phase": body.get("entry_phase"),
                "low_volume": False,
                "placeholder": False,
                "note": body.get("note"),
            }
        )
    return rows


def annex_codes(entry_phase: str | None = None, group: str | None = None) -> list[str]:
    """Codes of the annex units, optionally of one entry phase and/or group."""
    out = []
    for g in plan_data()["annex"]:
        if entry_phase and g["entry_phase"] != entry_phase:
            continue
        if group and g["group"] != group:
            continue
        out.extend(u["code"] for u in g["units"])
    return out


def load_plan_facts(ctx: FilingContext) -> dict[str, int]:
    """File the plan's facts that are missing; returns how many of each kind were created.

    `ctx` acts as the government service department (``registry.services.context.SYSTEM``
    for ``onehall init``): departments, halls and places are its to register.
    """
    session = ctx.session
    created = {"departments": 0, "halls": 0, "places": 0}
    for row in plan_departments():
        if session.get(Department, row["code"]) is None:
            org.create_department(ctx, DepartmentIn.model_validate(row))
            created["departments"] += 1
    for hall in plan_data()["halls"]:
        if session.get(Hall, hall["code"]) is None:
            org.create_hall(
                ctx, HallIn.model_validate({k: hall.get(k) for k in ("code", "name", "kind", "host_department")})
            )
            created["halls"] += 1
    for place in plan_data()["places"]:
        if session.get(Place, place["code"]) is None:
            org.create_place(
                ctx,
                PlaceIn.model_validate(
                    {k: place.get(k) for k in ("code", "name", "kind", "hall", "department", "function_section")}
                ),
            )
            created["places"] += 1
    return created
