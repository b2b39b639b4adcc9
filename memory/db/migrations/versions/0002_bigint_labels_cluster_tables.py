"""Labels as 64-bit integers in PostgreSQL, and the cluster's tables made by the migration.

- `memories.label` becomes BIGINT: labels come from `memory_label_seq` (a BIGINT sequence shared by
  every writing process, never reused), which outgrows INTEGER long before the table holds 2^31 rows.
  SQLite's INTEGER is already 64-bit (and the label is memory_fts's rowid): nothing to do there.
- `omoide_push_payloads` (bot.cluster.pgbus: push events too big for a NOTIFY payload) and
  `omoide_rate_buckets` (bot.cluster.limits: the API rate limit shared by every worker) were created by
  the processes at start; they are part of the schema now. IF NOT EXISTS: a database upgraded by an
  earlier process of the cluster already has them. PostgreSQL only: in SQLite mode one process runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

CLUSTER_TABLES = (
    """CREATE UNLOGGED TABLE IF NOT EXISTS omoide_push_payloads (
    id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE UNLOGGED TABLE IF NOT EXISTS omoide_rate_buckets (
    caller text PRIMARY KEY, tokens double precision NOT NULL, at double precision NOT NULL,
    granted boolean NOT NULL)""",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE memories ALTER COLUMN label TYPE BIGINT")
    for statement in CLUSTER_TABLES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS omoide_rate_buckets")
    op.execute("DROP TABLE IF EXISTS omoide_push_payloads")
    op.execute("ALTER TABLE memories ALTER COLUMN label TYPE INTEGER")  # fails if a label is past 2^31 - 1
