"""What one question is about (`Ctx`): the facts, the person, item, place, seal and case, the moments,
and the candidate grant being tried. Field readers (rules.fields), plans, evaluation and explanation read it."""

from __future__ import annotations

from .index import DecisionIndex
from .shapes import Row
from .world import World
from .records import AuthRec, ItemRec, PersonRec, PlaceRec, SealRec


class Ctx:
    """What one question is about; the per-candidate part (auth, acting_for, valid, covers) changes
    as candidates are tried."""

    __slots__ = (
        "world",
        "index",
        "person",
        "item",
        "place",
        "seal",
        "case",
        "t",
        "k",
        "auth",
        "acting_for",
        "valid",
        "covers",
    )

    world: World
    index: DecisionIndex
    person: PersonRec  # left unset in an item's context (rules.compliance_env): item conditions never read it
    item: ItemRec
    place: PlaceRec | None
    seal: SealRec | None
    case: Row | None  # the case's row, fields.NOT_HELD for a case onehall does not hold
    t: float  # the moment asked about
    k: float  # as known at
    auth: AuthRec | None
    acting_for: int | None
    valid: bool
    covers: bool
