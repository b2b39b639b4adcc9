"""Database engine setup: WAL, pragmas, the schema (by migrations), one async_sessionmaker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from memory.db.migrate import upgrade


def create_engine(url: str, *, synchronous: str = "NORMAL") -> AsyncEngine:
    """An async engine; for SQLite: WAL so readers never block the writer, and a busy timeout."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            set_pragmas(dbapi_conn, synchronous)
    return engine


def set_pragmas(dbapi_conn: Any, synchronous: str) -> None:
    """What every SQLite connection that writes gets (the engine's pool, memory.db.fastwrite's own)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA synchronous={synchronous}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


async def create_schema(engine: AsyncEngine) -> None:
    """Bring the database to this release's schema (memory.db.migrate): built on first start, upgraded after."""
    await upgrade(engine)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
