"""The demo city made N times bigger (`onehall init --demo --scale N`, issue 12 Speed): every person
and every published item of the demo gets N−1 more of its kind in the same department — people
in the same section, items with the same rules under a code `<code>-<k>` and a name marked
“（第k批）” —, filed through the same services as the demo (signed, logged). Pages are measured
at the demo's size and at 10× it (bench.pages)."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from registry.inputs.filings import ItemIn, PersonIn
from registry.demo import GOV_SERVICE, _Names, dept_actor
from registry.models import ItemVersion, Person
from registry.seed.demo_city import SEED, sh
from registry.services import catalog, org
from registry.services.catalog import ITEM_FIELDS, published_items
from registry.services.context import FilingContext

SCALED_MARK = "（第{k}批）"


def scale_demo(base: FilingContext, factor: int, progress: bool = True) -> dict[str, int]:
    """Add (factor − 1) copies of the demo's people and published items; a no-op when the
    registry is already scaled (an item `<code>-2` exists) or factor ≤ 1."""
    session = base.session
    items = published_items(session)
    if (
        factor <= 1
        or not items
        or session.scalar(select(ItemVersion.id).where(ItemVersion.code == f"{items[0].code}-2").limit(1)) is not None
    ):
        return {"people": 0, "items": 0}
    people = list(session.scalars(select(Person).order_by(Person.id)))
    names = _Names(random.Random(SEED + factor))
    names.used |= {p.name for p in people}
    when = sh(2018, 12, 10)
    added = {"people": 0, "items": 0}
    from tqdm import tqdm

    total = (factor - 1) * (len(people) + len(items))
    with tqdm(
        total=total, desc=f"放大演示数据 ×{factor}", unit="条", file=sys.stderr, disable=not progress, leave=False
    ) as bar:
        for k in range(2, factor + 1):
            for p in people:
                org.create_person(
                    replace(base, actor=dept_actor(p.department), now=when),
                    PersonIn(name=names(), department=p.department, section=p.section, position="科员"),
                )
                added["people"] += 1
                bar.update(1)
            for it in items:
                data: dict[str, Any] = {f: getattr(it, f) for f in ITEM_FIELDS}
                data.update(code=f"{it.code}-{k}", name=it.name + SCALED_MARK.format(k=k))
                catalog.file_item(replace(base, actor=GOV_SERVICE, now=when), ItemIn.model_validate(data))
                added["items"] += 1
                bar.update(1)
    session.flush()
    return added
