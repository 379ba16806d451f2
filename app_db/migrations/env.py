"""Alembic's environment: run on the connection AppDatabase.upgrade() hands over (no alembic.ini needed)."""

from alembic import context

from app_db.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
