"""The door: may this acceptance be recorded at all? (XT-3.3.1, docs/design.md §12.1)

"严禁两头受理、体外循环" is a refusal, not a finding. The engine answers whether the person may
accept the item here (grants, the internal-office ban); this module answers, from what the
registry read inside the write transaction, whether the application itself may be accepted:
not while an open case of it exists anywhere (两头受理), not when the platform never reported it
(体外循环) unless a declared platform outage covers the acceptance. Pure: no database.

Each refusal cites the pack's rule (its id, clause and quoted text) and says in Chinese why.
"""

from __future__ import annotations

from dataclasses import dataclass
from .decision import Reason
from .pack import Pack
from .shapes import Row

TWO_HEADED = "place.no_two_headed_acceptance"
OUTSIDE = "place.no_case_outside_system"


@dataclass(frozen=True)
class Acceptance:
    """The acceptance asked for and the registry's facts about its application."""

    item: str
    place: str
    place_name: str
    platform_no: str | None
    application: Row | None  # the platform record ({"item"}), or None
    open_cases: tuple[Row, ...]  # open cases of the same application: {"number", "place"}
    in_outage: bool  # a declared platform outage covers the acceptance


def refusals(pack: Pack, a: Acceptance, place_names: dict[str, str] | None = None) -> list[Reason]:
    """The reasons the acceptance is refused: [{"rule", "clause", "text", "detail"}], [] if none."""
    names = place_names or {}
    out: list[Reason] = []
    for other in a.open_cases:
        where = names.get(other["place"], other["place"])
        out.append(
            _reason(
                pack,
                TWO_HEADED,
                f"该申请已于“{where}”受理（办件{other['number']}，尚未办结或退回），"
                f"不得在“{a.place_name}”再次受理：严禁两头受理",
            )
        )
    if a.application is None and not a.in_outage:
        what = f"一体化平台申报号“{a.platform_no}”" if a.platform_no else "该申请"
        out.append(_reason(pack, OUTSIDE, f"{what}没有一体化平台的申报记录，不得受理：严禁体外循环"))
    elif a.application is not None and a.application.get("item") != a.item:
        out.append(
            _reason(
                pack,
                OUTSIDE,
                f"一体化平台申报号“{a.platform_no}”申报的事项是“{a.application.get('item')}”，"
                f"不是“{a.item}”，不得按此受理：严禁体外循环",
            )
        )
    return out


def _reason(pack: Pack, rule_id: str, detail: str) -> Reason:
    rule = pack.by_id[rule_id]
    return {"rule": rule.id, "clause": rule.clause, "text": rule.text, "detail": detail}
