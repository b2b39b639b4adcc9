"""The two search paths of the embedded store agree: the one-cube fast path (memory.search_one: one job
on the reader's thread) and the general path (memory.search_many) return the same hits, scores and
order for the same data and filter, with the exact matrix and with HNSW (exact_search_max=0); the
fast path the same whether it embeds the query in its reader's job (the model idle) or waits for the
model's own thread (busy with a save's passages)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from memory.clock import ManualClock
from memory.embedding.base import Embedder
from memory.emotions.labels import normalize_label
from memory.engine import MemoryEngine
from memory.options import EngineOptions
from memory.ranking import candidates
from memory.search import narrows_cube
from memory.store.base import StoredRow
from memory.store.candidates import Candidate, CandidateQuery
from memory.types import Memory, MemoryFilter, MemoryInput, Scope, SearchHit
from tests.store_helpers import sqlite_store

START = datetime(2025, 3, 1, 12, tzinfo=UTC)
FACTS = [
    ("alice", "I started learning the violin this spring", ["hobby"], "long_term"),
    ("alice", "嬉しい！新しいバイオリンの先生がとても優しい", ["hobby", "music"], "long_term"),
    ("alice", "My sister moved to Fukuoka for work", ["family"], "short_term"),
    ("alice", "悲しいことに、飼っていた猫が亡くなった", ["family", "pet"], "long_term"),
    ("bob", "Bob's favourite food is ramen with extra garlic", ["food"], "long_term"),
    ("bob", "週末は友達と札幌でラーメンを食べた、最高に楽しかった", ["food", "travel"], "working"),
    ("bob", "I am so angry that the train was late again", ["commute"], "long_term"),
    ("bob", "The violin concert next Friday sold out", ["music"], "long_term"),
    ("carol", "Carol practises the piano every evening", ["music", "hobby"], "long_term"),
    ("carol", "来月ソウルに出張する予定で楽しみ", ["travel"], "short_term"),
]
QUERIES = ["violin lessons", "ラーメン", "family news", "music", "旅行の予定"]


def _filters() -> list[MemoryFilter]:
    cube = {"tenant": "t", "cube": "c"}
    return [
        MemoryFilter(**cube),
        MemoryFilter(**cube, user_id="alice"),
        MemoryFilter(**cube, user_id="bob", kind="content"),
        MemoryFilter(**cube, tags=["music"]),
        MemoryFilter(**cube, tiers=["long_term"]),
        MemoryFilter(**cube, created_after=START + timedelta(days=3), created_before=START + timedelta(days=7)),
        MemoryFilter(**cube, emotions=[normalize_label("joy")]),
        MemoryFilter(tenant="t"),  # every cube of the tenant: the general path only
    ]


def _key(hits: list[SearchHit]) -> list[tuple[str, float, float, bool]]:
    """What a caller sees (the HNSW and the matrix product differ in the last float32 bits)."""
    return [(h.memory.id, h.score, round(h.rank_score, 4), h.matched_lexically) for h in hits]


async def save_facts(engine: MemoryEngine, clock: ManualClock) -> None:
    """FACTS in cube t/c (and one memory in another cube), then ten days on."""
    items = [MemoryInput(scope=Scope("t", "c", user), content=text, tags=tags, tier=tier,
                         created_at=START + timedelta(days=i))
             for i, (user, text, tags, tier) in enumerate(FACTS)]
    items.append(MemoryInput(scope=Scope("t", "other", "alice"), content="Alice's violin is from 1921"))
    assert not (await engine.save_batch(items)).failed
    clock.advance(10 * 86400)


@pytest.mark.parametrize("exact_search_max", [4096, 0], ids=["exact", "hnsw"])
async def test_the_fast_and_general_search_paths_return_the_same_hits(
        options: EngineOptions, embedder: Embedder, exact_search_max: int) -> None:
    clock = ManualClock(START)
    engine = await MemoryEngine.open(replace(options, exact_search_max=exact_search_max), embedder, clock=clock)
    try:
        await save_facts(engine, clock)
        store = sqlite_store(engine)
        await store.warm("t", "c")
        compared = 0
        for f in _filters():
            for q in QUERIES:
                store.one_cube_path = True
                fast = await engine.search(q, replace(f), top_k=5)
                if f.cube is not None and not narrows_cube(f):  # where the reader's job embeds when idle
                    saving = asyncio.ensure_future(engine.embeddings.passages([FACTS[0][1]] * 4))
                    await asyncio.sleep(0)  # the passages are on the model's thread now
                    assert not engine.embeddings.idle
                    while_busy = await engine.search(q, replace(f), top_k=5)
                    await saving
                    assert _key(while_busy) == _key(fast), (f, q)
                store.one_cube_path = False
                general = await engine.search(q, replace(f), top_k=5)
                assert _key(fast) == _key(general), (f, q)
                compared += bool(fast)
        assert compared >= len(QUERIES) * 4  # most filters find something: the comparison is not of empties
    finally:
        await engine.close()


async def test_a_search_hit_holds_the_same_memory_as_get(options: EngineOptions, embedder: Embedder) -> None:
    """Search builds its hits' memories straight from the values read (memory.db.rows.raw_row_to_memory);
    `get` reads the same row through the store's record: every field a caller sees must agree."""
    engine = await MemoryEngine.open(options, embedder)
    try:
        items = [MemoryInput(scope=Scope("t", "c", user, f"s{i % 2}"), content=text, tags=tags, tier=tier,
                             metadata={"source": "chat", "n": i, "nested": {"deep": [1, {"x": None}]}} if i % 2 else {},
                             importance=0.25 + i / 40, created_at=START + timedelta(days=i))
                 for i, (user, text, tags, tier) in enumerate(FACTS)]
        items.append(MemoryInput(scope=Scope("t", "c", "dave"), user_message="I adopted a puppy today!",
                                 ai_message="Congratulations, what is its name?"))
        assert not (await engine.save_batch(items)).failed
        seen = 0
        for q in [*QUERIES, "puppy"]:
            for hit in await engine.search(q, MemoryFilter(tenant="t", cube="c"), top_k=len(items)):
                assert hit.memory == await engine.get(hit.memory.id), q
                seen += 1
        assert seen >= len(items)
    finally:
        await engine.close()


