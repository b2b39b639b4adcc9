"""End to end: the real discord.Client, started by the runner's `run_discord`, against a fake Discord
on 127.0.0.1 (REST + WebSocket gateway). A user's message reaches the bot and its reply comes back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import discord
import pytest
import yarl
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.api.app import create_app
from bot.discord.status import DiscordStatus
from bot.runner import run_discord
from bot.services import Services
from bot.telemetry.collectors import ProcessCollector
from config.settings import Settings
from memory.engine import MemoryEngine
from memory.types import MemoryFilter
from tests.fake_discord import FakeDiscord

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.fake-token-for-tests-0123456789abcdef"


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord(TOKEN).start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway))
    yield server
    await server.stop()


@pytest.fixture
async def services(engine: MemoryEngine, tmp_path: Path) -> AsyncIterator[Services]:
    svc = Services(settings=Settings(_env_file=None, data_dir=tmp_path / "data"), engine=engine)  # type: ignore[call-arg]
    yield svc
    await svc.close()


async def test_bot_connects_and_answers_a_message(fake_discord: FakeDiscord, services: Services,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    connected = LogLine("discord connected as OmoideBot")
    with caplog.at_level(logging.DEBUG), connected.attached():
        task = asyncio.create_task(run_discord(services, TOKEN))
        try:
            await asyncio.wait_for(fake_discord.identified.wait(), 60)
            assert fake_discord.identify_payload["intents"] & discord.Intents.message_content.flag
            await asyncio.sleep(0)  # let GUILD_CREATE be processed before the message arrives
            await fake_discord.send_message(42, "alice", "!memorize 私の推しは星街すいせいです")
            posted = await fake_discord.wait_for_posts(1)
            assert posted[0]["content"].startswith("覚えました！（ココロの記憶・ID: `")
            stored = await services.engine.list(MemoryFilter(user_id="42"))
            assert [m.content for m in stored.memories] == ["私の推しは星街すいせいです"]
            await fake_discord.send_message(42, "alice", "!remember 推し")
            posted = await fake_discord.wait_for_posts(2)
            assert posted[1]["embeds"][0]["title"] == "🧠 記憶検索結果"
            assert "星街すいせい" in posted[1]["embeds"][0]["fields"][0]["value"]
            # READY comes ~2 s after the last GUILD_CREATE (discord.py's guild_ready_timeout): wait for it, so
            # the client is not stopped with its ready dispatch still pending
            await asyncio.wait_for(connected.seen.wait(), 60)
        finally:
            await services.conversation.drain()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert TOKEN not in caplog.text and TOKEN.split(".")[0] not in caplog.text


class LogLine(logging.Handler):
    """Sets `seen` when a log line containing `text` is written (the client logs from the event loop)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()

    @contextlib.contextmanager
    def attached(self) -> Iterator[None]:
        root = logging.getLogger()
        root.addHandler(self)
        try:
            yield
        finally:
            root.removeHandler(self)


async def test_a_refused_token_is_reported_and_does_not_raise(fake_discord: FakeDiscord, services: Services,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="omoide"):
        await asyncio.wait_for(run_discord(services, "wrong." + TOKEN), 60)
    assert "Discord refused DISCORD_TOKEN" in caplog.text and TOKEN not in caplog.text


async def _until(status: DiscordStatus, condition: Callable[[DiscordStatus], bool]) -> None:
    """Wait for something the bot does in the background (a limit, not a timing assertion)."""
    await asyncio.wait_for(status.wait_until(condition), 60)


