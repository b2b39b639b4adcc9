"""Reaching the embedded store behind an engine, for tests of what SQLite keeps (index files, postings,
the one-hop writer). Under OMOIDE_TEST_DATABASE=postgres those tests are skipped, not failed."""

from __future__ import annotations

import pytest

from memory.engine import MemoryEngine
from memory.store.sqlite.store import SqliteStore


def sqlite_store(engine: MemoryEngine) -> SqliteStore:
    store = engine.storage
    if not isinstance(store, SqliteStore):
        pytest.skip("tests what the embedded SQLite store keeps")
    return store
