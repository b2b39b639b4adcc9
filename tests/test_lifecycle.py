"""Memories over time: importance decay and recall, idle working memory, index upkeep."""

from __future__ import annotations

from datetime import timedelta

from memory.clock import ManualClock
from memory.engine import MemoryEngine
from memory.index.manager import index_path
from memory.index.vector import sidecar_path
from memory.lifecycle import DecayPolicy, clear_idle_working, decay_importance, maintain_indexes
from memory.maintenance import count_memories
from memory.types import MemoryFilter, MemoryInput, Scope
from tests.store_helpers import sqlite_store

S = Scope(tenant="t", cube="c", user_id="u")
POLICY = DecayPolicy(grace_days=7, half_life_days=30, floor=0.05, recall_boost=0.1)
DAY = 86400.0


async def test_unrecalled_memories_decay_along_the_documented_curve(engine: MemoryEngine) -> None:
    tea = (await engine.store(S, "Alice drinks green tea every morning", importance=0.8)).memory
    low = (await engine.store(S, "The parking lot closes at nine", importance=0.04)).memory
    t0 = tea.updated_at

    async def importance_at(days: float) -> float:
        await decay_importance(engine, POLICY, now=t0 + timedelta(days=days))
        return (await engine.get(tea.id)).importance

    assert await importance_at(5) == 0.8  # inside the grace period nothing changes
    at_37 = await importance_at(37)  # one half-life past the grace period
    assert abs(at_37 - (0.05 + 0.75 / 2)) < 1e-6
    at_97 = await importance_at(97)  # steps compose: same as one run at day 97
    assert abs(at_97 - POLICY.curve(0.8, 97)) < 1e-6 and abs(at_97 - (0.05 + 0.75 / 8)) < 1e-6
    assert (await engine.get(low.id)).importance == 0.04  # below the floor: never touched (never raised)


async def test_recall_reinforces_and_decay_never_deletes(engine: MemoryEngine, clock: ManualClock) -> None:
    """Decay runs on the engine's clock (as the scheduled job calls it: no time given)."""
    tea = (await engine.store(S, "Alice drinks green tea every morning", importance=0.6)).memory
    violin = (await engine.store(S, "Bob plays the violin in an orchestra", importance=0.6)).memory
    hits = await engine.search("musical instrument", MemoryFilter(tenant="t"), top_k=1)
    assert hits[0].memory.id == violin.id
    await engine.flush_access()
    clock.advance(DAY)
    report = await decay_importance(engine, POLICY)
    assert report.reinforced == 1
    assert abs((await engine.get(violin.id)).importance - (0.6 + 0.4 * 0.1)) < 1e-6
    assert (await engine.get(tea.id)).importance == 0.6
    clock.advance(DAY)
    report = await decay_importance(engine, POLICY)
    assert report.reinforced == 0  # once per recall, not once per run
    assert (await engine.get(tea.id)).importance == 0.6  # two idle days: inside the grace period
    clock.advance(3650 * DAY)  # ten idle years
    await decay_importance(engine, POLICY)
    assert await count_memories(engine) == 2
    for m in (tea, violin):
        assert abs((await engine.get(m.id)).importance - POLICY.floor) < 1e-3
    hits = await engine.search("green tea", MemoryFilter(tenant="t"), top_k=1)
    assert hits[0].memory.id == tea.id  # still found at the floor


async def test_working_memory_is_cleared_when_its_session_goes_idle(engine: MemoryEngine, clock: ManualClock) -> None:
    idle = Scope(tenant="t", cube="c", user_id="u", session_id="idle")
    busy = Scope(tenant="t", cube="c", user_id="u", session_id="busy")
    idle_note = (await engine.store(idle, "draft: the user is picking a gift for a friend", tier="working")).memory
    idle_fact = (await engine.store(idle, "The user's friend loves jazz records", tier="long_term")).memory
    busy_note = (await engine.store(busy, "draft: planning a trip to Hokkaido", tier="working")).memory
    loose = (await engine.store(S, "draft without a session", tier="working")).memory
    assert await clear_idle_working(engine, idle_seconds=2) == []  # nobody idle yet
    clock.advance(3)
    await engine.save_turn(busy, "札幌のおすすめは？", "味噌ラーメンですね", tier="long_term")  # busy keeps talking
    deleted = await clear_idle_working(engine, idle_seconds=2)
    assert sorted(deleted) == sorted([idle_note.id, loose.id])
    remaining = {m.id for m in (await engine.list(MemoryFilter(tenant="t"))).memories}
    assert {idle_fact.id, busy_note.id} <= remaining and idle_note.id not in remaining
    assert [h["actor"] for h in await engine.history(idle_note.id)][-1] == "working-idle"
    assert await clear_idle_working(engine, idle_seconds=2) == []


async def test_worn_index_is_rebuilt_and_saved(engine: MemoryEngine) -> None:
    facts = [f"{animal} live in the {place}" for animal, place in
             [("Penguins", "Antarctic"), ("Camels", "desert"), ("Owls", "forest"), ("Dolphins", "ocean"),
              ("Goats", "mountains"), ("Frogs", "pond"), ("Bats", "caves"), ("Koalas", "eucalyptus trees"),
              ("Yaks", "Himalayas"), ("Crabs", "tide pools")]]
    saved = await engine.save_batch([MemoryInput(scope=S, content=f) for f in facts])
    ids = [r.memory.id for r in saved.saved]
    await engine.delete_ids(ids[:6])
    state = sqlite_store(engine).indexes.get("t", "c")
    assert state is not None and abs(state.index.deleted_share - 0.6) < 1e-9
    assert (await maintain_indexes(engine, rebuild_deleted_share=0.7)).rebuilt == []  # below the threshold
    report = await maintain_indexes(engine, rebuild_deleted_share=0.5)
    assert report.rebuilt == ["t/c"] and report.saved == 1
    state = sqlite_store(engine).indexes.get("t", "c")
    assert state is not None and state.index.total == state.index.alive == 4
    assert sidecar_path(index_path(engine.options.index_dir, "t", "c")).exists()
    hits = await engine.search("Penguins live in the Antarctic", MemoryFilter(tenant="t"), top_k=4)
    assert sorted(h.memory.id for h in hits) == sorted(ids[6:])  # only the living, all of them
    assert (await engine.search("Crabs in tide pools", MemoryFilter(tenant="t"), top_k=1))[0].memory.id == ids[9]


async def test_rebuild_catches_up_with_writes_made_while_it_was_built(engine: MemoryEngine) -> None:
    first = await engine.store(S, "Penguins live in the Antarctic")
    second = await engine.store(S, "Camels live in the desert")
    index = await sqlite_store(engine).indexes.build("t", "c")  # the slow part, outside the write lock
    late = await engine.store(S, "Dolphins live in the ocean")
    await engine.store(S, "Owls live in the forest")
    await engine.delete_ids([first.memory.id])
    async with engine.storage.writing():
        state = await sqlite_store(engine).indexes.install("t", "c", index, engine.storage.generation("t", "c"))
    assert state.index.alive == await count_memories(engine) == 3
    assert sqlite_store(engine).indexes.get("t", "c") is state
    hits = await engine.search("Dolphins in the ocean", MemoryFilter(tenant="t"), top_k=10)
    assert hits[0].memory.id == late.memory.id and len(hits) == 3  # the deleted one is gone
    assert first.memory.id not in [h.memory.id for h in hits] and second.memory.id in [h.memory.id for h in hits]
