"""WebSocket fan-out: each new Memory Mesh message is pushed to the listeners of its tenant.

A hub holds this process's sockets. Given a bus (bot.cluster), `publish` goes through it, so the
listeners every process holds get the event; without one it sends straight to its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, web

if TYPE_CHECKING:
    from bot.api.auth.principal import Principal
    from bot.cluster.bus import Bus

log = logging.getLogger("omoide.api")
SEND_TIMEOUT = 5.0


class Hub:
    def __init__(self, bus: Bus | None = None, topic: str = "") -> None:
        self._listeners: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        self._who: dict[web.WebSocketResponse, Principal] = {}
        self.bus, self.topic = bus, topic
        if bus is not None:
            bus.subscribe(topic, self.send)

    def add(self, tenant: str, ws: web.WebSocketResponse, who: Principal | None = None) -> None:
        self._listeners[tenant].add(ws)
        if who is not None:
            self._who[ws] = who

    def remove(self, tenant: str, ws: web.WebSocketResponse) -> None:
        self._who.pop(ws, None)
        group = self._listeners.get(tenant)
        if group is not None:
            group.discard(ws)
            if not group:
                del self._listeners[tenant]

    async def disconnect(self, gone: Callable[[str, Principal], bool], reason: str) -> int:
        """Close the listeners whose (tenant, principal) `gone` says lost access: an open socket must not
        outlive the credential or the grant that opened it. How many were closed."""
        doomed = [(tenant, ws) for tenant, group in self._listeners.items() for ws in group
                  if ws in self._who and gone(tenant, self._who[ws])]
        for tenant, ws in doomed:
            self.remove(tenant, ws)
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=reason.encode()[:120])
        return len(doomed)

    def count(self) -> int:
        return sum(len(g) for g in self._listeners.values())

    def count_of(self, key: str) -> int:
        return len(self._listeners.get(key, ()))

    async def publish(self, tenant: str, event: dict[str, Any]) -> None:
        """Push to the tenant's listeners in every process (through the bus), or in this one."""
        if self.bus is not None:
            await self.bus.publish(self.topic, tenant, event)
        else:
            await self.send(tenant, event)

    async def send(self, tenant: str, event: dict[str, Any]) -> int:
        """Send to this process's open listeners of the tenant; a slow or closed one is dropped, never waited
        on long. How many got it."""
        group = list(self._listeners.get(tenant, ()))
        if not group:
            return 0

        async def send(ws: web.WebSocketResponse) -> bool:
            if ws.closed:
                return False
            try:
                await asyncio.wait_for(ws.send_json(event), SEND_TIMEOUT)
                return True
            except (TimeoutError, ConnectionError, RuntimeError):
                return False

        results = await asyncio.gather(*(send(ws) for ws in group))
        for ws, ok in zip(group, results, strict=True):
            if not ok:
                self.remove(tenant, ws)
        return sum(results)

    async def close_all(self) -> None:
        if self.bus is not None:
            self.bus.unsubscribe(self.topic, self.send)
        for group in list(self._listeners.values()):
            for ws in list(group):
                await ws.close(code=1001, message=b"server shutdown")
        self._listeners.clear()
        self._who.clear()
