"""History ids as 64-bit integers in PostgreSQL.

Every add, update, delete, merge and reinforce writes a `memory_history` row, and rows are kept after
deletion, so a long-running deployment hands out history ids far faster than memories: the SERIAL
column (INTEGER, from an `AS integer` sequence) stops every write at 2^31 - 1. The column becomes BIGINT
and its sequence `AS bigint` (its maximum rises with it). No column refers to `memory_history.id`.
SQLite's INTEGER PRIMARY KEY is already 64-bit: nothing to do there.

The type change rewrites the table under an exclusive lock: on a large history, run `python -m bot db
upgrade` while the bot is stopped.

Revision ID: 0005_history_bigint
Revises: 0004_pg_search
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0005_history_bigint"
down_revision: str | None = "0004_pg_search"
branch_labels: str | None = None
depends_on: str | None = None


def _sequence() -> str:
    """The sequence behind memory_history.id (SERIAL named it memory_history_id_seq; asked, not assumed)."""
    name = op.get_bind().execute(text("SELECT pg_get_serial_sequence('memory_history', 'id')")).scalar_one()
    return str(name)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE memory_history ALTER COLUMN id TYPE BIGINT")
    op.execute(f"ALTER SEQUENCE {_sequence()} AS BIGINT")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER SEQUENCE {_sequence()} AS INTEGER")  # fails if an id past 2^31 - 1 was handed out
    op.execute("ALTER TABLE memory_history ALTER COLUMN id TYPE INTEGER")
