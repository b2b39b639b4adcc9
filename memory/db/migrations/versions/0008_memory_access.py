"""PostgreSQL: recall bookkeeping (each search hit's last access and count) in its own small table.

Every search hit's memory had its `last_accessed_at` and `access_count` updated in `memories` half a second
later (memory.access). A memory's row is ~2 KB, its vector inline, so a full page has no room for a new
version of it: each of those updates wrote the whole row again with an entry in every index of
`memories`, the HNSW graph's included. At 250k memories that took 1.3-2.6 ms of server time a hit
(200 hits: 270-520 ms), more than the search that recalled them, and in the scale benchmark it ran
beside the timed searches. `memory_access` holds a few dozen bytes a memory under one index that its
updates never change, so they are made in place. Nothing is moved: until a memory's first recall after
this upgrade, its own columns still hold its last access and count, and reads take `memory_access`'s
first (memory.store.postgres.tables). SQLite is unchanged (its rows are updated in place already).

Revision ID: 0008_memory_access
Revises: 0007_lexical_scope
Create Date: 2026-12-07
"""

from __future__ import annotations

from memory.db.migrations.postgres_only import on_postgres

revision = "0008_memory_access"
down_revision: str | None = "0007_lexical_scope"
branch_labels: str | None = None
depends_on: str | None = None

# fillfactor: room on each page for a row's next version (a HOT update needs it on the same page)
UPGRADE = ("CREATE TABLE IF NOT EXISTS memory_access (memory_id VARCHAR(36) PRIMARY KEY, "
           "last_accessed_at TIMESTAMP WITH TIME ZONE NOT NULL, access_count INTEGER NOT NULL) "
           "WITH (fillfactor = 80)",)
DOWNGRADE = (
    "UPDATE memories m SET last_accessed_at = a.last_accessed_at, access_count = a.access_count "
    "FROM memory_access a WHERE a.memory_id = m.id",
    "DROP TABLE IF EXISTS memory_access",
)


def upgrade() -> None:
    on_postgres(UPGRADE)


def downgrade() -> None:
    on_postgres(DOWNGRADE)
