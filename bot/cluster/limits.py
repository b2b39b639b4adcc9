"""API rate limits shared by every worker: one token bucket per caller in PostgreSQL.

With several API workers a caller's requests spread over them (SO_REUSEPORT, a proxy), and a client
that keeps one connection open stays on one worker: dividing API_RATE_LIMIT_PER_MINUTE by the number
of workers would cut such a client to a fraction of its limit, and a client spread over all workers
would get it whole only by luck. So the bucket lives in the database and every worker takes from the
same one: one upsert per request (a primary-key row, well under a millisecond on a near database),
timed by the database's clock so workers on different hosts agree. The bucket rules are those of
`bot.api.ratelimit.RateLimiter` (SQLite mode keeps that one, in process). The table
(`omoide_rate_buckets`, unlogged: buckets refill, losing them in a crash costs nothing) is made by the
migrations (memory/db/migrations, 0002).
"""

from __future__ import annotations

import math

import asyncpg

_NOW = "extract(epoch FROM clock_timestamp())"
_REFILLED = f"LEAST($2::float8, b.tokens + GREATEST(0, {_NOW} - b.at) * $3::float8)"
# one statement: refill by the time passed, take a token when there is one, say whether it was taken
TAKE = f"""INSERT INTO omoide_rate_buckets AS b (caller, tokens, at, granted)
VALUES ($1::text, $2::float8 - 1, {_NOW}, true)
ON CONFLICT (caller) DO UPDATE SET
    tokens = {_REFILLED} - CASE WHEN {_REFILLED} >= 1 THEN 1 ELSE 0 END,
    at = {_NOW}, granted = {_REFILLED} >= 1
RETURNING tokens, granted"""
PRUNE = f"DELETE FROM omoide_rate_buckets WHERE tokens + ({_NOW} - at) * $2::float8 >= $1::float8"
PRUNE_EVERY = 10_000  # requests between deletions of full buckets (they equal no row)


class SharedRateLimiter:
    """`await check(caller)`: 0 when the request may go, else whole seconds to wait (Retry-After)."""

    def __init__(self, pool: asyncpg.Pool, per_minute: int, burst: int) -> None:
        self.pool = pool
        self.enabled = per_minute > 0
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self._since_prune = 0

    async def check(self, caller: str) -> int:
        if not self.enabled:
            return 0
        row = await self.pool.fetchrow(TAKE, caller, self.burst, self.rate)
        assert row is not None  # an upsert with RETURNING always returns its row
        self._since_prune += 1
        if self._since_prune >= PRUNE_EVERY:
            self._since_prune = 0
            await self.pool.execute(PRUNE, self.burst, self.rate)
        if row["granted"]:
            return 0
        return max(1, math.ceil((1.0 - float(row["tokens"])) / self.rate))
