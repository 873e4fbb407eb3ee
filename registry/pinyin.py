"""Pinyin search keys, stored beside the names they spell (docs/design.md §1: a window finds people
and items by name, code or pinyin, searched in the database). `张建国` is stored as
`zhangjianguo zjg`; the key is filled on every write of the row (registry.search listens) and
backfilled by the migration that added the column."""

from __future__ import annotations

import re
from functools import lru_cache

SPACE = re.compile(r"\s+")
NOT_KEY = re.compile(r"[^a-z0-9]+")  # punctuation and brackets spell nothing


@lru_cache(maxsize=65_536)
def pinyin_key(text: str | None) -> str:
    """The full pinyin and the initials of `text`, lower case (`zhangjianguo zjg`); Latin letters
    and digits in the name are kept, punctuation dropped."""
    from pypinyin import Style, lazy_pinyin

    if not text:
        return ""
    full = "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default")).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()
    return f"{NOT_KEY.sub('', full)} {NOT_KEY.sub('', initials)}"


def normalize_query(q: str | None) -> str:
    """What a clerk typed, as the stored keys spell it: lower case, no spaces."""
    return SPACE.sub("", (q or "").lower())
