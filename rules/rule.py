"""One rule of a pack as the engine holds it, compiled (rules.pack_checks builds it, rules.pack keeps it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .conditions import CompiledWhen
from .schema import ACTIONS
from .shapes import JSON, Row


@dataclass(eq=False)
class Rule:
    """One rule of a pack, compiled: conditions are closures, dates are epoch seconds."""

    id: str
    clause: str
    strength: str
    kind: str
    text: str
    source_text: str
    explain: str
    when: CompiledWhen
    file: str
    line: int
    raw: Row
    grantee: str | None = None
    posts: tuple[str, ...] | None = None
    power: str | None = None
    start_param: str | None = None
    start_at: float | None = None
    check: str | None = None
    subject: str | None = None
    severity: str = "medium"
    params: dict[str, JSON] = field(default_factory=dict)
    order: int = 0

    @property
    def actions(self) -> tuple[str, ...]:
        return self.when.actions if self.when.actions is not None else tuple(ACTIONS)
