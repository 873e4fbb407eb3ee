"""custody: settings fixed at init (the log origin) and the keys every host shares

Revision ID: b4d2c6e8f013
Revises: 5e8a1f3c9d47
Create Date: 2026-12-06 11:20:00

Keys were files in each host's instance folder, so two hosts made two "current" keys per
body. Existing file keys are imported by `onehall keys import-files` (README).
"""
from alembic import op
import sqlalchemy as sa
import registry.db


revision = 'b4d2c6e8f013'
down_revision = '5e8a1f3c9d47'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deployment_settings',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('fixed_at', registry.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_deployment_settings'))
    )
    op.create_table('custody_keys',
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('body', sa.String(length=64), nullable=False),
    sa.Column('alg', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('valid_from', registry.db.UTCDateTime(), nullable=False),
    sa.Column('valid_to', registry.db.UTCDateTime(), nullable=True),
    sa.Column('custody', sa.String(length=16), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_custody_keys'))
    )
    op.create_index(op.f('ix_custody_keys_body'), 'custody_keys', ['body'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_custody_keys_body'), table_name='custody_keys')
    op.drop_table('custody_keys')
    op.drop_table('deployment_settings')
