"""End to end: the real discord.Client, started by the runner's `run_discord`, against a fake Discord
on 127.0.0.1 (REST + WebSocket gateway). A user's message reaches the bot and its reply comes back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import pytest
import yarl

from bot.runner import run_discord
from bot.services import Services
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
def services(engine: MemoryEngine, tmp_path: Path) -> Services:
    return Services(settings=Settings(_env_file=None, data_dir=tmp_path / "data"), engine=engine)  # type: ignore[call-arg]


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
