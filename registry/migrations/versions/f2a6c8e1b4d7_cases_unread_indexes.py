"""cases: drop the indexes on item and application_key, which no query reads

Revision ID: f2a6c8e1b4d7
Revises: c3f8a2d6e415
Create Date: 2026-12-06 22:00:00

No statement filters or orders the case rows by item or by application key: the door reads the
open cases of an application from the signed records (registry.signed_cases), the rules from
their facts in memory, and the lists and clocks by number, department, place and times. Each
index still cost every acceptance a page of its own in the commit, together about one in eight
of the pages an acceptance writes (measured at 500 cases). Downgrading builds them again.
"""
from alembic import op


revision = 'f2a6c8e1b4d7'
down_revision = 'c3f8a2d6e415'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_cases_item', table_name='cases')
    op.drop_index('ix_cases_application_key', table_name='cases')


def downgrade() -> None:
    op.create_index('ix_cases_application_key', 'cases', ['application_key'], unique=False)
    op.create_index('ix_cases_item', 'cases', ['item'], unique=False)
