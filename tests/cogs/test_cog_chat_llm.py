"""chat through Discord with a real OpenAI-protocol server on 127.0.0.1 behind the conversation service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.discord.client import OmoideBot
from bot.llm.client import LLMClient
from bot.services import Services
from memory.clock import utcnow
from memory.engine import MemoryEngine
from memory.types import MemoryInput, Scope
from tests.cogs.conftest import make_settings
from tests.cogs.test_cog_chat import turns, world
from tests.fake_llm import FakeLLM


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLM]:
    server = await FakeLLM().start()
    yield server
    await server.stop()


@pytest.fixture
async def llm_services(engine: MemoryEngine, tmp_path: Path, fake_llm: FakeLLM) -> AsyncIterator[Services]:
    """The client gets a session whose connections close after each request: simcord waits for the bot to
    settle, and a kept-alive connection kept it waiting ~30 s for the server to drop it."""
    settings = make_settings(tmp_path, llm_base_url=fake_llm.base_url, llm_model="test")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        svc = Services(settings=settings, engine=engine, loaded_llm=LLMClient.from_settings(settings, session=session))
        yield svc
        await svc.close()
        assert not session.closed  # the caller's session: the client leaves it open


@pytest.fixture
def simcord_bot(llm_services: Services) -> OmoideBot:  # this module's bot talks to the fake LLM
    return OmoideBot(llm_services)


async def test_chat_with_an_llm_uses_memories_and_saves_the_summary(simcord_env: Any, llm_services: Services,
                                                                     fake_llm: FakeLLM) -> None:
    _, channel, _, alice, bob = world(simcord_env)
    await alice.send(channel, "!memorize 好きな色は青です")
    await bob.send(channel, "!memorize 好きな色は赤です")
    await alice.send(channel, "!chat 私の好きな色って何だっけ？")
    reply = channel.last_message.content
    assert reply.startswith("LLM reply to: 私の好きな色って何だっけ？") and "青" in reply and "赤" not in reply
    saved = await turns(llm_services, alice)
    assert saved[0].summary == "SUMMARY: 私の好きな色って何だっけ？" and saved[0].ai_message == reply


async def test_the_prompts_today_and_memory_dates_are_the_users(simcord_env: Any, llm_services: Services,
                                                                 fake_llm: FakeLLM) -> None:
    _, channel, _, alice, _ = world(simcord_env)
    now = utcnow()
    # a zone whose date differs from UTC's right now (+14 h late in the UTC day, -11 h early in it)
    zone = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"
    local_today = now.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d")
    assert local_today != now.strftime("%Y-%m-%d")
    saved_at = now - timedelta(days=3)
    scope = Scope(cube="user_user_cocoro_cube", user_id=str(alice.id))
    await llm_services.engine.save_batch([MemoryInput(scope=scope, content="好きな色は青です", created_at=saved_at)])
    await alice.send(channel, f"!timezone {zone}")
    await alice.send(channel, "!chat 私の好きな色って何だっけ？")
    system = fake_llm.chat_requests()[-1]["messages"][0]["content"]
    assert f"今日の日付: {local_today}" in system
    assert f"[{saved_at.astimezone(ZoneInfo(zone)):%Y-%m-%d}] 好きな色は青です" in system


async def test_passive_learning_pairs_the_models_reply_with_the_message_that_follows_it(
        simcord_env: Any, llm_services: Services) -> None:
    _, channel, admin, alice, _ = world(simcord_env)
    await admin.send(channel, "!admin learning on")
    await alice.send(channel, "!chat 週末はキャンプに行くよ")
    camp_reply = channel.last_message.content
    assert camp_reply.startswith("LLM reply to: 週末はキャンプに行くよ")
    await alice.send(channel, "寝袋も持っていくつもり")
    learned = [(t.user_message, t.ai_message) for t in await turns(llm_services, alice)
               if t.metadata.get("source") == "passive"]
    assert learned == [("寝袋も持っていくつもり", camp_reply)]  # the model's words, then what the user said to them