async def _discord_as_reported(http: TestClient[web.Request, web.Application], services: Services
                               ) -> tuple[str, str, float]:
    """The Discord state /health and /health/ready give, and the connected gauge /metrics gives."""
    health = await (await http.get("/health")).json()
    ready = await (await http.get("/health/ready")).json()
    gauges = {m.name: m.samples[0].value for m in ProcessCollector(services).collect() if m.name.startswith("omoide_d")}
    return health["discord"]["state"], ready["checks"]["discord"]["state"], gauges["omoide_discord_connected"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_discord_down_at_start_is_retried_and_health_says_so(monkeypatch: pytest.MonkeyPatch, services: Services,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    port = _free_port()  # nothing listens there yet: Discord is unreachable
    server = FakeDiscord(TOKEN)
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(f"ws://127.0.0.1:{port}/gateway"))
    status = services.discord_status
    app = create_app(services, services.settings)
    async with TestClient(TestServer(app, host="127.0.0.1")) as http:
        with caplog.at_level(logging.INFO):
            task = asyncio.create_task(run_discord(services, TOKEN, retry_first=0.05, retry_max=0.2))
            try:
                await _until(status, lambda s: s.attempts >= 3)
                health = await (await http.get("/health")).json()
                assert health["status"] == "degraded"
                assert health["discord"]["configured"] is True and health["discord"]["connected"] is False
                assert health["discord"]["state"] == "connecting" and "ClientConnectorError" in health["discord"][
                    "last_error"]
                assert await _discord_as_reported(http, services) == ("connecting", "connecting", 0)
                retries = [r for r in caplog.records if r.getMessage().startswith("Discord unreachable")]
                assert len(retries) >= 2 and all(r.exc_info is None for r in retries)  # one line each, no traceback
                assert "trying again in" in retries[0].getMessage() and "(attempt 1)" in retries[0].getMessage()
                await server.start(port)  # Discord is back
                await asyncio.wait_for(server.identified.wait(), 60)
                await _until(status, lambda s: s.state == "connected")
                health = await (await http.get("/health/")).json()
                assert health["status"] == "healthy"
                state = health["discord"]
                assert state["connected"] is True and state["shards"] == 1 and state["guilds"] == 1
                assert "latency_ms" in state and state["last_error"].startswith("ClientConnectorError")
                assert await _discord_as_reported(http, services) == ("connected", "connected", 1)
                await server.send_message(42, "alice", "!memorize 回線が戻りました")
                assert (await server.wait_for_posts(1))[0]["content"].startswith("覚えました！")
                attempts = status.attempts
                await server.stop()  # Discord goes away mid-session: discord.py's own reconnect takes over
                await _until(status, lambda s: s.attempts > attempts)
                assert await _discord_as_reported(http, services) == ("reconnecting", "reconnecting", 0)
                await server.start(port)
                await asyncio.wait_for(server.resumed.wait(), 60)
                await _until(status, lambda s: s.state == "connected")
                lost = [r for r in caplog.records if r.getMessage().startswith("Discord connection lost")]
                assert lost and all(r.exc_info is None and "reconnecting in" in r.getMessage() for r in lost)
            finally:
                await services.conversation.drain()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await server.stop()
    assert TOKEN not in caplog.text


async def test_health_says_when_discord_is_not_configured(services: Services) -> None:
    async with TestClient(TestServer(create_app(services, services.settings), host="127.0.0.1")) as http:
        health = await (await http.get("/health")).json()
        assert await _discord_as_reported(http, services) == ("off", "off", 0)
    assert health["status"] == "healthy" and health["discord"]["configured"] is False
    assert health["discord"]["state"] == "off"


async def test_an_api_process_with_a_token_but_no_client_is_ready(engine: MemoryEngine, tmp_path: Path) -> None:
    """`python -m bot api` beside a `python -m bot discord` process: both read DISCORD_TOKEN, only the
    second runs the client, so the API process's Discord is off, not forever "connecting"."""
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", discord_token=TOKEN)  # type: ignore[call-arg]
    services = Services(settings=settings, engine=engine)
    try:
        async with TestClient(TestServer(create_app(services, settings), host="127.0.0.1")) as http:
            assert await _discord_as_reported(http, services) == ("off", "off", 0)
            ready = await (await http.get("/health/ready")).json()
        assert ready["status"] == "ready"
        assert "no Discord client in this process" in ready["checks"]["discord"]["detail"]
    finally:
        await services.close()
