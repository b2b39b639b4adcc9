"""A hash of each turn's words (`memories.words_key`), indexed with its cube and user.

A turn is merged into a stored one only when both say the same words (memory.turn_text.same_words). A
save used to look for near-duplicate vectors in every user scope its batch touched, reading each
scope's labels and vectors: in one big cube that was most of the cube per batch. With the words' hash
stored and indexed, one query per cube tells which turns of a batch could repeat a stored turn at all;
only those look at vectors (memory.dedup). Existing turns get their hash here (Python computes it: the
normalisation is Unicode NFKC and case folding, which neither database does the same way). The column
and index are added only when missing: a database whose version record was lost was made by create_all
with them (memory.db.adopt stamps it at 0001 and the revisions run again).

In PostgreSQL every row the backfill updates also gets a new entry in each index, the HNSW graph's
included: ~5.4 ms a turn, measured at 20k turns on 2 cores under load (110 s; 1.3 s with no graph).
So when turns are a large share of the rows, the graphs are dropped first and built again after, from
their own definitions (whichever graph the database has), in memory as `db copy` builds them: 55 s in
all for those 20k turns. On a large database, run `python -m bot db upgrade` while the bot is stopped.

Revision ID: 0006_turn_words_key
Revises: 0005_history_bigint
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from memory.turn_text import words_key

revision = "0006_turn_words_key"
down_revision: str | None = "0005_history_bigint"
branch_labels: str | None = None
depends_on: str | None = None

PAGE = 5000  # turns read and updated at a time
GRAPHS_FIRST_SHARE = 0.25  # drop the graphs when turns are more than this share of the rows (PostgreSQL)
BUILD_MEMORY = "1GB"  # as bot.db_copy builds the graph: in memory when it fits


def upgrade() -> None:
    conn = op.get_bind()
    if "words_key" not in {c["name"] for c in sa.inspect(conn).get_columns("memories")}:
        op.add_column("memories", sa.Column("words_key", sa.BigInteger().with_variant(sa.Integer(), "sqlite")))
    graphs = _drop_graphs(conn) if conn.dialect.name == "postgresql" else []
    _backfill(conn)
    if graphs:
        conn.execute(sa.text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
        for definition in graphs:
            conn.execute(sa.text(definition))
    op.create_index("ix_memories_words", "memories", ["tenant", "cube", "words_key", "user_id"], if_not_exists=True)


def _drop_graphs(conn: sa.Connection) -> list[str]:
    """Drop the HNSW graphs when updating the turns would cost more than building them again; their
    definitions, to build them with."""
    turns, rows = conn.execute(sa.text(
        "SELECT count(*) FILTER (WHERE kind = 'turn' AND words_key IS NULL), count(*) FROM memories")).one()
    if turns <= GRAPHS_FIRST_SHARE * rows:
        return []
    graphs = conn.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'memories' "
                                  "AND indexdef LIKE :hnsw"), {"hnsw": "% USING hnsw %"}).all()
    for name, _ in graphs:
        conn.execute(sa.text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in graphs]


def _backfill(conn: sa.Connection) -> None:
    """Hash the turns that have no key yet (a database adopted at 0001 and upgraded again has its newer
    turns keyed already: rewriting them would cost as much as the first time, and _drop_graphs counts
    only the others)."""
    after = ""
    while rows := conn.execute(sa.text(
            "SELECT id, user_message, ai_message FROM memories WHERE kind = 'turn' AND words_key IS NULL "
            "AND id > :after ORDER BY id LIMIT :page"), {"after": after, "page": PAGE}).all():
        conn.execute(sa.text("UPDATE memories SET words_key = :key WHERE id = :id"),
                     [{"key": words_key(user, ai), "id": memory_id} for memory_id, user, ai in rows])
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_memories_words", table_name="memories")
    op.execute("ALTER TABLE memories DROP COLUMN words_key")  # SQLite 3.35+ drops a column in place
