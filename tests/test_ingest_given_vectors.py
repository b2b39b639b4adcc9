"""Saves with their vectors given (MemoryInput.embedding): the text analysis runs beside the index insert
(memory.writes, memory.store.sqlite), and what a caller gets back, finds and finds again after a restart
is what a save that embeds its own text gives."""

from __future__ import annotations

import dataclasses
import sqlite3

import numpy as np
import pytest

from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions
from memory.types import MemoryFilter, MemoryInput, Scope
from tests.store_helpers import sqlite_store

TURNS = [
    ("alice", "s1", "I finally passed my driving test today, I'm so happy!!"),
    ("alice", "s1", "My cat knocked the violin off the shelf and it broke :("),
    ("bob", "s2", "昨日のライブ最高に楽しかった！また行きたい"),
    ("bob", "s2", "The train was late again, honestly this is so annoying"),
    ("carol", "s3", "We are planning a trip to Hokkaido in February to see the snow festival"),
    ("carol", "s3", "I can't believe you remembered my birthday, thank you so much 😊"),
]


def _vectors(embedder: Embedder) -> np.ndarray:
    return embedder.encode([embedder.passage_prefix + text for _, _, text in TURNS])


def _turns(cube: str, vectors: np.ndarray | None) -> list[MemoryInput]:
    return [MemoryInput(scope=Scope("t", cube, user, session), user_message=text,
                        embedding=None if vectors is None else vectors[i].tolist())
            for i, (user, session, text) in enumerate(TURNS)]


async def test_turns_with_given_vectors_get_the_same_analysis_are_found_and_survive_restart(
        options: EngineOptions, embedder: Embedder) -> None:
    engine = await MemoryEngine.open(options, embedder)
    try:
        embedded = await engine.save_batch(_turns("own", None))
        given = await engine.save_batch(_turns("given", _vectors(embedder)))
        assert not given.failed and len(given.saved) == len(TURNS)
        assert [(s.memory.emotions, s.memory.summary) for s in given.saved] == [
            (s.memory.emotions, s.memory.summary) for s in embedded.saved]
        assert any(s.memory.emotions for s in given.saved)  # the analysis did run
        hits = await engine.search("violin broke", MemoryFilter(tenant="t", cube="given"), top_k=1)
        assert hits[0].memory.id == given.saved[1].memory.id
        assert hits[0].memory.emotions == given.saved[1].memory.emotions
    finally:
        await engine.close()
    again = await MemoryEngine.open(options, embedder)
    try:
        hits = await again.search("snow festival trip", MemoryFilter(tenant="t", cube="given"), top_k=1)
        assert hits[0].memory.id == given.saved[4].memory.id
        assert hits[0].memory.summary == given.saved[4].memory.summary
        assert (await again.list(MemoryFilter(tenant="t", cube="given"))).total == len(TURNS)
    finally:
        await again.close()


async def test_a_duplicate_inside_a_batch_of_given_vectors_returns_the_analysed_memory(engine: MemoryEngine) -> None:
    vec = np.eye(engine.embeddings.dim, dtype=np.float32)[0].tolist()
    line = "I'm so happy, I finally passed my driving test!!"
    res = await engine.save_batch([MemoryInput(Scope("t", "c", "u"), content=line, embedding=vec) for _ in range(3)])
    first, second, third = res.saved
    assert [s.deduplicated for s in res.saved] == [False, True, True]
    assert first.memory.emotions and first.memory.summary
    assert second.memory.emotions == third.memory.emotions == first.memory.emotions
    assert second.memory.summary == first.memory.summary
    assert (first.memory.reinforce_count, second.memory.reinforce_count, third.memory.reinforce_count) == (0, 1, 2)


async def test_a_second_item_with_the_same_new_id_is_a_conflict_not_a_crash(engine: MemoryEngine) -> None:
    vec = np.eye(engine.embeddings.dim, dtype=np.float32)
    res = await engine.save_batch([
        MemoryInput(Scope("t", "c", "u"), content="I like green tea", embedding=vec[0].tolist(), memory_id="m1"),
        MemoryInput(Scope("t", "c", "u"), content="My bike is red", embedding=vec[1].tolist(), memory_id="m1")])
    assert [s.memory.content for s in res.saved] == ["I like green tea"]
    assert [(f.index, f.error_type, f.field) for f in res.failed] == [(1, "ConflictError", "id")]
    assert (await engine.get("m1")).content == "I like green tea"


