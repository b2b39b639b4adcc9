"""Two processes saving the same words into one cube at the same moment keep one memory, not two: the
near-duplicate check and the write are serialised per cube across processes (an advisory lock in
PostgreSQL), as they are within one process. Two engines on one database stand for two processes (each
its own pools and its own process-local lock)."""

from __future__ import annotations

import asyncio

import pytest

from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions
from memory.types import MemoryFilter, MemoryInput, Scope

pytestmark = pytest.mark.both_stores  # PostgreSQL by itself: runs once, in the SQLite run of the suite

TEXTS = ["猫の名前はミケです", "I moved to Osaka last spring", "明日は十時から歌枠を配信します",
         "My favourite tea is genmaicha", "妹は春から大学生になる"]


async def test_two_processes_saving_the_same_text_at_once_store_it_once(tmp_path: object, pg_schema_url: str,
                                                                        embedder: Embedder) -> None:
    engines = [await MemoryEngine.open(EngineOptions(data_dir=tmp_path / f"p{i}",  # type: ignore[operator]
                                                     database_url=pg_schema_url), embedder) for i in range(2)]
    try:
        for text in TEXTS:
            both = await asyncio.gather(*(e.save(MemoryInput(Scope("t", "shared", "alice"), content=text))
                                          for e in engines))
            assert sorted(r.deduplicated for r in both) == [False, True], text
            assert both[0].memory.id == both[1].memory.id
        listed = await engines[0].list(MemoryFilter(tenant="t", cube="shared"), limit=100)
        assert sorted(m.content for m in listed.memories) == sorted(TEXTS)
        # another cube is not held up by, nor merged with, this one
        other = await asyncio.gather(engines[0].save(MemoryInput(Scope("t", "other", "alice"), content=TEXTS[0])),
                                     engines[1].save(MemoryInput(Scope("t", "shared", "bob"), content=TEXTS[0])))
        assert [r.deduplicated for r in other] == [False, False]
    finally:
        for e in engines:
            await e.close()
