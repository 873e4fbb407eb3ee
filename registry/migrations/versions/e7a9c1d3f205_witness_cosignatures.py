"""witness cosignatures: cosignature/v1 lines per checkpoint, and each witness's status

Revision ID: e7a9c1d3f205
Revises: b4d2c6e8f013
Create Date: 2026-12-06 11:30:00

The scheduler submits checkpoints to the witnesses of the trust policy (C2SP
tlog-witness) and keeps what they answer; nothing to carry over.
"""
from alembic import op
import sqlalchemy as sa
import registry.db


revision = 'e7a9c1d3f205'
down_revision = 'b4d2c6e8f013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkpoint_cosignatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tree_size', sa.Integer(), nullable=False),
    sa.Column('witness', sa.String(length=255), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('signed_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('received_at', registry.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkpoint_cosignatures')),
    sa.UniqueConstraint('tree_size', 'witness', name=op.f('uq_checkpoint_cosignatures_tree_size'))
    )
    op.create_index(op.f('ix_checkpoint_cosignatures_tree_size'), 'checkpoint_cosignatures', ['tree_size'],
                    unique=False)
    op.create_table('witness_status',
    sa.Column('witness', sa.String(length=255), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('last_ok_at', registry.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', registry.db.UTCDateTime(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_try_at', registry.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('witness', name=op.f('pk_witness_status'))
    )


def downgrade() -> None:
    op.drop_table('witness_status')
    op.drop_index(op.f('ix_checkpoint_cosignatures_tree_size'), table_name='checkpoint_cosignatures')
    op.drop_table('checkpoint_cosignatures')
