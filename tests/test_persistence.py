"""Restarts: indexes load, are caught up after a crash, and are rebuilt when missing or corrupt."""

from __future__ import annotations

from pathlib import Path

import pytest

from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.index.manager import index_path
from memory.options import EngineOptions
from memory.portability import export_user, import_jsonl
from memory.types import MemoryFilter, Scope
from tests.store_helpers import sqlite_store

pytestmark = pytest.mark.sqlite_only  # index files and snapshots: what the embedded store keeps

S = Scope(tenant="t", cube="c", user_id="u")
FACTS = ["朝ごはんはパンとコーヒー", "趣味は写真撮影", "I play the violin every Sunday", "妹が大阪に住んでいる"]


async def _fill(engine: MemoryEngine) -> list[str]:
    return [(await engine.store(S, f)).memory.id for f in FACTS]


async def _violin(engine: MemoryEngine) -> str:
    return (await engine.search("musical instrument", MemoryFilter(tenant="t"), top_k=1))[0].memory.content


async def test_restart_loads_the_saved_index(options: EngineOptions, embedder: Embedder) -> None:
    engine = await MemoryEngine.open(options, embedder)
    await _fill(engine)
    await engine.close()
    again = await MemoryEngine.open(options, embedder)
    try:
        assert again.index_report == {"loaded": 1}
        assert await _violin(again) == "I play the violin every Sunday"
    finally:
        await again.close()


@pytest.mark.parametrize("damage", ["delete", "corrupt", "truncate"])
async def test_missing_or_corrupt_index_is_rebuilt(options: EngineOptions, embedder: Embedder, damage: str) -> None:
    engine = await MemoryEngine.open(options, embedder)
    await _fill(engine)
    await engine.close()
    path = index_path(options.index_dir, "t", "c")
    if damage == "delete":
        path.unlink()
    elif damage == "corrupt":
        data = bytearray(path.read_bytes())
        data[100:200] = b"\xff" * 100
        path.write_bytes(bytes(data))
    else:
        path.write_bytes(path.read_bytes()[:50])
    again = await MemoryEngine.open(options, embedder)
    try:
        assert again.index_report == {"rebuilt": 1}
        state = sqlite_store(again).indexes.get("t", "c")
        assert state is not None and state.index.alive == len(FACTS)
        assert await _violin(again) == "I play the violin every Sunday"
    finally:
        await again.close()


async def test_index_is_caught_up_after_a_crash(options: EngineOptions, embedder: Embedder) -> None:
    """Writes after the last index save (a crash before shutdown) are found after restart."""
    engine = await MemoryEngine.open(options, embedder)
    ids = await _fill(engine)
    await engine.persist_indexes()
    late = await engine.store(S, "新しい職場は渋谷にある")
    await engine.delete_ids([ids[0]])
    store = sqlite_store(engine)  # connections die with the process; nothing else is saved
    await store.fast.close()
    await store.reader.close()
    await store.db.dispose()  # a crash: no close(), so the index file is never saved again
    again = await MemoryEngine.open(options, embedder)
    try:
        assert again.index_report == {"caught up": 1}
        state = sqlite_store(again).indexes.get("t", "c")
        assert state is not None and state.index.alive == len(FACTS)
        hits = await again.search("仕事場の場所", MemoryFilter(tenant="t"), top_k=1)
        assert hits[0].memory.id == late.memory.id
        assert ids[0] not in [h.memory.id for h in await again.search("朝ごはん", MemoryFilter(tenant="t"))]
    finally:
        await again.close()


async def test_a_deleted_label_is_never_given_again_after_restart(options: EngineOptions,
                                                                   embedder: Embedder) -> None:
    """The index keeps a deleted memory's label (marked deleted): a new memory must never reuse it."""
    engine = await MemoryEngine.open(options, embedder)
    await _fill(engine)
    newest = await engine.store(S, "最後に保存した思い出")
    freed = sqlite_store(engine).next_label - 1
    await engine.delete_ids([newest.memory.id])
    await engine.close()
    again = await MemoryEngine.open(options, embedder)
    try:
        fresh = await again.store(S, "I moved to Sapporo last winter")
        assert sqlite_store(again).next_label - 1 > freed
        hits = await again.search("where do I live now", MemoryFilter(tenant="t", cube="c"), top_k=1)
        assert hits[0].memory.id == fresh.memory.id
    finally:
        await again.close()


async def test_export_import_round_trip(engine: MemoryEngine, tmp_path: Path, embedder: Embedder) -> None:
    await _fill(engine)
    turn = await engine.save_turn(S, "昨日は最高に楽しかった！", "よかったね！", tags=["diary"])
    await engine.store(Scope(tenant="t", cube="c", user_id="other"), "not part of the export")
    lines = [line async for line in export_user(engine, "u")]
    assert len(lines) == len(FACTS) + 1
    fresh = await MemoryEngine.open(EngineOptions(data_dir=tmp_path / "other"), embedder)
    try:
        result = await import_jsonl(fresh, lines + ["{not json", '{"format": "something-else"}'])
        assert len(result.saved) == len(FACTS) + 1
        assert [(f.index, f.field) for f in result.failed] == [(len(lines), "line"), (len(lines) + 1, "format")]
        back = await fresh.get(turn.memory.id)
        assert (back.user_message, back.tags, back.emotion_labels, back.created_at) == (
            "昨日は最高に楽しかった！", ["diary"], turn.memory.emotion_labels, turn.memory.created_at)
        assert await _violin(fresh) == "I play the violin every Sunday"
        again = await import_jsonl(fresh, lines[:1])
        assert again.failed[0].error_type == "ConflictError"
    finally:
        await fresh.close()
