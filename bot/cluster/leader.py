"""Who runs the scheduled jobs: one leader across every process sharing the database.

PostgreSQL: the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a connection
of its own, the pattern Letta uses for its scheduler. The lock lives exactly as long as that session,
so a leader killed by SIGKILL (or whose host vanishes: TCP keepalives below) frees it without anyone
cleaning up; the others try again every `poll_seconds` and one of them takes over. A leader that loses
its connection stops leading at once (`on_lost`) and contends again. Needs a direct connection (or a
session-mode pooler): a transaction-mode PgBouncer would hand the lock to whoever shares the session.

SQLite: one process owns the data directory, so it is always the leader (`AlwaysLeader`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from typing import Protocol

import asyncpg

log = logging.getLogger("omoide.cluster")
JOBS_LOCK_KEY = int.from_bytes(hashlib.sha256(b"omoide:scheduled-jobs").digest()[:8], "big", signed=True)
POLL_SECONDS = 15.0  # a dead leader is replaced within this (plus the keepalive time when its host vanished)
# the server drops a session whose client host went silent after idle + interval * count = 35 s
KEEPALIVES = {"tcp_keepalives_idle": "20", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}
Callback = Callable[[], None]


class Leadership(Protocol):
    @property
    def is_leader(self) -> bool: ...

    async def run(self, on_elected: Callback, on_lost: Callback) -> None:
        """Contend until cancelled, calling `on_elected` on becoming leader and `on_lost` on ceasing to be."""
        ...


class AlwaysLeader:
    """The single process of SQLite mode."""

    is_leader = False

    async def run(self, on_elected: Callback, on_lost: Callback) -> None:
        self.is_leader = True
        on_elected()
        try:
            await asyncio.Event().wait()
        finally:
            self.is_leader = False


class AdvisoryLockLeader:
    """Contend for `key` on the database at `dsn`; `first_delay` lets a dedicated jobs process win first."""

    def __init__(self, dsn: str, *, key: int = JOBS_LOCK_KEY, poll_seconds: float = POLL_SECONDS,
                 first_delay: float = 0.0, name: str = "this process") -> None:
        self.dsn, self.key, self.poll_seconds, self.first_delay = dsn, key, poll_seconds, first_delay
        self.name = name
        self.is_leader = False
        self.backend_pid: int | None = None  # the lock's session on the server (tests end it to simulate a crash)

    async def run(self, on_elected: Callback, on_lost: Callback) -> None:
        await asyncio.sleep(self.first_delay)
        while True:
            try:
                await self._contend(on_elected)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning("jobs leader election: database unreachable (%s); trying again in %.0f s",
                            exc, self.poll_seconds)
            finally:
                if self.is_leader:
                    self.is_leader = False
                    log.warning("%s is no longer the jobs leader (its database session ended)", self.name)
                    on_lost()
            await asyncio.sleep(self.poll_seconds)

    async def _contend(self, on_elected: Callback) -> None:
        """One session: try the lock every poll until it is ours, then hold it until the session ends."""
        conn = await asyncpg.connect(self.dsn, timeout=10, server_settings=KEEPALIVES)
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _c: lost.set())
        self.backend_pid = conn.get_server_pid()
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key):
                await _wait(lost, self.poll_seconds)
                if lost.is_set():
                    return
            self.is_leader = True
            log.info("%s is the jobs leader (advisory lock %d)", self.name, self.key)
            on_elected()
            while not lost.is_set():  # a query each poll: a session the server dropped shows up here
                await _wait(lost, self.poll_seconds)
                if not lost.is_set():
                    await conn.fetchval("SELECT 1")
        finally:
            if not conn.is_closed():
                with contextlib.suppress(Exception):  # closing the session releases the lock
                    await conn.close(timeout=2)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
