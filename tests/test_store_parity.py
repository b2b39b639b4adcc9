"""Both stores answer alike: the same memories and filters on SQLite and on PostgreSQL give the same
search hits (same memories, same order, same similarity) and the same pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from memory.clock import ManualClock
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions
from memory.types import MemoryInput, Scope, SearchHit
from tests.pg_schema import create_pg_schema
from tests.test_search_parity import FACTS, QUERIES, START, _filters


def _seen(hits: list[SearchHit]) -> list[tuple[str, float, bool]]:
    return [(h.memory.content, round(h.score, 4), h.matched_lexically) for h in hits]


async def _engine(options: EngineOptions, embedder: Embedder) -> MemoryEngine:
    engine = await MemoryEngine.open(options, embedder, clock=ManualClock(START))
    items = [MemoryInput(scope=Scope("t", "c", user), content=text, tags=tags, tier=tier,
                         created_at=START + timedelta(days=i))
             for i, (user, text, tags, tier) in enumerate(FACTS)]
    items.append(MemoryInput(scope=Scope("t", "other", "alice"), content="Alice's violin is from 1921"))
    assert not (await engine.save_batch(items)).failed
    assert isinstance(engine.clock, ManualClock)
    engine.clock.advance(10 * 86400 + 1)  # not exactly at an expiry: SQLite's stats count that one as alive
    return engine


async def test_sqlite_and_postgres_return_the_same_hits(tmp_path: Path, embedder: Embedder, pg_url: str) -> None:
    await create_pg_schema(pg_url)
    lite = await _engine(EngineOptions(data_dir=tmp_path / "lite"), embedder)
    pg = await _engine(EngineOptions(data_dir=tmp_path / "pg", database_url=pg_url), embedder)
    try:
        compared = 0
        for f in _filters():
            for q in QUERIES:
                a = await lite.search(q, replace(f), top_k=5)
                b = await pg.search(q, replace(f), top_k=5)
                assert _seen(a) == _seen(b), (f, q)
                compared += bool(a)
            pa, pb = await lite.list(replace(f), limit=20), await pg.list(replace(f), limit=20)
            assert [m.content for m in pa.memories] == [m.content for m in pb.memories] and pa.total == pb.total
        assert compared >= len(QUERIES) * 4
        assert await lite.stats("t", "c") == await pg.stats("t", "c")
    finally:
        await lite.close()
        await pg.close()
