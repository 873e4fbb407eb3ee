"""Sign what the registry holds but the log does not state (the migration to signed facts).

Before the registry was what was signed (docs/design.md §12.3), departments, sections, halls, places,
people, function sections and seals were rows only. The migration that made every fact a signed
record signs each such row as it stands, marked `"backfill": true`, and any filing row that has
no record at all. A filing that has a record is never signed again: where its row differs from
the record, the audit names it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import load_only
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.services.context import SYSTEM, FilingContext
from registry.record_views import RECORD_VIEWS, STATE_TYPES
from registry.signed_facts import SignedState
from registry.signed_leaves import iter_records

NOT_BACKFILLED = ("seal_use",)  # acts, not facts: a use without a record stays a finding of the audit


def pending(session: Session, kinds: tuple[str, ...] | None = None) -> list[tuple[str, Any]]:
    """(record type, row) of every row the backfill would sign (of `kinds`, default all), in a stable
    order."""
    state = SignedState()
    state.apply_all(iter_records(session))
    out = []
    schema = inspect(session.connection())
    tables = set(schema.get_table_names())
    for rtype, view in RECORD_VIEWS.items():
        if rtype in NOT_BACKFILLED or view.model.__tablename__ not in tables or (kinds and rtype not in kinds):
            continue  # not asked for, or a table a later migration creates (that one signs its rows)
        for row in session.scalars(
            _as_of_now(select(view.model), view.model, schema).order_by(getattr(view.model, view.key))
        ):
            key = getattr(row, view.key)
            record = state.records.get((rtype, key))
            if record is None and rtype == "seal":
                record = state.records.get(("seal_registration", key))
            if record is None:
                out.append((rtype, row))
            elif rtype in STATE_TYPES and any(record.get(f) != get(row) for f, get in view.fields.items()):
                out.append((rtype, row))
    return out


def _as_of_now(stmt, model, schema):
    """`stmt` loading only the columns the table has at this migration: a column a later migration
    adds to the model is not there yet (and no record view of an earlier one reads it)."""
    present = {c["name"] for c in schema.get_columns(model.__tablename__)}
    columns = [attr for attr in inspect(model).column_attrs if attr.columns[0].name in present]
    return stmt.options(load_only(*(getattr(model, attr.key) for attr in columns), raiseload=True))


def backfill(session: Session, ledger, kinds: tuple[str, ...] | None = None) -> int:
    """Sign every pending row (of `kinds`) with the ledger (inside the caller's transaction); how many."""
    rows = pending(session, kinds)
    if not rows:
        return 0
    if ledger is None:
        raise RuntimeError("登记库中有尚未签名的记录，须由 onehall init 升级数据库（需要签名密钥）")
    ctx = FilingContext(session=session, actor=SYSTEM, ledger=ledger, now=utcnow())
    for rtype, row in rows:
        view = RECORD_VIEWS[rtype]
        personal = {f: str(getattr(row, f) or "") for f in view.personal} or None
        logged = ctx.log(rtype, {**view.record(row), "backfill": True}, ref=getattr(row, view.key), personal=personal)
        if rtype not in STATE_TYPES and getattr(row, "log_index", "absent") is None:
            row.log_index = logged.index
        ctx.changed(rtype, getattr(row, view.key))
    session.flush()
    return len(rows)
