"""PostgreSQL: each lexical row carries its memory's tenant, cube and user, indexed together.

A search within one user of a large cube scored that user's documents by reading the user's labels from
`memories`, then each label's row of `memory_lexical` through its primary key: an index descent per
document (2,500 for one user of a 250k cube: 5.1 ms of server time per search, beside the model on two
cores). With the scope on the lexical rows, one index range returns the user's documents (2.4 ms, the
same top n). A memory's tenant, cube and user never change, so the copies cannot drift; the writers set
them (memory.store.postgres.lexical.add_documents, `db copy`). Lexical rows left without a memory (none
are written so; a search never reaches them) are deleted, so tenant and cube can be NOT NULL: a process
of an older release still writing after this upgrade fails its save loudly (nothing half-written)
instead of writing rows a user's search would miss. SQLite is unchanged (its FTS5 table has a scope).

Revision ID: 0007_lexical_scope
Revises: 0006_turn_words_key
Create Date: 2026-12-06
"""

from __future__ import annotations

from memory.db.migrations.postgres_only import on_postgres

revision = "0007_lexical_scope"
down_revision: str | None = "0006_turn_words_key"
branch_labels: str | None = None
depends_on: str | None = None

UPGRADE = (
    "ALTER TABLE memory_lexical ADD COLUMN IF NOT EXISTS tenant VARCHAR(128), "
    "ADD COLUMN IF NOT EXISTS cube VARCHAR(128), ADD COLUMN IF NOT EXISTS user_id VARCHAR(128)",
    "DELETE FROM memory_lexical l WHERE NOT EXISTS (SELECT 1 FROM memories m WHERE m.label = l.label)",
    "UPDATE memory_lexical l SET tenant = m.tenant, cube = m.cube, user_id = m.user_id FROM memories m "
    "WHERE m.label = l.label AND l.tenant IS NULL",
    "ALTER TABLE memory_lexical ALTER COLUMN tenant SET NOT NULL, ALTER COLUMN cube SET NOT NULL",
    "CREATE INDEX IF NOT EXISTS ix_memory_lexical_scope ON memory_lexical (tenant, cube, user_id)",
)
DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_memory_lexical_scope",
    "ALTER TABLE memory_lexical DROP COLUMN tenant, DROP COLUMN cube, DROP COLUMN user_id",
)


def upgrade() -> None:
    on_postgres(UPGRADE)


def downgrade() -> None:
    on_postgres(DOWNGRADE)
