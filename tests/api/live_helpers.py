"""What the live connector tests share: the persona's reply WebSocket, read until given replies came."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import websockets
from api_server import ApiServer

GUARD_SECONDS = 300  # a guard against hanging, not a timing assertion


class Replies:
    """Every reply pushed on /api/livestream/{persona}/ws, in the order pushed."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.order: list[dict[str, Any]] = []

    @property
    def by_id(self) -> dict[str, dict[str, Any]]:
        return {m["event_id"]: m for m in self.order}

    async def until(self, *event_ids: str) -> list[dict[str, Any]]:
        """Read until a reply to each of `event_ids` came; returns those replies."""
        deadline = time.monotonic() + GUARD_SECONDS
        while not set(event_ids) <= self.by_id.keys():
            assert time.monotonic() < deadline, f"no reply to {set(event_ids) - self.by_id.keys()}"
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), GUARD_SECONDS))
            if msg.get("type") == "reply":
                self.order.append(msg)
        return [self.by_id[i] for i in event_ids]


@asynccontextmanager
async def replies_of(api: ApiServer, persona: str) -> AsyncIterator[Replies]:
    url = api.base_url.replace("http://", "ws://") + f"/api/livestream/{persona}/ws"
    async with websockets.connect(url, additional_headers={"X-API-Key": api.admin_key}, max_queue=None) as ws:
        assert json.loads(await ws.recv())["type"] == "subscribed"
        yield Replies(ws)


async def health_when(api: ApiServer, done: Any) -> dict[str, Any]:
    """/health once `done(connector statuses)` holds (the connector got there); a guard, not a timer."""
    deadline = time.monotonic() + GUARD_SECONDS
    async with httpx.AsyncClient(base_url=api.base_url) as c:
        while True:
            body = (await c.get("/health")).json()
            if done(body["live_connectors"]) or time.monotonic() > deadline:
                return body
            await asyncio.sleep(0.05)


async def stats_when(api: ApiServer, persona: str, done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + GUARD_SECONDS
    async with api.client(api.admin_key) as c:
        while True:
            stats = (await c.get(f"/api/livestream/{persona}/stats")).json()
            if done(stats) or time.monotonic() > deadline:
                return stats
            await asyncio.sleep(0.05)
