"""Writes to PostgreSQL, each one transaction: a save's new memories with their vectors, history and
lexical rows; updates; deletes; recall bookkeeping; importance. Labels come from the `memory_label_seq`
sequence, so processes writing at once never collide; a failed transaction keeps nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, String, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.store.base import CubeKey, HistoryEntry, MemoryChange, WriteBatch
from memory.store.postgres import lexical as lexical_rows
from memory.store.postgres.filters import filter_clauses
from memory.store.postgres.records import history_values, record_values
from memory.store.postgres.tables import LABEL_SEQUENCE, access, cubes, engine_meta, history, lexical, memories
from memory.types import MemoryFilter


async def take_labels(conn: AsyncConnection, count: int) -> list[int]:
    """`count` new labels from the shared sequence, in one round trip."""
    if count <= 0:
        return []
    rows = await conn.execute(text(f"SELECT nextval('{LABEL_SEQUENCE}') FROM generate_series(1, :n)"), {"n": count})
    return [int(x) for x in rows.scalars()]


async def bump(conn: AsyncConnection, keys: set[CubeKey], now: datetime) -> dict[CubeKey, int]:
    """Advance the cubes' generation counters (atomically: other processes may bump them too)."""
    out: dict[CubeKey, int] = {}
    for tenant, cube in sorted(keys):  # a fixed order: two transactions never wait on each other in a cycle
        stmt = pg_insert(cubes).values(tenant=tenant, cube=cube, generation=1, created_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=["tenant", "cube"],
                                          set_={"generation": cubes.c.generation + 1})
        out[(tenant, cube)] = int((await conn.execute(stmt.returning(cubes.c.generation))).scalar_one())
    return out


async def add_history(conn: AsyncConnection, entries: Sequence[HistoryEntry]) -> None:
    if entries:
        await conn.execute(insert(history), [history_values(e) for e in entries])


async def write(conn: AsyncConnection, batch: WriteBatch) -> dict[CubeKey, int]:
    """A save: new memories (labels and vectors set here), reinforced ones, history. Returns new generations."""
    assert batch.now is not None, "WriteBatch.now is required"
    labels = await take_labels(conn, len(batch.new))
    rows: list[dict[str, Any]] = []
    for new, label in zip(batch.new, labels, strict=True):
        vector = np.asarray(new.vector, dtype=np.float32)
        new.record.label, new.record.embedding = label, vector.tobytes()
        rows.append({**record_values(new.record), "embedding": vector})
    if rows:
        await conn.execute(insert(memories), rows)
        await lexical_rows.add_documents(conn, [(n.record, n.terms) for n in batch.new])
    for r in batch.reinforced:
        await conn.execute(update(memories).where(memories.c.id == r.id).values(
            importance=r.importance, reinforce_count=r.reinforce_count, updated_at=r.updated_at,
            expires_at=r.expires_at))
    await add_history(conn, batch.history)
    return await bump(conn, {(n.record.tenant, n.record.cube) for n in batch.new}, batch.now)


async def change(conn: AsyncConnection, c: MemoryChange) -> dict[CubeKey, int]:
    """An update; a new vector gets a new label and replaces the lexical terms."""
    values = record_values(c.record)
    for key in ("id", "label", "created_at"):
        values.pop(key)
    if c.vector is not None:
        old = int((await conn.execute(select(memories.c.label).where(memories.c.id == c.record.id))).scalar_one())
        (label,) = await take_labels(conn, 1)
        vector = np.asarray(c.vector, dtype=np.float32)
        c.record.label, c.record.embedding = label, vector.tobytes()
        values.update(label=label, embedding=vector)
        await lexical_rows.remove_documents(conn, [old])
        await lexical_rows.add_documents(conn, [(c.record, c.terms or "")])
    await conn.execute(update(memories).where(memories.c.id == c.record.id).values(**values))
    await add_history(conn, [c.history])
    if c.vector is None:
        return {}
    return await bump(conn, {(c.record.tenant, c.record.cube)}, c.history.at)


