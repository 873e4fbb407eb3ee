"""items flagged report_up become the case type report_up (上报件, docs/design.md §12.2)

Revision ID: d3f5a1c7e902
Revises: c5e1a7b3d920
Create Date: 2026-12-06 14:20:00

The plan splits cases three ways (承诺件、即办件和上报件); the first build kept 上报件 as a flag
beside the case type, so an item version may read `case_type: commitment` with `report_up: true`.
This revision converts those rows to `case_type: report_up` (the flag stays true). Their signed
records keep what was signed; the fold and the audit read a flagged record's case type as
report_up (registry.signed_facts.case_type_of), so the converted row agrees with its record and
an edit of either field is still named. The downgrade leaves the rows as they are: report_up with
the flag set is what every earlier revision reads as a report-up item too.
"""
from alembic import op


revision = 'd3f5a1c7e902'
down_revision = 'c5e1a7b3d920'
branch_labels = None
depends_on = None

CONVERT = ("UPDATE item_versions SET case_type = 'report_up' "
           "WHERE report_up = :flag AND case_type <> 'report_up'")


def upgrade() -> None:
    import sqlalchemy as sa
    op.get_bind().execute(sa.text(CONVERT), {"flag": True})


def downgrade() -> None:
    pass
