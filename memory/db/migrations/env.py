"""Alembic's environment: memory.db.migrate opens, locks and hands over the connection
(`config.attributes["connection"]`), so the migrations run inside its transaction."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("Omoide's migrations run through `python -m bot db upgrade` (memory.db.migrate), "
                           "which passes env.py an open connection; there is no alembic.ini")
    context.configure(connection=connection, target_metadata=context.config.attributes.get("target_metadata"))
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
