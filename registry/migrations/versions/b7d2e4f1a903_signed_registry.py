"""the registry is what was signed: audit runs, and a signed backfill of every unsigned fact

Revision ID: b7d2e4f1a903
Revises: e7a9c1d3f205
Create Date: 2026-12-06 11:40:00

Departments, sections, halls, places, people, function sections and seals were rows only; the
engine now reads its facts from the log's signed records (registry.signed_facts), so each such
row is signed as it stands (registry.backfill). Signing needs the keys: `onehall init` passes its
ledger to the migration; on a database that holds unsigned rows, a migration run without one
stops with a message instead of leaving facts the engine cannot see.
"""
from alembic import context, op
import sqlalchemy as sa
import registry.db


revision = 'b7d2e4f1a903'
down_revision = 'e7a9c1d3f205'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', registry.db.UTCDateTime(), nullable=False),
        sa.Column('finished_at', registry.db.UTCDateTime(), nullable=False),
        sa.Column('tree_size', sa.Integer(), nullable=False),
        sa.Column('root_hash', sa.String(length=64), nullable=True),
        sa.Column('signatures_checked', sa.Integer(), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('differences', sa.JSON(), nullable=False),
        sa.Column('problems', sa.JSON(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    from sqlalchemy.orm import Session
    from registry.backfill import backfill
    session = Session(bind=op.get_bind())
    backfill(session, context.config.attributes.get("ledger"))
    session.flush()


def downgrade() -> None:
    # The backfilled records stay in the log: a log is append-only.
    op.drop_table('audit_runs')
