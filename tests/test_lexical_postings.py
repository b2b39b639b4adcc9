"""Lexical search from in-memory postings finds what FTS5 finds, and follows every write at once."""

from __future__ import annotations

import asyncio

import numpy as np

from memory.clock import utcnow
from memory.engine import MemoryEngine
from memory.index import lexical
from memory.index.postings import sum_by_doc
from memory.types import MemoryFilter, Scope
from tests.store_helpers import sqlite_store

CUBE = MemoryFilter(tenant="t1", cube="user_user_cocoro_cube")
ALICE = Scope(tenant="t1", cube="user_user_cocoro_cube", user_id="alice")
BOB = Scope(tenant="t1", cube="user_user_cocoro_cube", user_id="bob")

FACTS = [
    "猫を二匹飼っていて、名前はミケとタマです",
    "来月東京に引っ越す予定です",
    "昨日の東京の花火大会は楽しかった",
    "I am allergic to peanuts and shellfish",
    "My favourite band is Radiohead and I saw them live in 2017",
    "毎朝ジョギングを5キロしています",
    "I work as a nurse on night shifts at the city hospital",
    "The hospital cafeteria serves peanuts butter sandwiches on Fridays",
    "週末は京都でお寺を巡るのが好きです",
    "My sister lives in Osaka and works at a bakery",
]
QUERIES = ["東京", "楽しい花火", "peanuts", "hospital night", "京都のお寺", "bakery in Osaka", "ミケ"]


async def _store_all(engine: MemoryEngine) -> None:
    for i, fact in enumerate(FACTS):
        await engine.store(ALICE if i % 2 == 0 else BOB, fact)


async def _fts(engine: MemoryEngine, query: str, f: MemoryFilter) -> list[int]:
    return await lexical.search(sqlite_store(engine).reader, query, f, utcnow(), 10)


async def _postings(engine: MemoryEngine, query: str, f: MemoryFilter) -> list[int]:
    assert f.tenant and f.cube
    assert await sqlite_store(engine).indexes.ensure_postings(f.tenant, f.cube) is not None
    return await sqlite_store(engine).lexical(f, query, 10, utcnow())


async def test_postings_rank_like_fts5(engine: MemoryEngine) -> None:
    await _store_all(engine)
    for query in QUERIES:
        fts, mem = await _fts(engine, query, CUBE), await _postings(engine, query, CUBE)
        assert set(fts) == set(mem), query
        assert fts[0] == mem[0], query
    alice = MemoryFilter(tenant="t1", cube=CUBE.cube, user_id="alice")
    for query in QUERIES:
        assert set(await _fts(engine, query, alice)) == set(await _postings(engine, query, alice)), query


async def test_japanese_words_match_through_postings(engine: MemoryEngine) -> None:
    await _store_all(engine)
    await sqlite_store(engine).indexes.ensure_postings("t1", CUBE.cube)  # type: ignore[arg-type]
    hits = await engine.search("東京", CUBE, top_k=3)
    assert "東京" in hits[0].memory.content and hits[0].matched_lexically
    hits = await engine.search("楽しい", CUBE, top_k=10)
    assert any("楽しかった" in h.memory.content and h.matched_lexically for h in hits)


async def test_writes_after_the_build_are_searchable_at_once(engine: MemoryEngine) -> None:
    await _store_all(engine)
    await sqlite_store(engine).indexes.ensure_postings("t1", CUBE.cube)  # type: ignore[arg-type]
    new = await engine.store(ALICE, "Zanzibar is where I want to travel next summer")
    assert new.memory.id in [m.memory.id for m in await engine.search("Zanzibar", CUBE) if m.matched_lexically]
    updated = await engine.update(new.memory.id, content="Mombasa is where I want to travel next summer")
    hits = {h.memory.id: h for h in await engine.search("Mombasa", CUBE)}
    assert hits[updated.id].matched_lexically
    assert updated.id not in [h.memory.id for h in await engine.search("Zanzibar", CUBE) if h.matched_lexically]
    await engine.delete_ids([updated.id])
    assert await _postings(engine, "Mombasa", CUBE) == []


async def test_a_searched_word_finds_memories_saved_after_that_search(engine: MemoryEngine) -> None:
    await _store_all(engine)
    await sqlite_store(engine).indexes.ensure_postings("t1", CUBE.cube)  # type: ignore[arg-type]
    await engine.store(ALICE, "Zanzibar is where I want to travel next summer")
    assert len(await _postings(engine, "Zanzibar", CUBE)) == 1
    second = await engine.store(ALICE, "My cousin just came back from Zanzibar with spices")
    assert len(await _postings(engine, "Zanzibar", CUBE)) == 2
    hits = await engine.search("Zanzibar", CUBE, top_k=3)
    assert second.memory.id in [h.memory.id for h in hits if h.matched_lexically]


