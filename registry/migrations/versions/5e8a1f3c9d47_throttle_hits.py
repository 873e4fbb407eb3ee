"""throttle hits: sign-in and receipt-check limits counted by every worker together

Revision ID: 5e8a1f3c9d47
Revises: 7c3e91d0a5b2
Create Date: 2026-12-06 04:10:00

The limits were counted in each worker's memory, so N workers let N times the attempts
through. Nothing to carry over: counts in memory were gone at every restart anyway.
"""
from alembic import op
import sqlalchemy as sa
import registry.db


revision = '5e8a1f3c9d47'
down_revision = '7c3e91d0a5b2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('throttle_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', registry.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_hits'))
    )
    op.create_index('ix_throttle_hits_scope_key_at', 'throttle_hits', ['scope', 'key', 'at'], unique=False)
    op.create_index('ix_throttle_hits_scope_at', 'throttle_hits', ['scope', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_throttle_hits_scope_at', table_name='throttle_hits')
    op.drop_index('ix_throttle_hits_scope_key_at', table_name='throttle_hits')
    op.drop_table('throttle_hits')
