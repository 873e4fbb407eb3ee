"""The door of an agency step (帮办代办, XT-3.5 and XT-3.2; rules.agency): who and where read from the
signed facts under the log's lock, inside the step's write transaction, and refused before anything
is written. The same rule answers `POST /decisions` with action `agency` (rules.engine)."""

from __future__ import annotations

from registry.errors import NotFound
from registry.services.context import FilingContext
from rules.agency import act_in, refusals
from rules.pack import Pack
from application.acts import ActRefused


def check_agency(ctx: FilingContext, pack: Pack, number: str, person: int | None, place: str | None) -> None:
    """Raises ActRefused unless the step is recorded at a comprehensive window or by a person of
    the case department's approval service section (NotFound for a case onehall does not hold)."""

    def read(state):
        case = state.tables["cases"].get(number)
        if case is None:
            raise NotFound(f"办件“{number}”不存在")
        return act_in(state.tables, person, case.get("department"), place)

    reasons = refusals(pack, ctx.signed(read))
    if reasons:
        raise ActRefused("不允许记录帮办代办", reasons)
