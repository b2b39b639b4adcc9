"""API rate limits hold across workers: every worker takes from the same bucket in PostgreSQL."""

from __future__ import annotations

import asyncpg
import pytest

from bot.cluster.dsn import asyncpg_dsn
from bot.cluster.limits import SharedRateLimiter

pytestmark = pytest.mark.both_stores  # PostgreSQL by itself: runs once, in the SQLite run of the suite


async def test_two_workers_share_one_bucket_per_caller(pg_schema_url: str) -> None:
    pools = [await asyncpg.create_pool(asyncpg_dsn(pg_schema_url), min_size=1, max_size=1) for _ in range(2)]
    try:
        # 1 a minute: no token comes back within the test, so the burst of 3 is all there is
        a, b = (SharedRateLimiter(pool, per_minute=1, burst=3) for pool in pools)
        waits = [await a.check("key-1"), await b.check("key-1"), await a.check("key-1"), await b.check("key-1")]
        assert waits[:3] == [0, 0, 0]  # the burst, taken through both workers
        assert 1 <= waits[3] <= 60  # the 4th is refused wherever it lands, with the Retry-After to send
        assert await a.check("key-1") > 0
        assert await b.check("key-2") == 0  # another caller has its own bucket
    finally:
        for pool in pools:
            await pool.close()


async def test_a_limit_of_zero_lets_everything_through(pg_schema_url: str) -> None:
    pool = await asyncpg.create_pool(asyncpg_dsn(pg_schema_url), min_size=1, max_size=1)
    try:
        limiter = SharedRateLimiter(pool, per_minute=0, burst=1)
        assert [await limiter.check("k") for _ in range(5)] == [0] * 5
    finally:
        await pool.close()
