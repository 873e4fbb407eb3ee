"""Replay a logged decision: the same pack and snapshot give the same answer (bar its id)."""

from __future__ import annotations

from .engine import Engine
from .pack import Pack

REQUEST_KEYS = ("person", "action", "item", "at", "known_at", "place", "seal", "case")


def replay(pack: Pack, snapshot: dict, logged_request: dict) -> dict:
    """The answer `logged_request` (as given to `Engine.decision_log`) gets from `snapshot`, as the
    decision log holds it (a plain dict)."""
    engine = Engine(pack)
    engine.load(snapshot)
    return dict(engine.decide(**{k: logged_request.get(k) for k in REQUEST_KEYS}).to_dict())


def same_decision(a: dict, b: dict) -> bool:
    """Two answers agree on everything but the decision id."""
    strip = lambda d: {k: v for k, v in d.items() if k != "decision_id"}
    return strip(a) == strip(b)
