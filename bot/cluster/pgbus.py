"""The push bus over PostgreSQL LISTEN/NOTIFY: every process sharing the database hears every push.

Each process keeps one dedicated connection that LISTENs on `omoide_push` (asyncpg `add_listener`) and
publishes with `pg_notify` through a small pool; its own pushes come back on its listener like anyone
else's, so delivery is the same path for all. A NOTIFY payload must stay under 8000 bytes: a bigger
event (a long message) is written to the unlogged table `omoide_push_payloads` and only its id is
sent; listeners read the row (rows older than PAYLOAD_KEEP_SECONDS are deleted as new ones come). The
table is made by the migrations (memory/db/migrations, 0002), which every process runs before this.

Pushes are best effort, like the sockets they feed: a listener reconnecting after a dropped
connection misses what was sent meanwhile (clients catch up with search/list, as after their own
reconnect). Events arrive in publish order per publishing process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import asyncpg

from bot.cluster.bus import Deliver, Event, Subscribers

log = logging.getLogger("omoide.cluster")
CHANNEL = "omoide_push"
NOTIFY_MAX_BYTES = 7900  # PostgreSQL refuses payloads of 8000 bytes or more
PAYLOAD_KEEP_SECONDS = 300
RECONNECT_FIRST_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 30.0
START_TIMEOUT_SECONDS = 30.0


class PgBus:
    """`await PgBus.start(dsn)`; `close()` stops listening and closes its connections."""

    def __init__(self, dsn: str, pool: asyncpg.Pool, *, owns_pool: bool = False) -> None:
        self.dsn = dsn
        self.pool = pool
        self.owns_pool = owns_pool
        self.subscribers = Subscribers()
        self._inbox: asyncio.Queue[str] = asyncio.Queue()
        self._listening = asyncio.Event()
        self._tasks = [asyncio.create_task(self._listen(), name="push-listen"),
                       asyncio.create_task(self._dispatch(), name="push-dispatch")]

    @classmethod
    async def start(cls, dsn: str, pool: asyncpg.Pool | None = None) -> PgBus:
        """Listening when it returns; publishes through `pool` (one of its own when not given)."""
        owns_pool = pool is None
        pool = pool if pool is not None else await asyncpg.create_pool(dsn, min_size=1, max_size=2)
        bus = cls(dsn, pool, owns_pool=owns_pool)
        try:
            await asyncio.wait_for(bus.listening(), START_TIMEOUT_SECONDS)
        except TimeoutError:
            await bus.close()
            raise
        return bus

    async def listening(self) -> None:
        """Return once the listener connection is LISTENing (pushes published after this are heard)."""
        await self._listening.wait()

    async def publish(self, topic: str, key: str, event: Event) -> None:
        payload = json.dumps({"t": topic, "k": key, "e": event}, ensure_ascii=False, separators=(",", ":"))
        async with self.pool.acquire() as conn:
            if len(payload.encode()) > NOTIFY_MAX_BYTES:
                row_id = await conn.fetchval("INSERT INTO omoide_push_payloads (body) VALUES ($1) RETURNING id",
                                             payload)
                await conn.execute("DELETE FROM omoide_push_payloads WHERE created_at < now() - make_interval("
                                   "secs => $1)", PAYLOAD_KEEP_SECONDS)
                payload = json.dumps({"ref": row_id})
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)

    def subscribe(self, topic: str, deliver: Deliver) -> None:
        self.subscribers.add(topic, deliver)

    def unsubscribe(self, topic: str, deliver: Deliver) -> None:
        self.subscribers.discard(topic, deliver)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.owns_pool:
            await self.pool.close()

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._inbox.put_nowait(payload)

    async def _listen(self) -> None:
        """Keep one LISTEN connection open, reconnecting with backoff when it drops."""
        delay = RECONNECT_FIRST_SECONDS
        while True:
            lost = asyncio.Event()
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self.dsn)
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, self._heard)
                self._listening.set()
                delay = RECONNECT_FIRST_SECONDS
                await lost.wait()
                log.warning("push listener lost its database connection; reconnecting")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning("push listener cannot connect (%s); retrying in %.1f s", exc, delay)
            finally:
                self._listening.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
            await asyncio.sleep(delay)
            delay = min(RECONNECT_MAX_SECONDS, delay * 2)

    async def _dispatch(self) -> None:
        """Deliver what the listener heard, one at a time, in the order heard."""
        while True:
            payload = await self._inbox.get()
            try:
                message = json.loads(payload)
                if "ref" in message:
                    body = await self.pool.fetchval("SELECT body FROM omoide_push_payloads WHERE id = $1",
                                                    message["ref"])
                    if body is None:
                        log.warning("push %s expired before it was read; dropped", message["ref"])
                        continue
                    message = json.loads(body)
                await self.subscribers.deliver(message["t"], message["k"], message["e"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not deliver a push")
