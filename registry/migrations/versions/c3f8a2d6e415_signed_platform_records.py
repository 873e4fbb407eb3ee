"""the door reads what was signed: a signed backfill of platform applications and outages; the log
indexed by record kind

Revision ID: c3f8a2d6e415
Revises: e8b2c4d6f1a3
Create Date: 2026-12-06 14:30:00

The door now decides an acceptance on the log's signed records of the platform's applications,
its declared outages and the cases (registry.signed_cases), not on their rows. Each was logged
when it was filed; a row without a record (written by hand, or by an older tool) is signed now as
it stands (registry.backfill), so the door keeps seeing it. Signing needs the keys: `onehall init`
passes its ledger; without one, a database that holds such rows stops the migration with a message.
The active pack is the one the newest publication record names (not the rows' flag): an index on
(kind, index) finds it, and a kind's records, without reading the whole log.
"""
from alembic import context

revision = 'c3f8a2d6e415'
down_revision = 'e8b2c4d6f1a3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from alembic import op
    op.create_index('ix_log_entries_kind_index', 'log_entries', ['kind', 'index'])
    from sqlalchemy.orm import Session
    from registry.backfill import backfill
    session = Session(bind=op.get_bind())
    backfill(session, context.config.attributes.get("ledger"), kinds=("platform_application", "platform_outage"))
    session.flush()


def downgrade() -> None:
    from alembic import op
    op.drop_index('ix_log_entries_kind_index', table_name='log_entries')
    # the backfilled records stay in the log: a log is append-only
