"""STAND-IN for the Alembic migrations (branch `alembic`): builds the engine's PostgreSQL schema for the
PostgreSQL store's tests. Drop this file and call the migrations instead once they land.

The schema agreed with the migrations: memory.db.models' tables, `memories.embedding` a pgvector
`vector` without a fixed dimension, the `memory_label_seq` sequence for labels, and
`memory_lexical(label BIGINT PRIMARY KEY, terms TSVECTOR NOT NULL)` with a GIN index on terms.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url

from memory.db.models import Base

_AFTER = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    "ALTER TABLE memories DROP COLUMN embedding",
    "ALTER TABLE memories ADD COLUMN embedding vector NOT NULL",
    "CREATE SEQUENCE IF NOT EXISTS memory_label_seq",
    "CREATE TABLE IF NOT EXISTS memory_lexical (label BIGINT PRIMARY KEY, terms TSVECTOR NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_memory_lexical_terms ON memory_lexical USING gin (terms)",
]


async def create_pg_schema(url: str, *, bot_tables: bool = False) -> None:
    """The engine's tables (and the bot's, when asked) in the empty database at `url`."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            if bot_tables:
                for metadata in bot_metadatas():
                    await conn.run_sync(metadata.create_all)
    finally:
        await engine.dispose()
    u = make_url(url)
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)
    try:
        for sql in _AFTER:
            await conn.execute(sql)
    finally:
        await conn.close()


def bot_metadatas() -> list[object]:
    from bot.api.tables import ApiBase
    from bot.discord.prefs import PrefsBase
    from bot.resonant.models import ResonantBase
    return [ApiBase.metadata, PrefsBase.metadata, ResonantBase.metadata]
