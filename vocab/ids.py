"""The decision-id format: the answering engine's prefix, then its counter in hex.

rules.engine writes ids, registry.decision_log reads them back to find a decision's batch,
so the format lives here, once.
"""

from __future__ import annotations

import itertools
from typing import Callable

COUNTER_DIGITS = 10


def id_maker(prefix: str, start: int = 1) -> Callable[[], str]:
    """A function returning the next decision id of an engine with ``prefix`` (cheap: one call)."""
    template = prefix.replace("%", "%%") + f"%0{COUNTER_DIGITS}x"
    return map(template.__mod__, itertools.count(start)).__next__


def split_id(decision_id: str) -> tuple[str, int] | None:
    """(engine prefix, counter) of a decision id, or None if it is not one."""
    prefix, digits = decision_id[:-COUNTER_DIGITS], decision_id[-COUNTER_DIGITS:]
    if not prefix or len(digits) != COUNTER_DIGITS:
        return None
    try:
        return prefix, int(digits, 16)
    except ValueError:
        return None
