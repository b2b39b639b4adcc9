"""Dedup, update, delete, history, batch results: what callers see after each write."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from memory.db.models import HistoryRow
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.errors import NotFoundError
from memory.options import EngineOptions
from memory.types import Emotion, MemoryFilter, MemoryInput, Scope
from tests.store_helpers import sqlite_store

S = Scope(tenant="t", cube="c", user_id="u")


async def test_near_duplicate_reinforces_instead_of_copying(engine: MemoryEngine) -> None:
    first = await engine.store(S, "I love spicy ramen", importance=0.5)
    again = await engine.store(S, "I love spicy ramen!")
    assert again.deduplicated and again.memory.id == first.memory.id
    assert again.memory.reinforce_count == 1 and again.memory.importance > 0.5
    assert (await engine.list(MemoryFilter(tenant="t"))).total == 1
    assert [h["action"] for h in await engine.history(first.memory.id)] == ["add", "reinforce"]
    other = await engine.store(Scope(tenant="t", cube="c", user_id="someone-else"), "I love spicy ramen")
    assert not other.deduplicated
    different = await engine.store(S, "I hate spicy food")
    assert not different.deduplicated


async def test_duplicates_inside_one_batch_collapse(engine: MemoryEngine) -> None:
    res = await engine.save_batch([MemoryInput(S, content="猫が好き"), MemoryInput(S, content="猫が好き"),
                                   MemoryInput(S, content="犬も好き")])
    assert [r.deduplicated for r in res.saved] == [False, True, False]
    assert (await engine.list(MemoryFilter(tenant="t"))).total == 2


async def test_update_reembeds_content_and_merges_fields(engine: MemoryEngine) -> None:
    saved = await engine.store(S, "好きな果物はりんご", tags=["food"], metadata={"source": "chat"})
    mid = saved.memory.id
    updated = await engine.update(mid, content="好きな果物はマンゴー", tags=["food", "fruit"],
                                  metadata={"confidence": "high"}, tier="short_term", actor="tester")
    assert updated.tags == ["food", "fruit"]
    assert updated.metadata == {"source": "chat", "confidence": "high"}
    assert updated.expires_at is not None
    hits = await engine.search("マンゴー", MemoryFilter(tenant="t"), top_k=1)
    assert hits[0].memory.id == mid and hits[0].memory.content == "好きな果物はマンゴー"
    assert not await engine.search("りんご", MemoryFilter(tenant="t"), top_k=1, min_similarity=0.9)
    promoted = await engine.update(mid, tier="long_term")
    assert promoted.expires_at is None
    history = await engine.history(mid)
    assert [h["action"] for h in history] == ["add", "update", "update"]
    assert history[1]["actor"] == "tester" and history[1]["changes"]["content"] == "re-embedded"


async def test_delete_by_id_ids_tier_and_date(engine: MemoryEngine) -> None:
    a = (await engine.store(S, "memo alpha")).memory.id
    b = (await engine.store(S, "memo bravo about trains")).memory.id
    c = (await engine.store(S, "memo charlie about boats")).memory.id
    old = (await engine.store(S, "ancient memo", created_at=datetime(2020, 1, 1, tzinfo=UTC))).memory.id
    st = (await engine.store(S, "short memo", tier="short_term")).memory.id
    assert await engine.delete_ids([a]) == [a]
    assert sorted(await engine.delete(MemoryFilter(ids=[b, c]))) == sorted([b, c])
    assert await engine.delete(MemoryFilter(tiers=["short_term"])) == [st]
    assert await engine.delete(MemoryFilter(created_before=datetime(2024, 1, 1, tzinfo=UTC))) == [old]
    assert (await engine.list(MemoryFilter(tenant="t"))).total == 0
    assert await engine.search("trains", MemoryFilter(tenant="t")) == []
    with pytest.raises(NotFoundError):
        await engine.get(a)


async def test_forget_user_removes_everything_about_them(engine: MemoryEngine) -> None:
    for cube in ("persona_a", "persona_b"):
        await engine.store(Scope(tenant="t", cube=cube, user_id="leaver"), f"private fact in {cube}")
    kept = await engine.store(Scope(tenant="t", cube="persona_a", user_id="stayer"), "stayer's fact")
    assert await engine.forget_user("leaver") == 2
    assert (await engine.list(MemoryFilter(user_id="leaver"))).total == 0
    assert (await engine.get(kept.memory.id)).content == "stayer's fact"
    hits = await engine.search("private fact", MemoryFilter(tenant="t"))
    assert [h.memory.id for h in hits] == [kept.memory.id]


async def test_batch_reports_bad_items_by_index_and_saves_the_rest(engine: MemoryEngine) -> None:
    res = await engine.save_batch([
        MemoryInput(S, user_message="今日は雨だった", ai_message="傘は持っていましたか？"),
        MemoryInput(S, content="   "),
        MemoryInput(S, content="ok", tier="forever"),
        MemoryInput(S, content="also fine"),
    ])
    assert len(res.saved) == 2
    assert [(f.index, f.field) for f in res.failed] == [(1, "content"), (2, "memory_tier")]
    assert "long_term" in res.failed[1].error
    assert (await engine.list(MemoryFilter(tenant="t"))).total == 2


async def test_stats_per_cube(engine: MemoryEngine) -> None:
    await engine.save_turn(S, "最高に嬉しい！合格した！", "おめでとう！")
    await engine.store(S, "meeting notes", tier="working")
    await engine.store(Scope(tenant="t", cube="c", user_id="v"), "other user's note")
    stats = await engine.stats("t", "c")
    assert stats.total == 3 and stats.users == 2
    assert stats.by_tier == {"long_term": 2, "working": 1}
    assert stats.by_kind == {"turn": 1, "content": 2}
    assert stats.top_emotions and stats.top_emotions[0][0] == "joy"


async def test_stats_count_each_emotion_once_across_memories(engine: MemoryEngine) -> None:
    """joy 2, fear 2, anger 1 reads as such (a GROUP BY on the wrong column once listed joy twice)."""
    felt = [["joy", "fear"], ["joy"], ["fear", "anger"]]
    for i, labels in enumerate(felt):
        await engine.save(MemoryInput(S, content=f"note {i} about a different topic entirely: {i * 7}",
                                      emotions=[Emotion(label=x, score=0.8) for x in labels]))
    stats = await engine.stats("t", "c")
    assert stats.top_emotions == [("fear", 2), ("joy", 2), ("anger", 1)]


async def test_a_saved_memory_reads_back_exactly_as_acknowledged(engine: MemoryEngine) -> None:
    """Every field of an acknowledged save comes back the same from get, list, search and history."""
    when = datetime(2026, 5, 3, 12, 30, 15, 123456, tzinfo=UTC)
    saved = (await engine.save(MemoryInput(
        scope=Scope(tenant="t", cube="c", user_id="u", session_id="s1"), user_message="京都で抹茶パフェを食べた！",
        ai_message="おいしそう！", tier="short_term", ttl_seconds=3600 * 24 * 365 * 5, tags=["food", "旅行"],
        metadata={"channel": "general", "nested": {"n": 1}}, importance=0.7, created_at=when, actor="tester"))).memory
    got = await engine.get(saved.id)
    assert got == saved
    assert got.created_at == when and got.expires_at is not None and got.emotions
    listed = await engine.list(MemoryFilter(tenant="t", tags=["旅行"], created_after=when, created_before=when))
    assert [m.id for m in listed.memories] == [saved.id]
    hit = (await engine.search("抹茶", MemoryFilter(tenant="t", cube="c", user_id="u")))[0]
    assert hit.memory.id == saved.id and hit.memory.metadata == saved.metadata and hit.memory.tags == saved.tags
    assert [(h["action"], h["actor"]) for h in await engine.history(saved.id)] == [("add", "tester")]


async def test_a_one_hop_save_that_fails_half_way_leaves_nothing_behind(engine: MemoryEngine) -> None:
    """memory.db.fastwrite.transaction: one statement failing rolls back the ones before it, and the
    engine keeps saving on a fresh connection."""
    fast = sqlite_store(engine).fast
    await engine.store(S, "I started learning the violin this spring")
    statements: list = []
    fast.insert(statements, fast.history, [HistoryRow(memory_id="half-written", tenant="t", cube="c", user_id="u",
                                                      action="add", actor=None, at=datetime.now(UTC), changes={})])
    statements.append(("INSERT INTO memories (id) VALUES (NULL)", [()]))  # NOT NULL constraints fail
    with pytest.raises(sqlite3.IntegrityError):
        await fast.transaction(statements)
    assert await engine.history("half-written") == []
    await engine.store(S, "My sister moved to Fukuoka for work")
    assert (await engine.list(MemoryFilter(tenant="t"))).total == 2


@pytest.mark.sqlite_only
async def test_between_saves_the_writer_holds_no_lock(engine: MemoryEngine) -> None:
    """The one-hop writer keeps its own connection open between saves but no transaction on it, so
    another connection (the bot's tables, a backup tool) can take SQLite's write lock at once."""
    await engine.store(S, "I started learning the violin this spring")
    await engine.flush_access()
    other = sqlite3.connect(engine.options.data_dir / "omoide.db", timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # timeout 0: fails at once if anyone holds the lock
        other.execute("ROLLBACK")
    finally:
        other.close()
    await engine.store(S, "My sister moved to Fukuoka for work")
    assert (await engine.list(MemoryFilter(tenant="t"))).total == 2


async def test_a_restarted_engine_merges_a_repeat_into_the_memory_stored_before(options: EngineOptions,
                                                                                  embedder: Embedder) -> None:
    """After a restart the cube's vectors are read back (a chunk at a time) for the near-duplicate
    check: a repeat still reinforces the memory saved before the restart, in its own user's scope."""
    first = await MemoryEngine.open(options, embedder)
    try:
        kept = await first.store(S, "I love spicy ramen", importance=0.5)
        await first.store(Scope(tenant="t", cube="c", user_id="someone-else"), "I love spicy ramen")
        await first.store(S, "My sister moved to Fukuoka for work")
    finally:
        await first.close()
    again = await MemoryEngine.open(options, embedder)
    try:
        repeat = await again.store(S, "I love spicy ramen!")
        assert repeat.deduplicated and repeat.memory.id == kept.memory.id
        assert not (await again.store(S, "I hate spicy food")).deduplicated
        assert (await again.list(MemoryFilter(tenant="t"))).total == 4
    finally:
        await again.close()
