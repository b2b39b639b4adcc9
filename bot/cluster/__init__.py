"""Many processes, one store: what processes sharing a PostgreSQL database coordinate through.

`Cluster.local()` is one process (the embedded SQLite mode and tests): pushes go straight to this
process's sockets, this process always runs the jobs, rate limits are counted in memory. With a
`postgresql` DATABASE_URL, `open_cluster` gives the shared versions: pushes over LISTEN/NOTIFY
(bot.cluster.pgbus), jobs leadership by advisory lock (bot.cluster.leader), rate-limit buckets in a
table (bot.cluster.limits). They use their own small asyncpg pool, not the engine's, so they work
whatever store the engine opens; their tables come from the migrations the engine runs as it opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from bot.api.ratelimit import Limiter
from bot.cluster.bus import Bus, LocalBus
from bot.cluster.dsn import asyncpg_dsn, is_postgres
from bot.cluster.leader import POLL_SECONDS, AdvisoryLockLeader, AlwaysLeader, Leadership
from bot.cluster.limits import SharedRateLimiter
from bot.cluster.pgbus import PgBus
from config import Settings

__all__ = ["Bus", "Cluster", "LocalBus", "is_postgres", "open_cluster"]


@dataclass
class Cluster:
    bus: Bus = field(default_factory=LocalBus)
    leadership: Leadership = field(default_factory=AlwaysLeader)
    limiter: Limiter | None = None  # None: the API counts its rate limits in process
    pool: asyncpg.Pool | None = None  # the shared pieces' connections (PostgreSQL mode)

    @property
    def shared(self) -> bool:
        return self.pool is not None

    @classmethod
    def local(cls) -> Cluster:
        return cls()

    async def close(self) -> None:
        await self.bus.close()
        if self.pool is not None:
            await self.pool.close()


async def open_cluster(settings: Settings, *, jobs_first: bool = False, name: str = "this process") -> Cluster:
    """The coordination pieces for this process; `jobs_first` (`python -m bot jobs`) contends for the jobs
    at once, the others one poll later, so a dedicated jobs process is the one that usually leads."""
    if not is_postgres(settings.database_url):
        return Cluster.local()
    assert settings.database_url is not None  # is_postgres said so
    dsn = asyncpg_dsn(settings.database_url)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    try:
        limiter = SharedRateLimiter(pool, settings.api_rate_limit_per_minute, settings.api_rate_limit_burst)
        bus = await PgBus.start(dsn, pool)
    except BaseException:
        await pool.close()
        raise
    leader = AdvisoryLockLeader(dsn, first_delay=0.0 if jobs_first else POLL_SECONDS, name=name)
    return Cluster(bus=bus, leadership=leader, limiter=limiter, pool=pool)
