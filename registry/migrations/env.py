"""Alembic environment: runs against the connection registry.migrate hands over."""

from alembic import context

from registry.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - onehall always passes a connection
    raise RuntimeError("run migrations through registry.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
