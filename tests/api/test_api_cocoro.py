"""CocoroCore2 (seed 001) as CocoroDock calls it: characters are persona cubes."""

from __future__ import annotations

import httpx
import pytest
from api_server import ApiServer
from seed_clients import CocoroDock

from memory.engine import MemoryEngine
from memory.types import MemoryInput, Scope


async def _persona_memories(engine: MemoryEngine, memory_id: str, long_term: int, working: int) -> None:
    scope = Scope("default", f"user_user_{memory_id}_cube", "user", "s1")
    items = [MemoryInput(scope=scope, content=f"{memory_id}の長期記憶その{i}: 好きな色は{i}番目の色", tier="long_term")
             for i in range(long_term)]
    items += [MemoryInput(scope=scope, content=f"{memory_id}の作業記憶その{i}: 今は{i}番目の話題", tier="working")
              for i in range(working)]
    result = await engine.save_batch(items)
    assert not result.failed and len({r.memory.id for r in result.saved}) == long_term + working


async def test_characters_stats_and_delete(api: ApiServer, engine: MemoryEngine) -> None:
    await _persona_memories(engine, "listy", long_term=3, working=2)
    await _persona_memories(engine, "miku", long_term=1, working=0)
    dock = CocoroDock(api.base_url, api.admin_key)
    try:
        listing = await dock.get_memory_list()
        assert listing["status"] == "success" and listing["message"] == "キャラクター一覧を取得しました"
        # every persona of config/personas (named as its file says) and every cube that holds memories
        assert [(c["memory_id"], c["memory_name"], c["role"], c["created"]) for c in listing["data"]] == [
            ("cocoro", "ココロ", "character", False), ("listy", "リスティー", "character", True),
            ("miku", "Miku", "character", True), ("nova", "Nova", "character", False)]

        stats = await dock.get_memory_stats("listy")
        assert stats["cube_id"] == "user_user_listy_cube" and stats["memory_id"] == "listy"
        assert (stats["total_memories"], stats["text_memories"], stats["activation_memories"],
                stats["parametric_memories"]) == (5, 3, 2, 0)
        assert stats["last_updated"] and stats["timestamp"]

        deleted = await dock.delete_user_memories("listy")
        assert deleted["status"] == "success" and deleted["deleted_count"] == 5
        assert deleted["details"] == {"text_memories": 3, "activation_memories": 2, "parametric_memories": 0}
        assert (await dock.get_memory_stats("listy"))["total_memories"] == 0
        assert (await dock.get_memory_stats("miku"))["total_memories"] == 1  # the other character is untouched

        with pytest.raises(httpx.HTTPStatusError) as info:
            await dock.get_memory_stats("nobody")
        assert info.value.response.status_code == 404 and info.value.response.json()["field"] == "memory_id"
    finally:
        await dock.close()


async def test_a_persona_scoped_key_sees_only_its_character(api: ApiServer, engine: MemoryEngine) -> None:
    await _persona_memories(engine, "listy", long_term=1, working=0)
    await _persona_memories(engine, "miku", long_term=1, working=0)
    dock = CocoroDock(api.base_url, await api.new_key(personas=["miku"]))
    try:
        assert [c["memory_id"] for c in (await dock.get_memory_list())["data"]] == ["miku"]
        assert (await dock.get_memory_stats("miku"))["total_memories"] == 1
        for call in (dock.get_memory_stats("listy"), dock.delete_user_memories("listy")):
            with pytest.raises(httpx.HTTPStatusError) as info:
                await call
            assert info.value.response.status_code == 403
        assert (await engine.stats("default", "user_user_listy_cube")).total == 1
    finally:
        await dock.close()
