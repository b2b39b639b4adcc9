"""For revisions that change PostgreSQL alone (its lexical tables, recall bookkeeping): SQLite's schema
stays as the revision before left it."""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op


def on_postgres(statements: Sequence[str]) -> None:
    """Run `statements` in order when the migrated database is PostgreSQL; nothing on SQLite."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in statements:
            op.execute(statement)
