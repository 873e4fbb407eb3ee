"""The Alembic migrations build exactly the schema the models describe, on both backends."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry import migrate
from registry.db import make_engine
from registry.models import Base


def test_upgrade_head_matches_the_models(database):
    url, schema = database
    engine = make_engine(url, schema=schema)
    try:
        migrate.upgrade(engine)
        migrate.upgrade(engine)  # a second run is a no-op
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()


def test_decisions_logged_one_per_row_survive_the_move_to_batches(database):
    """Revision 7c3e91d0a5b2 turns each decision_records row into a batch of one, and back."""
    from datetime import datetime

    import sqlalchemy as sa
    from alembic import command

    from registry.db import session_factory
    from registry.decision_log import find_decision

    url, schema = database
    engine = make_engine(url, schema=schema)
    decision_id = "ab" * 11 + "000000002a"
    answer = {"decision_id": decision_id, "allowed": True, "kind": "allow", "reasons": [],
              "policy": {"pack": "p", "version": "1", "digest": "d" * 64}}
    request = {"person": 7, "action": "decide", "item": "FGW-001", "at": "2020-01-01T02:00:00+00:00"}
    try:
        migrate.upgrade(engine, "2191b87bdaa4")
        records = sa.table("decision_records", sa.column("id"), sa.column("request", sa.JSON),
                           sa.column("answer", sa.JSON), sa.column("pack_digest"),
                           sa.column("decided_at", sa.DateTime))
        with engine.begin() as conn:
            conn.execute(records.insert(), [{"id": decision_id, "request": request, "answer": answer,
                                             "pack_digest": "d" * 64, "decided_at": datetime(2020, 1, 1, 2)}])
        migrate.upgrade(engine)
        with session_factory(engine)() as session:
            found = find_decision(session, decision_id)
            assert found is not None and found.answer == answer and found.request == request
            assert found.pack_digest == "d" * 64
            assert find_decision(session, "ab" * 11 + "000000002b") is None
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "2191b87bdaa4")
        with engine.connect() as conn:
            back = conn.execute(sa.select(records.c.id, records.c.answer)).all()
        assert [(r.id, r.answer) for r in back] == [(decision_id, answer)]
    finally:
        engine.dispose()