@pytest.mark.sqlite_only  # the index beside the database is the embedded store's
async def test_a_batch_whose_transaction_fails_leaves_nothing_to_find(options: EngineOptions,
                                                                      embedder: Embedder) -> None:
    """The vectors go into the index before the transaction commits; when SQLite refuses the batch,
    they leave the index again: no search finds them, now or after a restart, and saving goes on."""
    engine = await MemoryEngine.open(options, embedder)
    store = sqlite_store(engine)
    given = _turns("c", _vectors(embedder))
    kept = await engine.save_batch(given[:2])
    more = given[2:]
    db = sqlite3.connect(options.data_dir / "omoide.db", isolation_level=None)
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON memories WHEN NEW.content LIKE '%Hokkaido%' "
               "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="refused by the test"):
            await engine.save_batch(more)
        state = store.indexes.get("t", "c")
        assert state is not None and state.index.alive == 2
        hits = await engine.search("ライブ 楽しかった", MemoryFilter(tenant="t", cube="c"), top_k=10)
        assert {h.memory.id for h in hits} <= {s.memory.id for s in kept.saved}
        db.execute("DROP TRIGGER refuse")
    finally:
        db.close()
        await engine.close()
    again = await MemoryEngine.open(options, embedder)  # the refused labels are in the saved index file
    try:
        done = await again.save_batch(more)
        assert not done.failed and (await again.list(MemoryFilter(tenant="t", cube="c"))).total == len(TURNS)
        state = sqlite_store(again).indexes.get("t", "c")
        assert state is not None and state.index.alive == len(TURNS)
        hits = await again.search("ライブ 楽しかった", MemoryFilter(tenant="t", cube="c"), top_k=1)
        assert hits[0].memory.id == done.saved[0].memory.id
    finally:
        await again.close()


async def test_a_saved_batch_reaches_the_database_file_itself_before_a_later_commit(
        options: EngineOptions, embedder: Embedder) -> None:
    """A copy of omoide.db alone (without its -wal file) holds an acknowledged batch once the next save
    has returned: the WAL is checkpointed on the writer thread after a large write, not only inside a
    COMMIT that crosses SQLite's mark (which made the batch's caller wait for it)."""
    if options.database_url:
        pytest.skip("SQLite's WAL file")
    vectors = np.random.default_rng(7).standard_normal((300, embedder.dim)).astype(np.float32)
    engine = await MemoryEngine.open(options, embedder)
    try:
        batch = await engine.save_batch([MemoryInput(scope=Scope("t", "file", "u"), content=f"note {i}",
                                                     embedding=vectors[i].tolist(), emotions=[], summary="s")
                                         for i in range(len(vectors))])
        assert len(batch.saved) == len(vectors) and not any(s.deduplicated for s in batch.saved)
        await engine.save(MemoryInput(scope=Scope("t", "file", "u"), content="one more"))
        file_only = sqlite3.connect(f"file:{options.data_dir / 'omoide.db'}?immutable=1", uri=True)
        try:
            in_file = file_only.execute("SELECT count(*) FROM memories WHERE cube = 'file'").fetchone()[0]
        except sqlite3.OperationalError:  # not even the schema has left the WAL yet
            in_file = 0
        finally:
            file_only.close()
        assert in_file >= len(vectors)
    finally:
        await engine.close()


async def test_a_turn_said_again_in_a_big_cube_after_a_restart_is_reinforced_not_copied(
        options: EngineOptions, embedder: Embedder) -> None:
    """Duplicates of a turn are looked for only among stored turns with the same words (memory.dedup):
    a repeat must still find its twin among hundreds of turns per user (scopes past the exact search
    size go through the HNSW index), after a restart; the same words from someone else, or other words
    with the same vector, stay memories of their own."""
    options = dataclasses.replace(options, exact_search_max=50)
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(601, embedder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    line = "We booked the Hokkaido trip today!"
    turns = [MemoryInput(Scope("t", "big", f"user{i % 3}", f"s{i % 7}"), user_message=f"chat line {i}",
                         embedding=vectors[i].tolist()) for i in range(600)]
    turns[300] = MemoryInput(Scope("t", "big", "user0", "s6"), user_message=line, embedding=vectors[600].tolist())
    engine = await MemoryEngine.open(options, embedder)
    try:
        saved = await engine.save_batch(turns)
        assert not saved.failed and not any(s.deduplicated for s in saved.saved)
        original = saved.saved[300].memory
    finally:
        await engine.close()

    engine = await MemoryEngine.open(options, embedder)
    try:
        near = (vectors[600] + 0.01 * vectors[0]).tolist()
        said = [("user0", "we booked the HOKKAIDO trip today"), ("user1", line),
                ("user0", "We booked the Okinawa trip today!")]
        again = await engine.save_batch([MemoryInput(Scope("t", "big", user, "s9"), user_message=words, embedding=near)
                                         for user, words in said])
        repeat, other_user, other_words = again.saved
        assert repeat.deduplicated and repeat.memory.id == original.id and repeat.memory.reinforce_count == 1
        assert not other_user.deduplicated and not other_words.deduplicated
        assert (await engine.list(MemoryFilter(tenant="t", cube="big"))).total == 602
    finally:
        await engine.close()
