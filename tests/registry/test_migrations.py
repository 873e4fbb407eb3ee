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
    answer = {
        "decision_id": decision_id,
        "allowed": True,
        "kind": "allow",
        "reasons": [],
        "policy": {"pack": "p", "version": "1", "digest": "d" * 64},
    }
    request = {"person": 7, "action": "decide", "item": "FGW-001", "at": "2020-01-01T02:00:00+00:00"}
    try:
        migrate.upgrade(engine, "2191b87bdaa4")
        records = sa.table(
            "decision_records",
            sa.column("id"),
            sa.column("request", sa.JSON),
            sa.column("answer", sa.JSON),
            sa.column("pack_digest"),
            sa.column("decided_at", sa.DateTime),
        )
        with engine.begin() as conn:
            conn.execute(
                records.insert(),
                [
                    {
                        "id": decision_id,
                        "request": request,
                        "answer": answer,
                        "pack_digest": "d" * 64,
                        "decided_at": datetime(2020, 1, 1, 2),
                    }
                ],
            )
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


def test_report_up_items_and_closed_cases_after_the_door_revision(database):
    """Revision b4d1e7a09c21: a case with an issued step is closed, the others open; none has a
    platform number yet; revision d3f5a1c7e902 turns an item flagged report_up into the case type
    report_up (the other rows keep theirs)."""
    from datetime import datetime

    import sqlalchemy as sa

    url, schema = database
    engine = make_engine(url, schema=schema)
    t = datetime(2020, 1, 1, 2)
    try:
        migrate.upgrade(engine, "b4d2e6f8a1c3")
        md = sa.MetaData()
        md.reflect(engine, only=["departments", "places", "item_versions", "cases", "case_steps"])
        item = {
            "code": "I6",
            "name": "转报",
            "department": "FGW",
            "item_type": "licensing",
            "on_application": True,
            "complexity": "simple",
            "joint": False,
            "partners": [],
            "fees": [],
            "materials": [],
            "online_depth": "on_site",
            "effective_from": t,
            "status": "published",
            "filed_at": t,
            "late_filed": False,
        }
        with engine.begin() as conn:
            conn.execute(
                md.tables["departments"].insert(),
                [
                    {
                        "code": "FGW",
                        "name": "市发改委",
                        "group": "city_department",
                        "kind": "department",
                        "low_volume": False,
                        "placeholder": False,
                        "created_at": t,
                    }
                ],
            )
            conn.execute(
                md.tables["places"].insert(), [{"code": "ZH", "name": "综合窗口", "kind": "comprehensive_window"}]
            )
            conn.execute(
                md.tables["item_versions"].insert(),
                [
                    {**item, "id": 1, "version": 1, "case_type": "commitment", "report_up": True},
                    {**item, "id": 2, "code": "I1", "version": 1, "case_type": "instant", "report_up": False},
                ],
            )
            conn.execute(
                md.tables["cases"].insert(),
                [
                    {
                        "number": n,
                        "item": "I1",
                        "department": "FGW",
                        "place": "ZH",
                        "application_key": n,
                        "accepted_at": t,
                        "clock_pending": False,
                        "platform_record": True,
                        "filed_at": t,
                    }
                    for n in ("A", "B")
                ],
            )
            conn.execute(
                md.tables["case_steps"].insert(), [{"id": 1, "case": "A", "step": "issued", "at": t, "filed_at": t}]
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            types = dict(conn.execute(sa.text("SELECT code, case_type FROM item_versions")).all())
            status = dict(conn.execute(sa.text("SELECT number, status FROM cases")).all())
            numbers = conn.execute(sa.text("SELECT platform_no FROM cases")).scalars().all()
        assert types == {"I6": "report_up", "I1": "instant"}
        assert status == {"A": "closed", "B": "open"} and numbers == [None, None]
    finally:
        engine.dispose()
