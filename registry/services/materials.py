"""The city material dictionary (材料目录, docs/design.md §12.2): entries filed by the government
service department, each a signed `material_entry` record; item materials refer to them.

An entry whose code exists is replaced only when something changed (a new signed record); an
unchanged one is left alone, so importing the same dictionary twice writes nothing the second time.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import ErrorList
from registry.models import MaterialEntry
from registry.services.context import FilingContext

FIELDS = ("code", "name", "category", "source")


def clean_entry(errors: ErrorList, data: dict[str, Any], where: str) -> dict[str, Any]:
    """One entry checked: code and name required, codes without spaces, lengths bounded."""
    out = {f: (str(data.get(f)).strip() if data.get(f) not in (None, "") else None) for f in FIELDS}
    if not out["code"]:
        errors.add(f"{where}目录编码", "不能为空")
    elif any(c.isspace() for c in out["code"]) or len(out["code"]) > 64:
        errors.add(f"{where}目录编码", f"“{out['code']}”不能含空格，且不超过64个字符")
    if not out["name"]:
        errors.add(f"{where}材料名称", "不能为空")
    elif len(out["name"]) > 200:
        errors.add(f"{where}材料名称", "不超过200个字符")
    return out


def file_entries(ctx: FilingContext, entries: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """File checked entries (clean_entry); (created, changed). Only the government service department."""
    ctx.require_role("gov_service")
    created = changed = 0
    for data in entries:
        row = ctx.session.get(MaterialEntry, data["code"])
        if row is not None and all(getattr(row, f) == data[f] for f in FIELDS):
            continue
        if row is None:
            row = MaterialEntry(code=data["code"])
            ctx.session.add(row)
            created += 1
        else:
            changed += 1
        row.name, row.category, row.source, row.filed_at = data["name"], data["category"], data["source"], ctx.now
        row.log_index = ctx.log("material_entry", {f: data[f] for f in FIELDS}, ref=data["code"]).index
        ctx.changed("material_entry", data["code"])
    return created, changed


def known_entries(session: Session, codes: Iterable[str]) -> set[str]:
    """Which of `codes` are entries of the dictionary."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return set()
    return set(session.scalars(select(MaterialEntry.code).where(MaterialEntry.code.in_(wanted))))
