"""credentials: token expiry and notes, server-side browser sessions

Revision ID: b4d2e6f8a1c3
Revises: b7d2e4f1a903
Create Date: 2026-12-06 11:10:00

docs/design.md §12.4: tokens expire (existing ones a year after they were issued, the default for new
ones) and a sign-out ends the session on the server. Sessions signed in before this revision
carry no server-side id and end at the upgrade: their users sign in again.
"""
from alembic import op
import sqlalchemy as sa
import registry.db


revision = 'b4d2e6f8a1c3'
down_revision = 'b7d2e4f1a903'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('expires_at', registry.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('note', sa.String(length=200), nullable=True))
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer), sa.column('created_at', registry.db.UTCDateTime()),
                      sa.column('expires_at', registry.db.UTCDateTime()))
    conn = op.get_bind()
    from datetime import timedelta
    for token_id, created in conn.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        conn.execute(tokens.update().where(tokens.c.id == token_id)
                     .values(expires_at=(created or registry.db.utcnow()) + timedelta(days=365)))
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user', sa.Integer(), nullable=False),
    sa.Column('created_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('ended_at', registry.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user'], ['users.id'], name=op.f('fk_user_sessions_user_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('digest', name=op.f('uq_user_sessions_digest'))
    )
    op.create_index(op.f('ix_user_sessions_user'), 'user_sessions', ['user'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_user_sessions_user'), table_name='user_sessions')
    op.drop_table('user_sessions')
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('note')
        batch.drop_column('expires_at')
