"""Pushes reach every process: the LISTEN/NOTIFY bus on a real database, and through two real API apps."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.api.app import create_app
from bot.cluster import Cluster
from bot.cluster.dsn import asyncpg_dsn
from bot.cluster.pgbus import NOTIFY_MAX_BYTES, PgBus
from bot.services import Services
from config import load_settings
from memory.engine import MemoryEngine
from memory.options import EngineOptions

pytestmark = pytest.mark.both_stores  # PostgreSQL by itself: runs once, in the SQLite run of the suite

WAIT = 60.0  # a guard against hanging, not a measured time


class Inbox:
    def __init__(self) -> None:
        self.got: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    async def deliver(self, key: str, event: dict[str, Any]) -> int:
        await self.got.put((key, event))
        return 1

    async def next(self) -> tuple[str, dict[str, Any]]:
        return await asyncio.wait_for(self.got.get(), WAIT)


@pytest.fixture
async def buses(pg_schema_url: str) -> AsyncIterator[tuple[PgBus, PgBus]]:
    """Two processes' buses: each its own pool and its own listening connection."""
    one = await PgBus.start(asyncpg_dsn(pg_schema_url))
    two = await PgBus.start(asyncpg_dsn(pg_schema_url))
    yield one, two
    await one.close()
    await two.close()


async def test_a_push_published_on_one_connection_reaches_subscribers_on_both(buses: tuple[PgBus, PgBus]) -> None:
    one, two = buses
    here, there, elsewhere = Inbox(), Inbox(), Inbox()
    one.subscribe("mesh", here.deliver)
    two.subscribe("mesh", there.deliver)
    two.subscribe("livestream", elsewhere.deliver)
    event = {"type": "message.created", "data": {"content": "猫の名前はミケ"}}

    await one.publish("mesh", "tenant-a", event)

    assert await here.next() == ("tenant-a", event)
    assert await there.next() == ("tenant-a", event)
    assert elsewhere.got.empty()  # another topic hears nothing


async def test_a_push_larger_than_a_notify_payload_arrives_whole(buses: tuple[PgBus, PgBus]) -> None:
    one, two = buses
    inbox = Inbox()
    two.subscribe("mesh", inbox.deliver)
    content = "とても長いメッセージ。" * 2000  # ~66 KB in UTF-8: far over NOTIFY's 8000 bytes
    assert len(content.encode()) > NOTIFY_MAX_BYTES
    small, large = {"n": 1}, {"n": 2, "content": content}

    await one.publish("mesh", "t", small)
    await one.publish("mesh", "t", large)

    assert await inbox.next() == ("t", small)
    assert await inbox.next() == ("t", large)  # in publish order, read back from its row


# -- through the API: a WebSocket on worker A sees a message posted to worker B -------------------------------

@pytest.fixture
async def two_workers(pg_schema_url: str, options: EngineOptions, engine: MemoryEngine
                      ) -> AsyncIterator[tuple[str, str, str]]:
    """Two API apps on 127.0.0.1, each with its own bus (as two processes would have): their base URLs and
    the admin key. They share the engine here because the engine cannot open on PostgreSQL yet."""
    runners: list[web.AppRunner] = []
    made: list[Services] = []
    urls = []
    for _ in range(2):
        settings = load_settings(data_dir=options.data_dir)
        bus = await PgBus.start(asyncpg_dsn(pg_schema_url))
        made.append(services := Services(settings=settings, engine=engine, cluster=Cluster(bus=bus)))
        runner = web.AppRunner(create_app(services, settings), access_log=None)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        urls.append(f"http://127.0.0.1:{runner.addresses[0][1]}")
    admin_key = (Path(options.data_dir) / "admin.key").read_text().strip()
    yield urls[0], urls[1], admin_key
    for runner in runners:
        await runner.cleanup()
    for services in made:
        await services.close()
        await services.cluster.close()


async def test_a_listener_on_one_worker_sees_a_message_posted_to_the_other(two_workers: tuple[str, str, str]) -> None:
    worker_a, worker_b, key = two_workers
    headers = {"X-API-Key": key}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.ws_connect(f"{worker_a}/ws/messages/studio") as ws:
            hello = await ws.receive_json(timeout=WAIT)
            assert hello == {"type": "subscribed", "tenant_id": "studio"}
            body = {"tenant_id": "studio", "conversation_id": "c1", "role": "user", "content": "今日は配信の日"}
            async with http.post(f"{worker_b}/v1/messages", json=body) as r:
                assert r.status == 201, await r.text()
                saved = await r.json()
            pushed = await ws.receive_json(timeout=WAIT)
            assert pushed["type"] == "message.created"
            assert pushed["data"]["id"] == saved["id"] and pushed["data"]["content"] == "今日は配信の日"
            assert json.loads(json.dumps(pushed["data"])) == saved
