"""The migration to signed facts signs what exists (registry.backfill), so the engine sees it."""

from __future__ import annotations

import pytest
from alembic import command

from registry import migrate
from registry.backfill import pending
from registry.facts import export_facts
from registry.inputs.filings import DepartmentIn
from registry.services import org
from registry.services.context import SYSTEM
from registry.db import utcnow

BEFORE = "e7a9c1d3f205"  # the revision before b7d2e4f1a903 (signed registry)


def _unsigned_rows(rt):
    """Rows written as before the migration (by an older release, into the tables as they were
    then, so with the columns they had): no log record states them."""
    from sqlalchemy import MetaData, Table

    rows = [
        (
            "departments",
            {
                "code": "FGW",
                "name": "市发改委",
                "group": "city_department",
                "kind": "department",
                "entry_phase": None,
                "low_volume": False,
                "placeholder": False,
            },
        ),
        ("halls", {"code": "CITY", "name": "市本级政务大厅", "kind": "city", "host_department": None}),
        ("people", {"id": 1, "name": "张建国", "department": "FGW", "section": None, "position": "科长"}),
    ]
    with rt.engine.begin() as conn:
        for name, values in rows:
            table = Table(name, MetaData(), autoload_with=conn)
            values = {"created_at": utcnow().replace(tzinfo=None), **values}
            conn.execute(table.insert(), {k: v for k, v in values.items() if k in table.c})


def _downgrade(rt):
    cfg = migrate.alembic_config()
    with rt.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, BEFORE)


def test_the_migration_signs_existing_rows_and_the_engine_sees_them(rt):
    _downgrade(rt)
    _unsigned_rows(rt)
    with rt.reading() as session:
        assert len(pending(session)) == 3
        assert export_facts(session)["departments"] == []  # the engine sees only what was signed
    migrate.upgrade(rt.engine, ledger=rt.ledger)
    with rt.reading() as session:
        assert pending(session) == []
        facts = export_facts(session)
    assert [d["code"] for d in facts["departments"]] == ["FGW"]
    assert [p["name"] for p in facts["people"]] == ["张建国"]
    from application.auditing import audit_pass

    report, _ = audit_pass(rt, incremental=False, workers=1)
    assert report.ok, [d.text() for d in report.differences]


def test_without_keys_the_migration_stops_and_writes_nothing(rt):
    _downgrade(rt)
    _unsigned_rows(rt)
    with pytest.raises(RuntimeError, match="onehall init"):
        migrate.upgrade(rt.engine)
    with rt.reading() as session:
        assert len(pending(session)) == 3


def test_the_platform_migration_signs_platform_rows_without_a_record(rt):
    """c3f8a2d6e415: an application or outage row with no record (an older tool's) is signed as it
    stands, so the door, which reads only signed records, keeps seeing it."""
    from datetime import datetime, timezone
    from registry.models import PlatformApplication, PlatformOutage
    from registry.signed_facts import signed_state

    with rt.filing(SYSTEM) as ctx:
        org.create_department(
            ctx,
            DepartmentIn.model_validate(
                {"code": "ZWFW", "name": "市政务服务中心", "group": "body", "kind": "gov_service"}
            ),
        )
    cfg = migrate.alembic_config()
    with rt.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "e8b2c4d6f1a3")
    at = datetime(2026, 9, 30, 7, 50, tzinfo=timezone.utc)
    with rt.sessions() as session, session.begin():
        session.add(
            PlatformApplication(
                platform_no="PT-OLD",
                item="FGW-002",
                application_key="k" * 64,
                applied_at=at,
                source="import",
                filed_at=at,
            )
        )
        session.add(
            PlatformOutage(start=at, end=at.replace(hour=9), reason="机房断电", declared_by="ZWFW", filed_at=at)
        )
    with rt.reading() as session:
        assert [t for t, _ in pending(session)] == ["platform_application", "platform_outage"]
    migrate.upgrade(rt.engine, ledger=rt.ledger)
    with rt.reading() as session:
        assert pending(session) == []
        state = signed_state(session)
        assert state.application_of("PT-OLD", "", "")["applied_at"] == at
        assert state.outage_at(at.replace(hour=8))["end"] == at.replace(hour=9)
    from application.auditing import audit_pass

    report, _ = audit_pass(rt, incremental=False, workers=1)
    assert report.ok, [d.text() for d in report.differences]