async def test_user_scope_returns_only_that_users_memories(engine: MemoryEngine) -> None:
    await _store_all(engine)
    bob = MemoryFilter(tenant="t1", cube=CUBE.cube, user_id="bob")
    labels = await _postings(engine, "hospital peanuts Osaka 東京", bob)
    hits = await engine.search("hospital peanuts Osaka 東京", bob, top_k=10)
    assert labels and {h.memory.scope.user_id for h in hits} == {"bob"}
    assert await _postings(engine, "hospital", MemoryFilter(tenant="t1", cube=CUBE.cube, user_id="nobody")) == []


async def test_writes_during_the_build_are_not_lost(engine: MemoryEngine) -> None:
    await _store_all(engine)
    assert sqlite_store(engine).indexes.postings("t1", CUBE.cube) is None  # type: ignore[arg-type]  # starts the build
    writes = [engine.store(ALICE, f"Kilimanjaro trip number {i} was unforgettable") for i in range(5)]
    await asyncio.gather(*writes)
    gone = (await engine.search("ミケ", CUBE, top_k=1))[0].memory.id
    await engine.delete_ids([gone])
    await sqlite_store(engine).indexes.ensure_postings("t1", CUBE.cube)  # type: ignore[arg-type]
    assert len(await _postings(engine, "Kilimanjaro", CUBE)) == 5
    assert await _postings(engine, "ミケ", CUBE) == []


async def test_small_cube_exact_search_follows_adds_and_deletes(engine: MemoryEngine) -> None:
    """The unfiltered exact search of a small cube reads every live vector from memory: a memory
    added after that copy was made is found, a deleted one never comes back."""
    await _store_all(engine)
    first = await engine.search("猫の名前", CUBE, top_k=len(FACTS))
    assert len(first) == len(FACTS) and "ミケ" in first[0].memory.content
    state = sqlite_store(engine).indexes.get("t1", CUBE.cube)  # type: ignore[arg-type]
    assert state is not None and state.index.matrix is not None  # the fast path made the copy
    new = await engine.store(BOB, "うちの猫はクロという名前の黒猫です")
    hits = await engine.search("猫の名前", CUBE, top_k=2)
    assert new.memory.id in [h.memory.id for h in hits]
    await engine.delete_ids([new.memory.id, first[0].memory.id])
    after = await engine.search("猫の名前", CUBE, top_k=len(FACTS))
    assert {h.memory.id for h in after}.isdisjoint({new.memory.id, first[0].memory.id})
    assert len(after) == len(FACTS) - 1
    assert len(state.index.matrix.alive_rows()[0]) == len(FACTS) - 1


def test_postings_fed_in_chunks_rank_like_one_build() -> None:
    """A cube's postings are built from its documents read a chunk at a time: the chunk boundaries
    change no result (terms shared across chunks, repeated words, users met in later chunks)."""
    from memory.index.postings import LexicalPostings, PostingsBuilder

    words = ["tokyo", "peanuts", "hospital", "night", "osaka", "bakery", "東京", "花火", "猫"]
    rows = [(10 + 3 * i, " ".join(words[(i * k) % len(words)] for k in range(1, 2 + i % 5)) + f" n{i % 7}",
             f"t c u{i % 4}") for i in range(60)]
    whole = LexicalPostings.build(rows)
    builder = PostingsBuilder()
    for lo in range(0, len(rows), 7):
        builder.feed(rows[lo:lo + 7])
    chunked = builder.finish()
    for query in [["tokyo"], ["peanuts", "night"], ["東京", "猫"], ["n3", "osaka", "bakery"], ["absent"]]:
        for user in [None, "u1", "u3"]:
            assert chunked.search(query, user, 10) == whole.search(query, user, 10), (query, user)
            assert len(whole.search(query, user, 100)) == len(chunked.search(query, user, 100))


def test_a_document_matching_several_terms_sums_their_weights_as_before() -> None:
    """BM25 adds each term's weight per document; the merge of the terms' sorted runs (postings.sum_by_doc)
    gives the very sums, in the very order, that np.unique + np.bincount gave (ties rank the same)."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        runs = [np.sort(rng.choice(300, int(rng.integers(1, 120)), replace=False)).astype(np.int32)
                for _ in range(int(rng.integers(1, 9)))]
        docs = np.concatenate(runs)
        weights = rng.random(len(docs)).astype(np.float32)
        uniq, inverse = np.unique(docs, return_inverse=True)
        for n_docs in (None, 300, 100_000):  # counted over every doc (a small cube) or merged (a large one)
            got_docs, got_scores = sum_by_doc(docs, weights, n_docs)
            assert np.array_equal(got_docs, uniq)
            assert np.array_equal(got_scores, np.bincount(inverse, weights=weights))
