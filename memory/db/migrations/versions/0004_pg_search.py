"""PostgreSQL lexical statistics: BM25's document frequencies and totals kept beside `memory_lexical`.

BM25 needs each query term's document frequency, the number of documents and their average length.
Counting them at query time means reading every document that holds any query term: at 250k memories a
common word matches tens of thousands, seconds per search. Here they are kept as they change, by
statement-level triggers on `memory_lexical` (so every writer, `db copy` included, keeps them right):
`memory_lexical_terms` (term, shard) -> documents holding the term, `memory_lexical_totals` (shard) ->
documents and their lexemes. A search sums a term's shards (memory.store.postgres.lexical).

Shards let processes write at once: a transaction counts into the shard of its backend
(pg_backend_pid() % 16) under a transaction-level advisory lock on that shard, so two writers only wait
for each other when they share a shard, and never deadlock on the counters. SQLite is unchanged (its
FTS5 table has its own statistics).

Revision ID: 0004_pg_search
Revises: 0003_console
Create Date: 2026-12-06
"""

from __future__ import annotations

from memory.db.migrations.postgres_only import on_postgres

revision = "0004_pg_search"
down_revision: str | None = "0003_console"
branch_labels: str | None = None
depends_on: str | None = None

SHARDS = 16

UPGRADE = (
    "CREATE TABLE memory_lexical_terms (term TEXT NOT NULL, shard SMALLINT NOT NULL, df BIGINT NOT NULL, "
    "PRIMARY KEY (term, shard))",
    "CREATE TABLE memory_lexical_totals (shard SMALLINT PRIMARY KEY, docs BIGINT NOT NULL, "
    "lexemes BIGINT NOT NULL)",
    f"""
    CREATE FUNCTION memory_lexical_count() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        s smallint := pg_backend_pid() % {SHARDS};
        sign bigint := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
    BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('omoide.lexical_stats'), s);
        INSERT INTO memory_lexical_terms AS t (term, shard, df)
            SELECT w, s, sign * count(*) FROM changed, unnest(tsvector_to_array(changed.terms)) AS w
            GROUP BY w
        ON CONFLICT (term, shard) DO UPDATE SET df = t.df + excluded.df;
        INSERT INTO memory_lexical_totals AS t (shard, docs, lexemes)
            SELECT s, sign * count(*), sign * coalesce(sum(length(changed.terms)), 0) FROM changed
        ON CONFLICT (shard) DO UPDATE SET docs = t.docs + excluded.docs, lexemes = t.lexemes + excluded.lexemes;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION memory_lexical_forget() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM memory_lexical_terms;
        DELETE FROM memory_lexical_totals;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER memory_lexical_added AFTER INSERT ON memory_lexical REFERENCING NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION memory_lexical_count()",
    "CREATE TRIGGER memory_lexical_removed AFTER DELETE ON memory_lexical REFERENCING OLD TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION memory_lexical_count()",
    "CREATE TRIGGER memory_lexical_emptied AFTER TRUNCATE ON memory_lexical "
    "FOR EACH STATEMENT EXECUTE FUNCTION memory_lexical_forget()",
    # what is there already
    "INSERT INTO memory_lexical_terms (term, shard, df) "
    "SELECT w, 0, count(*) FROM memory_lexical, unnest(tsvector_to_array(terms)) AS w GROUP BY w",
    "INSERT INTO memory_lexical_totals (shard, docs, lexemes) "
    "SELECT 0, count(*), coalesce(sum(length(terms)), 0) FROM memory_lexical",
)
DOWNGRADE = (
    "DROP TRIGGER memory_lexical_emptied ON memory_lexical",
    "DROP TRIGGER memory_lexical_removed ON memory_lexical",
    "DROP TRIGGER memory_lexical_added ON memory_lexical",
    "DROP FUNCTION memory_lexical_forget()",
    "DROP FUNCTION memory_lexical_count()",
    "DROP TABLE memory_lexical_totals",
    "DROP TABLE memory_lexical_terms",
)


def upgrade() -> None:
    on_postgres(UPGRADE)


def downgrade() -> None:
    on_postgres(DOWNGRADE)
