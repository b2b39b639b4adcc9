"""Help and slash metadata in the user's language: `!help` grouped as users think, Japanese command
names and descriptions synced to Discord, permission names as the Discord client shows them, and usage
errors in one language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where
from discord.ext import commands

from bot.discord.command_texts import japanese
from bot.discord.translator import OmoideTranslator
from config.settings import Settings
from tests.cogs.conftest import make_settings


@pytest.fixture
def bot_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, default_locale="en")  # so Japanese comes from the guild, not the default


def japanese_world(env: Any) -> tuple[Any, Any, Any, Any]:
    guild = env.create_guild(preferred_locale="ja")
    channel = guild.create_text_channel("雑談")
    admins = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("admin"), roles=[admins])
    alice = guild.add_member(env.create_user("alice"))
    return guild, channel, admin, alice


async def test_help_lists_japanese_groups_in_a_japanese_guild(simcord_env: Any) -> None:
    _, channel, admin, alice = japanese_world(simcord_env)
    await alice.send(channel, "!help")
    embed = channel.last_message.embeds[0]
    assert embed.title == "📖 Omoide の使い方"
    assert [f.name for f in embed.fields] == ["💬 話す", "🧠 覚える・思い出す", "🔒 あなたのデータ"]
    remember = embed.fields[1].value
    assert "`!memorize <内容>` — あなたのことを一つ覚えてもらいます" in remember
    assert "`!memories [件数]`" in remember
    await admin.send(channel, "!help")  # the server admin group only for those who may use it
    names = [f.name for f in channel.last_message.embeds[0].fields]
    assert names[-1] == "🛠️ サーバー管理 （「サーバー管理」権限が必要）"
    assert "`!admin purge [チャンネル]`" in channel.last_message.embeds[0].fields[-1].value


async def test_help_for_one_command_and_in_english(simcord_env: Any, client_locale: dict[int, str]) -> None:
    _, channel, _, alice = japanese_world(simcord_env)
    await alice.send(channel, "!help persona 切り替え")  # the Japanese slash name works too
    embed = channel.last_message.embeds[0]
    assert embed.title == "!persona use <名前>"
    assert embed.description == "このチャンネルで話すペルソナを切り替えます"
    assert embed.fields[0].name == "オプション"
    assert embed.fields[0].value == "`名前` — ペルソナの memory_id または表示名"
    await alice.send(channel, "!help dance")
    assert channel.last_message.content == "「dance」というコマンドはありません。`!help` で一覧を見られます。"
    client_locale[alice.id] = "en-US"
    res = await alice.slash(channel, "help")
    embed = res.response.embeds[0]
    assert res.ephemeral and embed.title == "📖 How to use Omoide"
    assert [f.name for f in embed.fields] == ["💬 Talk", "🧠 Remember", "🔒 Your data"]
    assert "`/chat <message>` — Talk with the channel's persona; it remembers you" in embed.fields[0].value


async def test_translator_serves_japanese_and_nothing_else() -> None:
    translator = OmoideTranslator()
    where = app_commands.TranslationContext(location=Where.command_description, data=None)
    text = app_commands.locale_str("Search what I remember about you")
    japanese = await translator.translate(text, discord.Locale.japanese, where)
    assert japanese == "あなたについて覚えていることを検索します"
    assert await translator.translate(text, discord.Locale.american_english, where) is None
    unknown = app_commands.locale_str("Something no command says")
    assert await translator.translate(unknown, discord.Locale.japanese, where) is None


async def test_synced_commands_carry_japanese_names_and_descriptions(simcord_env: Any) -> None:
    japanese_world(simcord_env)
    synced = {name: cmd for (name, _), cmd in simcord_env.backend.commands[None].items()}
    memorize = synced["memorize"]
    assert memorize["name_localizations"] == {"ja": "おぼえる"}
    assert memorize["description_localizations"] == {"ja": "あなたのことを一つ覚えてもらいます"}
    option = memorize["options"][0]
    assert option["name"] == "text" and option["name_localizations"] == {"ja": "内容"}
    assert option["description_localizations"] == {"ja": "覚えてほしいこと"}
    privacy = synced["privacy"]["options"][0]
    assert {c["value"]: c["name_localizations"]["ja"] for c in privacy["choices"]}["off"] == "オフ"


async def test_errors_name_permissions_and_parameters_in_the_users_language(simcord_env: Any) -> None:
    _, channel, _, alice = japanese_world(simcord_env)
    await alice.send(channel, "!persona use nova")
    assert channel.last_message.content == "このコマンドにはサーバーの「チャンネルの管理」権限が必要です。"
    await alice.send(channel, "!memorize")
    assert channel.last_message.content == "`内容` を指定してください。使い方: `!memorize <内容>`"
    await alice.send(channel, "hello everyone, how are you")  # then she writes in English
    await alice.send(channel, "!admin status")
    assert channel.last_message.content == "You need the \"Manage Server\" permission for this command."
    assert [type(e) for e in simcord_env.errors] == [commands.MissingPermissions, commands.MissingRequiredArgument,
                                                      commands.MissingPermissions]


async def test_every_command_has_its_japanese_metadata(simcord_env: Any, simcord_bot: Any) -> None:
    """A new command or option without Japanese would show English to Japanese clients: list what is missing."""
    missing, seen = [], 0
    for cmd in simcord_bot.tree.walk_commands():
        seen += 1
        for kind, text in [("name", cmd.name), ("description", cmd.description)]:
            if japanese(kind, text) is None:
                missing.append(f"{cmd.qualified_name}: {kind} {text!r}")
        for param in getattr(cmd, "parameters", []):
            for kind, text in [("parameter", param.name), ("description", param.description)]:
                if japanese(kind, text) is None:
                    missing.append(f"{cmd.qualified_name} {param.name}: {kind} {text!r}")
    assert seen >= 15 and missing == []
