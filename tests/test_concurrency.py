"""Many writers and readers at once: every acknowledged write is stored, indexed and searchable."""

from __future__ import annotations

import asyncio
import random

from memory.engine import MemoryEngine
from memory.types import MemoryFilter, MemoryInput, Scope
from tests.store_helpers import sqlite_store

FOODS = ["ramen", "sushi", "curry", "pizza", "tacos", "pho", "bibimbap", "falafel", "paella", "pierogi"]
PLACES = ["Osaka", "Lisbon", "Nairobi", "Lima", "Oslo", "Hanoi", "Tbilisi", "Quito", "Perth", "Busan"]


async def test_concurrent_writers_lose_nothing(engine: MemoryEngine) -> None:
    rng = random.Random(7)

    def text(u: int, i: int) -> str:
        return (f"{rng.choice(PLACES)} trip {i} with user {u}: ate {rng.choice(FOODS)}, "
                f"then {rng.choice(FOODS)} at {rng.randint(1, 12)} o'clock, paid {rng.randint(5, 500)} yen")

    jobs = [(u, text(u, i)) for u in range(5) for i in range(16)]
    writes = [engine.store(Scope("t", "c", f"u{u}"), body) for u, body in jobs]
    batch = engine.save_batch([MemoryInput(Scope("t", "c", "u9"), content=f"batch item {i} {PLACES[i]}")
                               for i in range(10)])
    reads = [engine.search(rng.choice(FOODS), MemoryFilter(tenant="t", user_id=f"u{i % 5}")) for i in range(20)]
    results = await asyncio.gather(*writes, batch, *reads)
    saves, batch_result = results[:len(jobs)], results[len(jobs)]
    created = {r.memory.id for r in saves if not r.deduplicated} | {r.memory.id for r in batch_result.saved}
    reinforced = {r.memory.id for r in saves if r.deduplicated}
    assert reinforced <= created  # a reinforced write landed on a stored memory, none vanished
    page = await engine.list(MemoryFilter(tenant="t"), limit=1000)
    assert {m.id for m in page.memories} == created
    state = sqlite_store(engine).indexes.get("t", "c")
    assert state is not None and state.index.alive == len(created)
    for r in saves[:10]:
        hits = await engine.search(r.memory.content, MemoryFilter(tenant="t", user_id=r.memory.scope.user_id),
                                   top_k=1)
        assert hits[0].memory.id == r.memory.id
