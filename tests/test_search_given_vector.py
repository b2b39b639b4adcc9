"""A search can be handed its query's vector (`MemoryEngine.search(embedding=...)`, as a save takes
`MemoryInput.embedding`): the same hits as when the engine embeds the query itself, on either store. On
SQLite a scope searched exactly then runs its whole job on the event loop's thread (memory.search_one):
the same hits as the job run on the reader's thread."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from memory.clock import ManualClock
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.errors import ValidationError
from memory.options import EngineOptions
from memory.store.sqlite.store import SqliteStore
from memory.types import Memory, MemoryFilter, MemoryInput, Scope, SearchHit
from tests.test_search_parity import QUERIES, START, _filters, save_facts


def _key(hits: list[SearchHit]) -> list[tuple[str, float, float, float, bool]]:
    return [(h.memory.id, h.score, h.cosine, round(h.rank_score, 4), h.matched_lexically) for h in hits]


def _memories(hits: list[SearchHit]) -> list[Memory]:
    """The hits' memories, less their access times (written half a second after a search: memory.access)."""
    return [replace(h.memory, last_accessed_at=None, access_count=0) for h in hits]


@pytest.mark.parametrize("exact_search_max", [4096, 0], ids=["exact", "hnsw"])
async def test_a_search_given_its_query_vector_finds_what_embedding_the_query_finds(
        options: EngineOptions, embedder: Embedder, exact_search_max: int) -> None:
    clock = ManualClock(START)
    engine = await MemoryEngine.open(replace(options, exact_search_max=exact_search_max), embedder, clock=clock)
    try:
        await save_facts(engine, clock)
        store = engine.storage
        if isinstance(store, SqliteStore):
            await store.warm("t", "c")
        compared = 0
        for f in _filters():
            for q in QUERIES:
                own = await engine.search(q, replace(f), top_k=5)
                vector = await engine.embeddings.query(q)
                given = await engine.search(q, replace(f), top_k=5, embedding=vector)
                assert _key(given) == _key(own), (f, q)
                assert _key(await engine.search(q, replace(f), top_k=5, embedding=vector.tolist())) == _key(own)
                if isinstance(store, SqliteStore):  # the job on the reader's thread instead of the loop's
                    store.inline = False
                    on_thread = await engine.search(q, replace(f), top_k=5, embedding=vector)
                    store.inline = True
                    assert _memories(on_thread) == _memories(given), (f, q)
                    assert _key(on_thread) == _key(given), (f, q)
                compared += bool(own)
        assert compared >= len(QUERIES) * 4  # most filters find something: not a comparison of empties
    finally:
        await engine.close()


async def test_a_query_vector_of_the_wrong_size_or_zero_is_refused_naming_the_field(
        options: EngineOptions, embedder: Embedder) -> None:
    engine = await MemoryEngine.open(options, embedder)
    try:
        await engine.save(MemoryInput(scope=Scope("t", "c", "alice"), content="I play the violin"))
        f = MemoryFilter(tenant="t", cube="c")
        for bad in ([0.1, 0.2], np.zeros(engine.embeddings.dim, np.float32)):
            with pytest.raises(ValidationError) as err:
                await engine.search("violin", f, embedding=bad)
            assert err.value.field == "embedding"
    finally:
        await engine.close()

