"""A cog listed in DISABLED_COGS is not loaded: neither its prefix nor its slash command exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.discord.client import OmoideBot
from bot.services import Services
from memory.engine import MemoryEngine
from tests.cogs.conftest import make_settings
from tests.cogs.test_cog_privacy_admin import world


@pytest.fixture
def simcord_bot(engine: MemoryEngine, tmp_path: Path, request: pytest.FixtureRequest) -> OmoideBot:
    disabled = getattr(request, "param", "")
    return OmoideBot(Services(settings=make_settings(tmp_path, disabled_cogs=disabled), engine=engine))


@pytest.mark.parametrize("simcord_bot", ["chat,admin"], indirect=True)
async def test_a_disabled_cog_is_not_loaded(simcord_env: Any) -> None:
    _, channel, _, alice, _ = world(simcord_env)
    commands = alice.available_commands(channel)
    assert "chat" not in commands and "remember" in commands and "persona list" in commands
    await alice.send(channel, "!chat hello")
    assert channel.last_message.content == "!chat hello"  # no reply: the command does not exist


@pytest.mark.parametrize("simcord_bot", ["learning"], indirect=True)
async def test_chat_answers_with_the_learning_cog_disabled(simcord_env: Any) -> None:
    _, channel, admin, alice, _ = world(simcord_env)
    await alice.send(channel, "!chat こんにちは")  # its omoide_reply event has no listener now
    assert channel.last_message.author.bot and "alice" in channel.last_message.content
    assert simcord_env.errors == []
