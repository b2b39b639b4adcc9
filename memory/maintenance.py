"""Whole-store jobs: rebuild every index from stored vectors, or re-embed every memory with a new model."""

from __future__ import annotations

from collections.abc import Callable

from memory.engine import MemoryEngine
from memory.model_record import KEY as MODEL_KEY
from memory.turn_context import embed_text_for_row
from memory.types import MemoryFilter

Progress = Callable[[int], object]  # told how many more are done; what it returns is ignored (tqdm.update)


async def rebuild_indexes(engine: MemoryEngine) -> int:
    """Rebuild each cube's index from the stored vectors and persist it; returns how many cubes."""
    return await engine.storage.rebuild_indexes()


async def count_memories(engine: MemoryEngine) -> int:
    return (await engine.storage.page(MemoryFilter(), engine.clock.now(), 1, 0))[1]


async def reembed_all(engine: MemoryEngine, progress: Progress | None = None, batch: int = 256) -> int:
    """Re-embed every memory with the engine's current model, then rebuild the indexes.

    Turns are embedded as when they were saved (speaker and previous turns, memory.turn_text).

    Labels are kept (vectors change, ids do not), so it is safe to interrupt and run again.
    """
    model, dim = engine.embeddings.model_id, engine.embeddings.dim
    store = engine.storage
    done, last = 0, 0
    while True:
        rows = await store.records(after_label=last, limit=batch)
        if not rows:
            break
        texts = [await embed_text_for_row(store, r, engine.turn_text) for r in rows]
        vecs = await engine.embeddings.passages(texts)
        async with store.writing():
            await store.set_vectors([(r.id, v) for r, v in zip(rows, vecs, strict=True)], model, dim)
        last = rows[-1].label
        done += len(rows)
        if progress:
            progress(len(rows))
    await store.set_meta(MODEL_KEY, f"{model}|{dim}")
    await rebuild_indexes(engine)
    return done