async def delete_matching(conn: AsyncConnection, f: MemoryFilter, now: datetime | None, actor: str | None,
                          at: datetime) -> tuple[list[str], dict[CubeKey, int]]:
    """Delete what the filter selects, with its lexical rows and one history line each."""
    c = memories.c
    gone = (await conn.execute(delete(memories).where(*filter_clauses(f, now=now))
                               .returning(c.id, c.label, c.tenant, c.cube, c.user_id, c.kind, c.tier))).all()
    if not gone:
        return [], {}
    await conn.execute(delete(lexical).where(
        lexical.c.label == func.any(bindparam("labels", [r.label for r in gone],
                                                           type_=ARRAY(BigInteger)))))
    await conn.execute(delete(access).where(
        access.c.memory_id == func.any(bindparam("ids", [r.id for r in gone], type_=ARRAY(String)))))
    await add_history(conn, [HistoryEntry(memory_id=r.id, tenant=r.tenant, cube=r.cube, user_id=r.user_id,
                                          action="delete", actor=actor, at=at,
                                          changes={"kind": r.kind, "tier": r.tier}) for r in gone])
    return [r.id for r in gone], await bump(conn, {(r.tenant, r.cube) for r in gone}, at)


async def erase_history(conn: AsyncConnection, tenant: str | None, user_id: str | None, note: HistoryEntry) -> None:
    stmt = delete(history)
    if user_id is not None:
        stmt = stmt.where(history.c.user_id == user_id)
    if tenant is not None:
        stmt = stmt.where(history.c.tenant == tenant)
    if user_id is None and tenant is None:
        raise ValueError("erase_history needs a tenant or a user")
    await conn.execute(stmt)
    await add_history(conn, [note])


# a memory's first recall here starts from its own count (what it was copied or upgraded with); a memory
# deleted meanwhile gets no row
_RECORD_ACCESS = text("""
INSERT INTO memory_access (memory_id, last_accessed_at, access_count)
SELECT id, :at, access_count + :n FROM memories WHERE id = :mid
ON CONFLICT (memory_id) DO UPDATE SET access_count = memory_access.access_count + :n,
    last_accessed_at = GREATEST(memory_access.last_accessed_at, EXCLUDED.last_accessed_at)
""")


async def record_access(conn: AsyncConnection, seen: dict[str, tuple[datetime, int]]) -> None:
    """Each memory's recalls since the last flush, into memory_access (tables.access says why there),
    in id order: two processes flushing the same memories lock them in the same order."""
    if seen:
        await conn.execute(_RECORD_ACCESS, [{"mid": mid, "at": at, "n": n} for mid, (at, n) in sorted(seen.items())])


async def set_vectors(conn: AsyncConnection, vectors: Sequence[tuple[str, np.ndarray]], model_id: str, dim: int
                      ) -> None:
    if vectors:
        await conn.execute(update(memories).where(memories.c.id == bindparam("mid")).values(
            embedding=bindparam("vec", type_=memories.c.embedding.type), embedding_model=model_id,
            embedding_dim=dim), [{"mid": mid, "vec": np.asarray(v, dtype=np.float32)} for mid, v in vectors])


async def set_meta(conn: AsyncConnection, key: str, value: str) -> None:
    stmt = pg_insert(engine_meta).values(key=key, value=value)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}))


async def apply_importance(conn: AsyncConnection, decayed: Sequence[tuple[str, float]], boosted: Sequence[str],
                           floor: float, boost: float, meta: tuple[str, str]) -> None:
    imp = memories.c.importance
    if decayed:
        await conn.execute(update(memories).where(memories.c.id == bindparam("mid")).values(
            importance=floor + (imp - floor) * bindparam("factor")),
            [{"mid": mid, "factor": factor} for mid, factor in decayed])
    if boosted:
        await conn.execute(update(memories).where(memories.c.id.in_(list(boosted))).values(
            importance=func.least(1.0, imp + (1.0 - imp) * boost)))
    await set_meta(conn, *meta)
