"""platform applications and outages; cases carry platform_no, status and the outage clock

Revision ID: b4d1e7a09c21
Revises: b4d2e6f8a1c3
Create Date: 2026-12-06 11:10:00

Items flagged report_up keep their rows as signed (the registry is what was signed, §12.3): the
engine reads a report_up flag as the case type report_up, and new filings store it. Existing cases
keep what they recorded: a case with an issued step is closed, every other one
open; none has a platform number, so the unique index on open platform numbers holds at once.
"""
from alembic import op
import sqlalchemy as sa
import registry.db


revision = 'b4d1e7a09c21'
down_revision = 'b4d2e6f8a1c3'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table('platform_applications',
    sa.Column('platform_no', sa.String(length=64), nullable=False),
    sa.Column('item', sa.String(length=64), nullable=False),
    sa.Column('application_key', sa.String(length=64), nullable=False),
    sa.Column('applied_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('filed_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('platform_no', name=op.f('pk_platform_applications'))
    )
    op.create_index(op.f('ix_platform_applications_item'), 'platform_applications', ['item'], unique=False)
    op.create_index(op.f('ix_platform_applications_application_key'), 'platform_applications',
                    ['application_key'], unique=False)
    op.create_table('platform_outages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('start', registry.db.UTCDateTime(), nullable=False),
    sa.Column('end', registry.db.UTCDateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('declared_by', sa.String(length=32), nullable=False),
    sa.Column('filed_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['declared_by'], ['departments.code'],
                            name=op.f('fk_platform_outages_declared_by_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_outages'))
    )
    op.create_index(op.f('ix_platform_outages_start'), 'platform_outages', ['start'], unique=False)
    # plain ADD COLUMN (no table rebuild on SQLite: case_steps and alerts refer to cases)
    op.add_column('cases', sa.Column('platform_no', sa.String(length=64), nullable=True))
    op.add_column('cases', sa.Column('status', sa.String(length=16), nullable=False, server_default='open'))
    op.add_column('cases', sa.Column('pending_platform', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('cases', sa.Column('platform_due_at', registry.db.UTCDateTime(), nullable=True))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE cases SET status = 'closed' WHERE number IN "
                         "(SELECT \"case\" FROM case_steps WHERE step = 'issued')"))
    op.create_index('uq_cases_open_platform_no', 'cases', ['platform_no'], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index('uq_cases_open_platform_no', table_name='cases')
    for column in ('platform_due_at', 'pending_platform', 'status', 'platform_no'):
        op.drop_column('cases', column)
    op.drop_index(op.f('ix_platform_outages_start'), table_name='platform_outages')
    op.drop_table('platform_outages')
    op.drop_index(op.f('ix_platform_applications_application_key'), table_name='platform_applications')
    op.drop_index(op.f('ix_platform_applications_item'), table_name='platform_applications')
    op.drop_table('platform_applications')