@pytest.mark.parametrize("exact_search_max", [4096, 0], ids=["exact", "hnsw"])
async def test_ranking_in_the_readers_job_returns_what_ranking_the_rows_returns(
        options: EngineOptions, embedder: Embedder, exact_search_max: int) -> None:
    """The one-cube path ranks in its reader's job, reading whole rows only for the hits
    (FastReader.ranked_after): the same hits, Memory objects included, as ranking every whole row after."""
    engine = await MemoryEngine.open(replace(options, exact_search_max=exact_search_max), embedder)
    try:
        items = [MemoryInput(scope=Scope("t", "c", user), content=text, tags=tags, tier=tier, importance=0.2 + i / 20,
                             created_at=START + timedelta(days=i)) for i, (user, text, tags, tier) in enumerate(FACTS)]
        assert not (await engine.save_batch(items)).failed
        store = sqlite_store(engine)
        await store.warm("t", "c")
        now = engine.clock.now()
        compared = 0
        filters = _filters()[:3] if exact_search_max else _filters()[:1]  # HNSW: a user takes the general path
        for f in filters:
            for text in QUERIES:
                def rank(rows: Sequence[StoredRow], found: dict[int, Candidate], vectors: dict[int, np.ndarray],
                         memories: Callable[[Sequence[int]], dict[int, Memory]] | None) -> list[SearchHit]:
                    return engine.hits.rank(rows, found, vectors, now, 5, 0.0, memories)

                query = CandidateQuery(f, text, lambda t=text: engine.embeddings.query(t), candidates(5), now,
                                       with_vectors=True, rank=rank)
                in_job = await store.candidates(query)
                after = await store.candidates(replace(query, rank=None))
                assert in_job.hits is not None and after.hits is None
                assert in_job.hits == rank(after.rows, after.candidates, after.vectors, None), (f, text)
                compared += len(in_job.hits)
        assert compared >= len(QUERIES) * len(filters)
    finally:
        await engine.close()


async def test_a_hit_reads_its_times_as_get_does_whatever_format_sqlite_holds_them_in(
        options: EngineOptions, embedder: Embedder) -> None:
    """The fast path parses its hits' times itself (memory.db.fastread); a time written in another format
    (no fraction, ISO 'T', a short fraction: e.g. by hand or another tool) reads as the store's record does."""
    engine = await MemoryEngine.open(options, embedder)
    try:
        items = [MemoryInput(scope=Scope("t", "c", user), content=text, tags=tags, tier=tier,
                             created_at=START + timedelta(days=i)) for i, (user, text, tags, tier) in enumerate(FACTS)]
        saved = (await engine.save_batch(items)).saved
        sqlite_store(engine)
        formats = ["2025-03-02 08:30:00", "2025-03-02T08:30:00.250000", "2025-03-02 08:30:00.5"]
        kept = [i for i, fact in enumerate(FACTS) if fact[3] == "long_term"][:len(formats)]  # short_term: expired
        with sqlite3.connect(options.data_dir / "omoide.db") as conn:
            for i, created in zip(kept, formats, strict=True):
                conn.execute("UPDATE memories SET created_at = ? WHERE id = ?", (created, saved[i].memory.id))
        changed = {saved[i].memory.id for i in kept}
        seen = set()
        for q in [*QUERIES, *(FACTS[i][1] for i in kept)]:
            for hit in await engine.search(q, MemoryFilter(tenant="t", cube="c"), top_k=len(items)):
                assert hit.memory == await engine.get(hit.memory.id), q
                assert hit.memory.created_at.tzinfo is not None
                seen.add(hit.memory.id)
        assert changed <= seen
    finally:
        await engine.close()
