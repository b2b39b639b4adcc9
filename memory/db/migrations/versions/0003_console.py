"""One index for the console's per-cube aggregates (memory.stats, memory.people, the emotion chart).

Counts by tier and kind, users, first and last dates and top emotions of a cube, and emotions per day,
read every unexpired memory of the cube. The rows carry a ~2 KB vector each, so reading them took hundreds
of milliseconds at 100k memories; this index holds the few columns those queries read, and they read
it alone. SQLite keys every column (it has no INCLUDE); PostgreSQL cannot key a `json` column, so there
the rest is INCLUDEd. Written per dialect like the lexical tables, so it is not in the models
(tests/test_migrations.py leaves it out of the comparison). IF NOT EXISTS: a database whose version
record was lost is adopted at 0001 and upgraded again with its indexes in place.

Revision ID: 0003_console
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0003_console"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

INDEX = "ix_memories_console"
KEY = "tenant, cube, user_id, created_at"
REST = "expires_at, tier, kind, emotions"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON memories ({KEY}) INCLUDE ({REST})")
    else:
        op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON memories ({KEY}, {REST})")


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
