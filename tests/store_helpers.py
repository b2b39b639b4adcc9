"""Reaching the embedded store behind an engine, for tests of what SQLite keeps (index files, postings,
the one-hop writer)."""

from __future__ import annotations

from memory.engine import MemoryEngine
from memory.store.sqlite.store import SqliteStore


def sqlite_store(engine: MemoryEngine) -> SqliteStore:
    store = engine.storage
    assert isinstance(store, SqliteStore), "this test needs the embedded SQLite store"
    return store
