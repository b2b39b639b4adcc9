"""One place that turns a database URL into a MemoryStore."""

from __future__ import annotations

from memory.clock import Clock
from memory.db.database_url import check_url
from memory.options import EngineOptions
from memory.store.base import MemoryStore


async def open_store(url: str, options: EngineOptions, *, dim: int, model_id: str, clock: Clock) -> MemoryStore:
    """The store for `url`, its schema created: SQLite (a file) or PostgreSQL (`postgresql+asyncpg://`).
    Call `prepare()` on it before searching. `clock` is the engine's (a store reads the time only
    where no caller passes it in: SQLite's index catch-up at start)."""
    backend = check_url(url).get_backend_name()  # a scheme or driver Omoide does not run on: DatabaseUrlError
    if backend == "sqlite":
        from memory.store.sqlite.store import SqliteStore
        return await SqliteStore.open(url, options, dim=dim, model_id=model_id, clock=clock)
    from memory.store.postgres import PostgresStore
    return await PostgresStore.open(url, options, dim=dim, model_id=model_id, clock=clock)
