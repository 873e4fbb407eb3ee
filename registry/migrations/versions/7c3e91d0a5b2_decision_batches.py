"""decision log in batches: decision_records (a row per decision) becomes decision_batches

Revision ID: 7c3e91d0a5b2
Revises: 2191b87bdaa4
Create Date: 2026-12-06 02:40:00

Each existing decision becomes a batch of one, so nothing logged is lost; the downgrade
spreads the batches back into one row per decision.
"""
from alembic import op
import sqlalchemy as sa
import registry.db


revision = '7c3e91d0a5b2'
down_revision = '2191b87bdaa4'
branch_labels = None
depends_on = None

COUNTER_DIGITS = 10  # registry.decision_log.ID_COUNTER_DIGITS when this revision was written


def _records_table():
    return sa.table('decision_records', sa.column('id', sa.String), sa.column('request', sa.JSON),
                    sa.column('answer', sa.JSON), sa.column('pack_digest', sa.String),
                    sa.column('decided_at', registry.db.UTCDateTime))


def _batches_table():
    return sa.table('decision_batches', sa.column('engine', sa.String), sa.column('first', sa.BigInteger),
                    sa.column('last', sa.BigInteger), sa.column('decided_from', registry.db.UTCDateTime),
                    sa.column('decided_to', registry.db.UTCDateTime), sa.column('decisions', sa.JSON))


def upgrade() -> None:
    op.create_table('decision_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engine', sa.String(length=48), nullable=False),
    sa.Column('first', sa.BigInteger(), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.Column('decided_from', registry.db.UTCDateTime(), nullable=False),
    sa.Column('decided_to', registry.db.UTCDateTime(), nullable=False),
    sa.Column('decisions', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_batches'))
    )
    op.create_index('ix_decision_batches_engine_first', 'decision_batches', ['engine', 'first'], unique=False)
    conn = op.get_bind()
    records, batches = _records_table(), _batches_table()
    rows = []
    for rec in conn.execute(sa.select(records)):
        engine, counter = rec.id[:-COUNTER_DIGITS], int(rec.id[-COUNTER_DIGITS:], 16)
        at = rec.decided_at.isoformat() if rec.decided_at is not None else None
        rows.append({"engine": engine, "first": counter, "last": counter, "decided_from": rec.decided_at,
                     "decided_to": rec.decided_at,
                     "decisions": [{"request": rec.request, "answer": rec.answer, "decided_at": at}]})
    if rows:
        conn.execute(batches.insert(), rows)
    op.drop_table('decision_records')


def downgrade() -> None:
    op.create_table('decision_records',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('pack_digest', sa.String(length=64), nullable=False),
    sa.Column('decided_at', registry.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_records'))
    )
    conn = op.get_bind()
    records, batches = _records_table(), _batches_table()
    rows = []
    for batch in conn.execute(sa.select(batches)):
        for entry in batch.decisions:
            rows.append({"id": entry["answer"]["decision_id"], "request": entry["request"],
                         "answer": entry["answer"], "pack_digest": entry["answer"]["policy"]["digest"],
                         "decided_at": batch.decided_from})
    if rows:
        conn.execute(records.insert(), rows)
    op.drop_index('ix_decision_batches_engine_first', table_name='decision_batches')
    op.drop_table('decision_batches')
