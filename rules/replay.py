"""Replay a logged decision: the same pack and snapshot give the same answer (bar its id)."""

from __future__ import annotations

from .decision import DecisionJSON
from .engine import Engine
from .pack import Pack
from .shapes import JSON, Snapshot

REQUEST_KEYS = ("person", "action", "item", "at", "known_at", "place", "seal", "case")


def replay(pack: Pack, snapshot: Snapshot, logged_request: dict[str, JSON]) -> dict[str, JSON]:
    """The answer `logged_request` (as given to `Engine.decision_log`) gets from `snapshot`, as the
    decision log holds it (a plain dict)."""
    engine = Engine(pack)
    engine.load(snapshot)
    asked: list[JSON] = [logged_request.get(k) for k in REQUEST_KEYS]  # as logged: JSON
    person, action, item, at, known_at, place, seal, case = asked
    return dict(engine.decide(person, action, item, at, known_at, place, seal, case).to_dict())


def same_decision(a: DecisionJSON | dict[str, JSON], b: DecisionJSON | dict[str, JSON]) -> bool:
    """Two answers agree on everything but the decision id."""

    def strip(d: DecisionJSON | dict[str, JSON]) -> dict[str, object]:
        return {k: v for k, v in d.items() if k != "decision_id"}

    return strip(a) == strip(b)
