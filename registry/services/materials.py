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
    for name, label, most in (("category", "类别", 64), ("source", "来源", 200)):
        if out[name] and len(out[name]) > most:
            errors.add(f"{where}{label}", f"不超过{most}个字符")
    return out


def changes(session: Session, entries: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], MaterialEntry | None]]:
    """The checked entries that would change the dictionary, each with the entry it replaces
    (None: a new code); an entry equal to the one filed is left out."""
    entries = list(entries)
    codes = [data["code"] for data in entries]
    filed: dict[str, MaterialEntry] = {}
    for start in range(0, len(codes), 500):  # one query a few hundred codes, not one a code
        wanted = MaterialEntry.code.in_(codes[start : start + 500])
        filed.update((row.code, row) for row in session.scalars(select(MaterialEntry).where(wanted)))
    out = []
    for data in entries:
        row = filed.get(data["code"])
        if row is None or any(getattr(row, f) != data[f] for f in FIELDS):
            out.append((data, row))
    return out


def file_entries(ctx: FilingContext, entries: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """File checked entries (clean_entry); (created, changed). Only the government service department."""
    ctx.require_role("gov_service")
    created = changed = 0
    for data, row in changes(ctx.session, entries):
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
