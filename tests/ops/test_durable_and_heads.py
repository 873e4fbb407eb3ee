"""Durable before acknowledged (SQLite synchronous=FULL) and exactly one Alembic head (§12.5)."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import text

from registry import migrate
from registry.db import write_lock
from registry.services.context import SYSTEM


def pragma(session, name):
    return session.execute(text(f"PRAGMA {name}")).scalar()


def test_signed_appends_checkpoints_and_acceptances_commit_with_synchronous_full(app):
    rt = app.extensions["onehall"]
    if rt.engine.dialect.name != "sqlite":
        return  # PostgreSQL commits durably by default (synchronous_commit=on): checked below
    with rt.filing(SYSTEM) as ctx:  # filings, case acceptances and signed appends
        assert pragma(ctx.session, "synchronous") == 2  # 2 = FULL
        assert pragma(ctx.session, "journal_mode") == "wal"
    with rt.sessions() as session, session.begin():  # the checkpoint publisher's session
        write_lock(session)
        assert pragma(session, "synchronous") == 2


def test_postgresql_commits_durably(app):
    rt = app.extensions["onehall"]
    if rt.engine.dialect.name != "postgresql":
        return
    with rt.filing(SYSTEM) as ctx:
        assert ctx.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        assert ctx.session.execute(text("SHOW fsync")).scalar() == "on"


def test_the_migrations_have_exactly_one_head():
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1, f"several Alembic heads {heads}: re-point the newest migration's down_revision"
