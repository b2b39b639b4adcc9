"""Dates a person reads are in their time zone: their own `timezone`, else the server's `admin timezone`,
else TIMEZONE. A memory saved at 08:58 in Tokyo shows that morning, not the day before (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
from sqlalchemy import text

from bot.discord.prefs import Preferences
from bot.services import Services
from config import Settings, SettingsError, load_settings
from memory.engine import MemoryEngine
from memory.types import MemoryInput, Scope
from tests.cogs.conftest import make_settings
from tests.store_helpers import sqlite_store

SAVED_AT = datetime(2026, 1, 4, 23, 58, tzinfo=UTC)  # 2026-01-05 08:58 in Tokyo


def world(env: Any) -> tuple[Any, Any, Any, Any, Any]:
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    admins = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("admin"), roles=[admins])
    return guild, channel, admin, guild.add_member(env.create_user("alice")), guild.add_member(env.create_user("bob"))


async def saved_morning(services: Services, user: Any) -> None:
    scope = Scope(cube="user_user_cocoro_cube", user_id=str(user.id))
    morning = MemoryInput(scope=scope, content="朝ごはんにおにぎりを食べた", created_at=SAVED_AT)
    await services.engine.save_batch([morning])


def date_line(message: Any) -> str:
    value = message.embeds[0].fields[0].value
    return next(line for line in value.splitlines() if line.startswith("**日時**"))


async def test_a_user_and_a_server_choose_the_zone_of_their_dates(simcord_env: Any, services: Services) -> None:
    _, channel, admin, alice, bob = world(simcord_env)
    await saved_morning(services, alice)
    await saved_morning(services, bob)
    await alice.send(channel, "!memories")
    assert date_line(channel.last_message) == "**日時**: 2026-01-04 23:58"  # TIMEZONE=UTC in these tests
    await alice.send(channel, "!timezone asia/tokyo")
    assert channel.last_message.content.startswith("これからは日時を **Asia/Tokyo** で表示します（いま ")
    await alice.send(channel, "!memories")
    assert date_line(channel.last_message) == "**日時**: 2026-01-05 08:58"
    await alice.send(channel, "!remember おにぎり")
    assert date_line(channel.last_message) == "**日時**: 2026-01-05 08:58"
    await bob.send(channel, "!memories")  # Alice's zone is hers alone
    assert date_line(channel.last_message) == "**日時**: 2026-01-04 23:58"
    await admin.send(channel, "!admin timezone Asia/Tokyo")
    assert channel.last_message.content.startswith("このサーバーの既定の時間帯を **Asia/Tokyo** にしました")
    await bob.send(channel, "!memories")  # the server's zone, for everyone without their own
    assert date_line(channel.last_message) == "**日時**: 2026-01-05 08:58"
    await bob.send(channel, "!timezone Europe/London")
    await bob.send(channel, "!memories")
    assert date_line(channel.last_message) == "**日時**: 2026-01-04 23:58"
    await bob.send(channel, "!timezone")
    assert channel.last_message.content.startswith("日時は **Europe/London** で表示しています")
    await bob.send(channel, "!timezone Mars/Olympus")
    assert channel.last_message.content.startswith("「Mars/Olympus」という時間帯はありません。")
    await bob.send(channel, "!timezone auto")
    assert channel.last_message.content == "日時はサーバーまたはボットの既定（**Asia/Tokyo**）で表示します。"
    await admin.send(channel, "!admin status")
    assert "時間帯: **Asia/Tokyo**" in channel.last_message.content


class TestTheTimezoneSetting:
    @pytest.fixture
    def bot_settings(self, tmp_path: Path) -> Settings:
        return make_settings(tmp_path, timezone="Asia/Tokyo")

    async def test_it_is_the_default_for_everyone(self, simcord_env: Any, services: Services) -> None:
        _, channel, _, alice, _ = world(simcord_env)
        await saved_morning(services, alice)
        await alice.send(channel, "!memories")
        assert date_line(channel.last_message) == "**日時**: 2026-01-05 08:58"


def test_an_unknown_timezone_setting_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, data_dir=tmp_path, timezone="Tokyo/Japan")
    assert "TIMEZONE: " in str(caught.value) and "Asia/Tokyo" in str(caught.value)
    assert load_settings(_env_file=None, data_dir=tmp_path, timezone="asia/tokyo").timezone == "asia/tokyo"


async def test_a_database_from_before_time_zones_gets_the_new_columns(engine: MemoryEngine) -> None:
    async with sqlite_store(engine).db.begin() as conn:  # the tables as an earlier version made them
        await conn.execute(text("CREATE TABLE bot_user_prefs (user_id BIGINT PRIMARY KEY, opted_out BOOLEAN, "
                                "locale VARCHAR(8), updated_at DATETIME)"))
        await conn.execute(text("CREATE TABLE bot_guild_prefs (guild_id BIGINT PRIMARY KEY, persona VARCHAR(32), "
                                "updated_at DATETIME)"))
        await conn.execute(text("INSERT INTO bot_user_prefs VALUES (7, 1, 'en', '2025-01-01 00:00:00')"))
    prefs = Preferences(sqlite_store(engine).db)
    await prefs.set_user_timezone(7, "Asia/Tokyo")
    await prefs.set_guild_timezone(8, "Europe/Paris")
    assert await prefs.user_timezone(7) == "Asia/Tokyo" and await prefs.opted_out(7)
    assert await prefs.user_locale(7) == "en" and await prefs.guild_timezone(8) == "Europe/Paris"
