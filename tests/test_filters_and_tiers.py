"""Filters, tiers and TTL behave as documented in the Memory Tools seed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from memory.engine import MemoryEngine
from memory.errors import NotFoundError
from memory.types import ContentType, MemoryFilter, Scope, Tier

S = Scope(tenant="t", cube="c", user_id="u")
F = MemoryFilter(tenant="t", user_id="u")


async def test_tags_are_anded_and_content_type_filters(engine: MemoryEngine) -> None:
    await engine.store(S, "User prefers dark mode and large font sizes", tags=["preferences", "ui"])
    await engine.store(S, "User prefers email over phone calls", tags=["preferences"])
    await engine.store(S, "def add(a, b):\n    return a + b", content_type="code", tags=["ui"])
    hits = await engine.search("preferences", MemoryFilter(tenant="t", tags=["preferences", "ui"]))
    assert [h.memory.content for h in hits] == ["User prefers dark mode and large font sizes"]
    page = await engine.list(MemoryFilter(tenant="t", content_type=ContentType.CODE))
    assert page.total == 1 and page.memories[0].content_type is ContentType.CODE


async def test_date_range_and_importance(engine: MemoryEngine) -> None:
    old = datetime(2024, 1, 10, tzinfo=UTC)
    await engine.store(S, "去年の冬に北海道へスキーに行った", created_at=old, importance=0.9)
    await engine.store(S, "今年の夏は沖縄の海で泳いだ", importance=0.2)
    in_2024 = MemoryFilter(tenant="t", created_after=datetime(2024, 1, 1, tzinfo=UTC),
                           created_before=datetime(2024, 12, 31, tzinfo=UTC))
    hits = await engine.search("旅行の思い出", in_2024)
    assert [h.memory.content for h in hits] == ["去年の冬に北海道へスキーに行った"]
    hits = await engine.search("旅行の思い出", MemoryFilter(tenant="t", min_importance=0.5))
    assert len(hits) == 1 and hits[0].memory.importance == 0.9


async def test_emotions_are_tagged_and_filterable(engine: MemoryEngine) -> None:
    happy = await engine.save_turn(S, "今日は友達と遊園地に行って本当に楽しかった！", "それは良かったですね！")
    await engine.save_turn(S, "飼っていた金魚が死んでしまって悲しい", "それはつらかったですね")
    assert "joy" in happy.memory.emotion_labels
    hits = await engine.search("最近の出来事", MemoryFilter(tenant="t", emotions=["喜び"]))
    assert [h.memory.id for h in hits] == [happy.memory.id]
    page = await engine.list(MemoryFilter(tenant="t", emotions=["sadness"]))
    assert page.total == 1 and "金魚" in page.memories[0].content


async def test_turn_pairs_keep_both_sides_and_a_summary(engine: MemoryEngine) -> None:
    saved = await engine.save_turn(S, "昨日見た映画がとても面白かったよ", "どんな映画でしたか？")
    m = saved.memory
    assert m.user_message == "昨日見た映画がとても面白かったよ" and m.ai_message == "どんな映画でしたか？"
    assert m.summary and "映画" in m.summary
    assert m.kind.value == "turn" and m.tier is Tier.LONG_TERM


async def test_short_term_expires_and_is_never_returned_after_ttl(engine: MemoryEngine) -> None:
    tmp = await engine.store(S, "今夜は八時に駅前で待ち合わせ", tier="short_term", ttl_seconds=1)
    keep = await engine.store(S, "誕生日は三月三日", tier="long_term")
    assert tmp.memory.expires_at is not None and keep.memory.expires_at is None
    assert (await engine.get(tmp.memory.id)).content.startswith("今夜")
    await asyncio.sleep(1.2)
    hits = await engine.search("待ち合わせ", F)
    assert tmp.memory.id not in [h.memory.id for h in hits]
    assert (await engine.list(F)).total == 1
    with pytest.raises(NotFoundError):  # expired: never returned
        await engine.get(tmp.memory.id)
    assert await engine.sweep_expired() == [tmp.memory.id]
    assert [h["action"] for h in await engine.history(tmp.memory.id)] == ["add", "delete"]


async def test_short_term_default_ttl_comes_from_options(engine: MemoryEngine) -> None:
    saved = await engine.store(S, "一時的なメモ", tier=Tier.SHORT_TERM)
    ttl = saved.memory.expires_at - saved.memory.created_at  # type: ignore[operator]
    assert abs(ttl - timedelta(seconds=engine.options.short_term_ttl_seconds)) < timedelta(seconds=2)


async def test_working_memory_belongs_to_its_session(engine: MemoryEngine) -> None:
    s1 = Scope(tenant="t", cube="c", user_id="u", session_id="s1")
    s2 = Scope(tenant="t", cube="c", user_id="u", session_id="s2")
    await engine.store(s1, "現在のタスク: 請求書を作る", tier="working")
    await engine.store(s2, "現在のタスク: 請求書を作る", tier="working")
    page = await engine.list(MemoryFilter(tenant="t", tiers=["working"], session_id="s1"))
    assert page.total == 1
    # same text in another session is not a duplicate of the first
    assert (await engine.list(MemoryFilter(tenant="t", tiers=["working"]))).total == 2


async def test_list_paginates_newest_first(engine: MemoryEngine) -> None:
    for i in range(7):
        await engine.store(S, f"note number {i} about topic {i * 13}",
                           created_at=datetime(2025, 1, 1 + i, tzinfo=UTC))
    first = await engine.list(F, limit=3)
    second = await engine.list(F, limit=3, offset=3)
    assert first.total == 7 and [m.content[:13] for m in first.memories] == [
        "note number 6", "note number 5", "note number 4"]
    assert second.memories[0].content.startswith("note number 3")
