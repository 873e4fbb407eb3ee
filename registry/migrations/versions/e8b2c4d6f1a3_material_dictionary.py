"""the city material dictionary (材料目录), kept by the government service department

Revision ID: e8b2c4d6f1a3
Revises: d3f5a1c7e902
Create Date: 2026-12-06 14:40:00

Item materials refer to its entries (`{"code", "name", "entry"}`), so a re-submission is found by
dictionary entry across departments (XT-3.4.resubmit, docs/design.md §12.2). Each entry filed is
a signed `material_entry` record; the table starts empty.
"""
from alembic import op
import sqlalchemy as sa
import registry.db


revision = 'e8b2c4d6f1a3'
down_revision = 'd3f5a1c7e902'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('material_entries',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('filed_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_material_entries'))
    )


def downgrade() -> None:
    op.drop_table('material_entries')
