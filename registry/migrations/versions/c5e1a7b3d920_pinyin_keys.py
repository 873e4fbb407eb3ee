"""pinyin search keys of people and items, searched in the database by the window's type-ahead

Revision ID: c5e1a7b3d920
Revises: b4d1e7a09c21
Create Date: 2026-12-06 14:10:00

A derived column (the name's full pinyin and initials, `zhangjianguo zjg`), not a signed fact:
the audit compares the signed fields only. Filled on every write by registry.search; existing
rows are backfilled here, the key spelled as registry.pinyin spells it.
"""
import re

from alembic import op
import sqlalchemy as sa


revision = 'c5e1a7b3d920'
down_revision = 'b4d1e7a09c21'
branch_labels = None
depends_on = None

NOT_KEY = re.compile(r"[^a-z0-9]+")


def _key(text):
    from pypinyin import Style, lazy_pinyin
    if not text:
        return ""
    full = "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default")).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()
    return f"{NOT_KEY.sub('', full)} {NOT_KEY.sub('', initials)}"


def upgrade() -> None:
    conn = op.get_bind()
    for table, key in (("people", "id"), ("item_versions", "id")):
        op.add_column(table, sa.Column('pinyin', sa.Text(), nullable=True))
        t = sa.table(table, sa.column(key), sa.column("name"), sa.column("pinyin"))
        rows = conn.execute(sa.select(t.c[key], t.c.name)).all()
        for row_id, name in rows:
            conn.execute(t.update().where(t.c[key] == row_id).values(pinyin=_key(name)))


def downgrade() -> None:
    for table in ("people", "item_versions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('pinyin')
