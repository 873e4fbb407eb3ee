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
