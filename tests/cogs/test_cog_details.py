"""Small things users notice: /remember's numbers go down the list, English counts take their plural
form, a channel that does not exist is named as such, ids are short enough to read and type."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.services import Services
from memory.types import MemoryFilter, MemoryInput, Scope


def world(env: Any) -> tuple[Any, Any, Any, Any]:
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    admins = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    return guild, channel, guild.add_member(env.create_user("admin"), roles=[admins]), \
        guild.add_member(env.create_user("alice"))


async def test_remember_shows_the_score_its_order_is_by(simcord_env: Any, services: Services) -> None:
    _, channel, _, alice = world(simcord_env)
    scope = Scope(cube="user_user_cocoro_cube", user_id=str(alice.id))
    texts = ["私の好きな食べ物は味噌ラーメンです", "ラーメン屋で友達と会った", "昨日は寿司を食べに行きました",
             "好きな食べ物はカレーライス", "食べ物の好き嫌いはあまりない", "ラーメンは塩派です"]
    await services.engine.save_batch([MemoryInput(scope=scope, content=t) for t in texts])
    await alice.send(channel, "!remember 好きな食べ物")
    names = [f.name for f in channel.last_message.embeds[0].fields]
    scores = [float(re.search(r"関連度: ([0-9.]+)", n).group(1)) for n in names]  # type: ignore[union-attr]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True), names


async def test_english_counts_and_a_missing_channel(simcord_env: Any, services: Services) -> None:
    _, channel, admin, alice = world(simcord_env)
    await alice.send(channel, "!language en")
    await alice.send(channel, "!memorize I love my cat so much, she makes me happy")
    await alice.send(channel, "!emotions")
    values = [f.value for f in channel.last_message.embeds[0].fields]
    assert values and all(v.startswith("1 time (") for v in values), values
    assert channel.last_message.embeds[0].description.startswith("From your latest 1 memory (")
    await alice.send(channel, "!memories")
    assert channel.last_message.embeds[0].description.startswith("Latest 1 memory (1 in all, page 1/1")
    await admin.send(channel, "!admin purge #nochannel")
    assert channel.last_message.content == ("チャンネル「#nochannel」が見つかりません。"
                                            "#チャンネル名 で指定してください。")
    await admin.send(channel, "!admin learning on #nochannel")
    assert channel.last_message.content.startswith("チャンネル「#nochannel」が見つかりません。")
    assert not await services.prefs.learning_enabled(channel.id)  # not turned on here instead
    assert [type(e).__name__ for e in simcord_env.errors] == ["ChannelNotFound", "ChannelNotFound"]


async def test_ids_are_shown_short_and_taken_short(simcord_env: Any, services: Services) -> None:
    _, channel, _, alice = world(simcord_env)
    await alice.send(channel, "!memorize 猫を飼っています")
    memory = (await services.engine.list(MemoryFilter(user_id=str(alice.id)))).memories[0]
    assert channel.last_message.content == f"覚えました！（ココロの記憶・ID: `{memory.id[:8]}`）"
    await alice.send(channel, f"!forget {memory.id[:8]}")
    assert channel.last_message.content == f"記憶を1件削除しました（ID: `{memory.id[:8]}`）。"
