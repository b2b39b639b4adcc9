"""A PostgreSQL-only fill for sizes the engine's saves cannot reach in a benchmark's time on two cores
(`python -m bench.scale --bulk-postgres`): the stored-vector memories written as the engine would write
them (same texts `text #i`, 100 users, no emotions or summary: bench.engine.grow's items), through the
store's own write path in batches, with no duplicate check, the HNSW index dropped first and built once
after (as `db copy` does). The real texts still go through the engine."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import text

from bench.engine import CUBE
from bench.postgres_search import fill
from bot.db_copy import BUILD_MEMORY
from memory.engine import MemoryEngine
from memory.store.base import HistoryEntry, MemoryRecord, NewMemory, WriteBatch
from memory.store.postgres import PostgresStore
from memory.store.postgres.vectors import drop_indexes, ensure_indexes
from memory.text.tokenize import index_document

BATCH = 5000


def _record(content: str, user: str, now: datetime, model_id: str, dim: int) -> MemoryRecord:
    return MemoryRecord(
        id=str(uuid.uuid4()), label=0, tenant=CUBE.tenant, cube=CUBE.cube, user_id=user, session_id=None,
        kind="content", content=content, user_message=None, ai_message=None, content_type="text",
        tier="long_term", tags=[], meta={}, importance=0.5, emotions=[], summary="", created_at=now,
        updated_at=now, expires_at=None, last_accessed_at=None, access_count=0, reinforce_count=0,
        embedding_model=model_id, embedding_dim=dim)


async def bulk_fill(engine: MemoryEngine, docs: list[str], extra: np.ndarray) -> float:
    """The real texts through the engine, the stored vectors in bulk; returns the seconds the bulk part
    took (the index build included)."""
    store = engine.storage
    assert isinstance(store, PostgresStore)
    await fill(engine, docs, extra[:0])
    terms = [index_document(d) for d in docs]  # "text #i" is indexed as the text's terms and "i"
    t = time.perf_counter()
    async with store.db.begin() as conn:
        await drop_indexes(conn)
    start = len(docs)
    for lo in range(0, len(extra), BATCH):
        now = datetime.now(UTC)
        batch = WriteBatch(now=now)
        for j in range(lo, min(lo + BATCH, len(extra))):
            i = start + j
            rec = _record(f"{docs[i % len(docs)]} #{i}", f"user{i % 100}", now, store.model_id, store.dim)
            batch.new.append(NewMemory(rec, extra[j], f"{terms[i % len(docs)]} {i}"))
            batch.history.append(HistoryEntry(rec.id, rec.tenant, rec.cube, rec.user_id, "add", None, now,
                                              {"kind": "content", "tier": "long_term"}))
        async with store.writing((CUBE.tenant, CUBE.cube)):
            await store.write(batch)
    async with store.db.begin() as conn:
        await conn.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
        await ensure_indexes(conn, [store.dim])
    return time.perf_counter() - t
