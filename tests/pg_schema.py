"""The engine's and the bot's PostgreSQL schema for tests that open the store directly: the real
migrations (memory.db.migrate), as every start runs them."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from memory.db.migrate import upgrade

STORE_DIM = 16  # the vectors of the `store` fixture's PostgresStore (tests/conftest.py): small, made up


async def create_pg_schema(url: str) -> None:
    """This release's schema (engine and bot tables: one migration makes both) in the database at `url`."""
    engine = create_async_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def connect(url: str) -> asyncpg.Connection:
    """A plain asyncpg connection to the database of a SQLAlchemy URL: for what a test reads or does
    beside the store (row versions, killing its connections, holding a lock)."""
    u = make_url(url)
    return await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)
