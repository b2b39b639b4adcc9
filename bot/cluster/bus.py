"""The push bus: what one process publishes, every process's subscribers receive.

WebSocket listeners (Memory Mesh `/ws/messages/{tenant}`, livestream replies, the console's live view)
are held by the process that accepted them; a message saved by another API worker must still reach
them. Publishers hand the event to the bus, and each process's `Hub` subscribes to its topic and sends
to its own sockets. `LocalBus` is one process (SQLite mode, tests); `bot.cluster.pgbus.PgBus` carries
the same calls over PostgreSQL LISTEN/NOTIFY.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger("omoide.cluster")
Event = dict[str, Any]
Deliver = Callable[[str, Event], Awaitable[int]]  # (key, event) -> sockets reached in this process


class Bus(Protocol):
    async def publish(self, topic: str, key: str, event: Event) -> None:
        """Hand `event` for `key` (a tenant, a persona) to every subscriber of `topic` in every process."""
        ...

    def subscribe(self, topic: str, deliver: Deliver) -> None: ...

    def unsubscribe(self, topic: str, deliver: Deliver) -> None: ...

    async def close(self) -> None: ...


class Subscribers:
    """The deliver callbacks of one process by topic: what a bus calls when an event arrives."""

    def __init__(self) -> None:
        self._by_topic: dict[str, list[Deliver]] = defaultdict(list)

    def add(self, topic: str, deliver: Deliver) -> None:
        self._by_topic[topic].append(deliver)

    def discard(self, topic: str, deliver: Deliver) -> None:
        group = self._by_topic.get(topic)
        if group is not None and deliver in group:
            group.remove(deliver)

    async def deliver(self, topic: str, key: str, event: Event) -> int:
        reached = 0
        for deliver in list(self._by_topic.get(topic, ())):
            try:
                reached += await deliver(key, event)
            except Exception:  # one broken listener set never stops the others
                log.exception("push to %s/%s failed", topic, key)
        return reached


class LocalBus:
    """One process: publishing delivers at once, as the hubs always did."""

    def __init__(self) -> None:
        self.subscribers = Subscribers()

    async def publish(self, topic: str, key: str, event: Event) -> None:
        await self.subscribers.deliver(topic, key, event)

    def subscribe(self, topic: str, deliver: Deliver) -> None:
        self.subscribers.add(topic, deliver)

    def unsubscribe(self, topic: str, deliver: Deliver) -> None:
        self.subscribers.discard(topic, deliver)

    async def close(self) -> None:
        return None
