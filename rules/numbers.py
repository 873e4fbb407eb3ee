"""The policy numbers a pack owns, read in one place (issue 15 item 5): the time compression
(XT-3.4, `parameters.compression`) and the item types outside the application class (XT-2,
`classes.application.exclude_item_types`). The engine, the compliance report and the reform
office's review prompts read them from here, never from a constant of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pack import Pack


@dataclass(frozen=True)
class Compression:
    mode: str  # reduce_by_at_least | reduce_to_at_most
    fraction: Fraction

    @property
    def factor(self) -> float:
        """The promised limit may be at most this share of the statutory limit."""
        return float(1 - self.fraction) if self.mode == "reduce_by_at_least" else float(self.fraction)

    @property
    def reading(self) -> str:
        """The rule as the plan words it ("至少压减1/3")."""
        return f"至少压减{self.fraction}" if self.mode == "reduce_by_at_least" else f"压减至{self.fraction}以内"

    @property
    def share_zh(self) -> str:
        """The share the promised limit must be within, in words ("三分之二")."""
        f = Fraction(self.factor).limit_denominator(100)
        return f"{_zh_number(f.denominator)}分之{_zh_number(f.numerator)}"

    def exceeds(self, statutory: float, promised: float) -> bool:
        """Whether `promised` (same unit as `statutory`) is longer than the compression allows."""
        return promised > statutory * self.factor + 1e-9


def compression(pack: Pack) -> Compression:
    comp = pack.parameters["compression"]
    return Compression(comp["mode"], Fraction(comp["fraction"]))


def excluded_item_types(pack: Pack) -> frozenset[str]:
    """Item types outside the application class even when on application (XT-2)."""
    return frozenset((pack.classes.get("application") or {}).get("exclude_item_types", ()))


_DIGITS = "零一二三四五六七八九"


def _zh_number(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    return str(n)
