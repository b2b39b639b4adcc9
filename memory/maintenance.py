"""Whole-store jobs: rebuild every index from stored vectors, or re-embed every memory with a new model."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sqlalchemy import func, select, update

from memory.db.models import CubeRow, MemoryRow, MetaRow
from memory.engine import MemoryEngine
from memory.turn_context import embed_text_for_row

Progress = Callable[[int], object]  # told how many more are done; what it returns is ignored (tqdm.update)


async def rebuild_indexes(engine: MemoryEngine) -> int:
    """Rebuild each cube's index from the database and persist it; returns how many cubes."""
    async with engine.sessions() as s:
        cubes = (await s.execute(select(CubeRow.tenant, CubeRow.cube, CubeRow.generation))).all()
    async with engine.writer.lock:
        for tenant, cube, _ in cubes:
            gen = engine.writer.generations.get((tenant, cube), 0)
            await engine.indexes.rebuild(tenant, cube, gen)
            await engine.indexes.save(tenant, cube)
    return len(cubes)


async def count_memories(engine: MemoryEngine) -> int:
    async with engine.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(MemoryRow))).scalar_one())


async def reembed_all(engine: MemoryEngine, progress: Progress | None = None, batch: int = 256) -> int:
    """Re-embed every memory with the engine's current model, then rebuild the indexes.

    Turns are embedded as when they were saved (speaker and previous turns, memory.turn_text).

    Labels are kept (vectors change, ids do not), so it is safe to interrupt and run again.
    """
    model, dim = engine.embeddings.model_id, engine.embeddings.dim
    done, last = 0, 0
    while True:
        async with engine.sessions() as s:
            rows = (await s.execute(select(MemoryRow).where(MemoryRow.label > last)
                                    .order_by(MemoryRow.label).limit(batch))).scalars().all()
            texts = [await embed_text_for_row(s, r, engine.turn_text) for r in rows]
        if not rows:
            break
        vecs = await engine.embeddings.passages(texts)
        async with engine.writer.lock, engine.sessions.begin() as s:
            for r, v in zip(rows, vecs, strict=True):
                await s.execute(update(MemoryRow).where(MemoryRow.id == r.id).values(
                    embedding=np.asarray(v, dtype=np.float32).tobytes(), embedding_model=model, embedding_dim=dim))
        last = rows[-1].label
        done += len(rows)
        if progress:
            progress(len(rows))
    async with engine.sessions.begin() as s:
        await s.merge(MetaRow(key="embedding_model", value=f"{model}|{dim}"))
    await rebuild_indexes(engine)
    return done
