"""One place that turns a database URL into a MemoryStore."""

from __future__ import annotations

import importlib

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from memory.clock import Clock
from memory.errors import ValidationError
from memory.options import EngineOptions
from memory.store.base import MemoryStore


async def open_store(url: str, options: EngineOptions, *, dim: int, model_id: str, clock: Clock) -> MemoryStore:
    """The store for `url`, its schema created: SQLite (a file) or PostgreSQL (`postgresql+asyncpg://`).
    Call `prepare()` on it before searching. `clock` is the engine's (a store reads the time only
    where no caller passes it in: SQLite's index catch-up at start)."""
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise ValidationError(f"DATABASE_URL is not a database URL: {url!r}", field="DATABASE_URL") from None
    if backend == "sqlite":
        from memory.store.sqlite.store import SqliteStore
        return await SqliteStore.open(url, options, dim=dim, model_id=model_id, clock=clock)
    if backend == "postgresql":
        try:
            module = importlib.import_module("memory.store.postgres")
        except ModuleNotFoundError as exc:
            if exc.name not in ("memory.store.postgres",):
                raise
            raise ValidationError("this build has no PostgreSQL store (memory.store.postgres); use a "
                                  "sqlite+aiosqlite:/// DATABASE_URL", field="DATABASE_URL") from None
        store: MemoryStore = await module.PostgresStore.open(url, options, dim=dim, model_id=model_id, clock=clock)
        return store
    raise ValidationError(f"DATABASE_URL names a database Omoide cannot store memories in ({backend}); use "
                          "sqlite+aiosqlite:///path/omoide.db or postgresql+asyncpg://user@host/db",
                          field="DATABASE_URL")
