"""Materials and application conditions against the reform office's catch-all list (XT-3.4.catch_all).

"去除兜底条款": the list is the pack parameter `catch_all` (regular expressions kept by the reform
office, docs/design.md §12.2), matched on normalized text: NFKC (full-width forms folded), no spaces,
其它 read as 其他, trailing punctuation dropped. Patterns are anchored by the list itself, so
"其他…材料" is a whole material's name and a trailing "等" is caught while "等级证书" is not.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable

from .shapes import JSON

TRAILING = "。．.，,、；;：:！!？?）)】]"


def normalize(text: str) -> str:
    t = unicodedata.normalize("NFKC", text or "")
    t = re.sub(r"\s+", "", t).replace("其它", "其他")
    return t.rstrip(TRAILING)


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def catch_all(text: str, patterns: Iterable[str]) -> str | None:
    """The first pattern of the list `text` matches (normalized), or None."""
    t = normalize(text)
    if not t:
        return None
    for p in _compiled(tuple(patterns)):
        if p.search(t):
            return p.pattern
    return None


def check_patterns(patterns: JSON) -> list[str]:
    """Problems of a catch-all list (for the pack validator): each must be a valid expression."""
    out = []
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        return ["catch_all 必须是正则表达式文字的列表"]
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            out.append(f"catch_all 中的“{p}”不是有效的正则表达式：{exc}")
    return out
