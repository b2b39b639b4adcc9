"""remember, memorize, memories, emotions through discord.py's own machinery (prefix, hybrid, slash),
with isolation between users and between personas, and replies in the user's language."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import discord
import pytest
from discord.ext import commands
from PIL import Image

from bot.services import Services
from memory.clock import utcnow
from memory.types import Emotion, MemoryFilter, MemoryInput, Scope


def setup_world(env: Any) -> tuple[Any, Any, Any, Any]:
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(env.create_user("alice"))
    bob = guild.add_member(env.create_user("bob"))
    return guild, channel, alice, bob


def fields(message: Any) -> list[tuple[str, str]]:
    return [(f.name, f.value) for e in message.embeds for f in e.fields]


async def test_memorize_then_remember_prefix_in_japanese(simcord_env: Any, services: Services) -> None:
    _, channel, alice, _ = setup_world(simcord_env)
    await alice.send(channel, "!memorize 私の好きな食べ物は味噌ラーメンです")
    assert channel.last_message.content.startswith("覚えました！（ココロの記憶・ID: `")
    stored = await services.engine.list(MemoryFilter(user_id=str(alice.id)))
    assert stored.total == 1
    m = stored.memories[0]
    assert m.scope.cube == "user_user_cocoro_cube" and m.importance >= 0.9 and m.tier.value == "long_term"
    await alice.send(channel, "!memorize 私の好きな食べ物は味噌ラーメンです")
    assert "もう覚えていました" in channel.last_message.content  # a duplicate reinforces, no copy
    await alice.send(channel, "!remember 好きな食べ物")
    embed = channel.last_message.embeds[0]
    assert embed.title == "🧠 記憶検索結果" and "好きな食べ物" in embed.description
    name, value = fields(channel.last_message)[0]
    assert name.startswith("記憶 1 (関連度: ") and "味噌ラーメン" in value and f"`{m.id[:8]}`" in value
    assert m.id not in value  # 8 characters are enough to tell (and to type to `forget`)
    assert "**日時**: " + m.created_at.strftime("%Y-%m-%d %H:%M") in value  # TIMEZONE=UTC in these tests


async def test_slash_replies_follow_the_client_locale(simcord_env: Any, client_locale: dict[int, str],
                                                      services: Services) -> None:
    _, channel, alice, bob = setup_world(simcord_env)
    client_locale[alice.id] = "ja"
    res = await alice.slash(channel, "memorize", text="I play the violin every weekend")
    assert res.ephemeral and res.response.content.startswith("覚えました！")
    res = await bob.slash(channel, "memorize", text="I collect vintage cameras")
    assert res.response.content.startswith("Got it, I'll remember that. (ココロ's memory")
    res = await bob.slash(channel, "remember", query="violin")
    assert res.ephemeral
    assert all("violin" not in value for _, value in fields(res.response))  # never Alice's memories
    res = await alice.slash(channel, "remember", query="楽器")
    assert res.response.embeds[0].title == "🧠 記憶検索結果" and "violin" in fields(res.response)[0][1]


async def test_prefix_language_comes_from_the_text_or_the_user_setting(simcord_env: Any) -> None:
    _, channel, alice, _ = setup_world(simcord_env)
    await alice.send(channel, "!remember my favourite movie")
    assert channel.last_message.content == "No related memories found."
    await alice.send(channel, "!remember 好きな映画")
    assert channel.last_message.content == "関連する記憶が見つかりませんでした。"
    await alice.send(channel, "!language en")
    assert channel.last_message.content == "I'll reply in English from now on."
    await alice.send(channel, "!remember 好きな映画")
    assert channel.last_message.content == "No related memories found."
    await alice.send(channel, "!language auto")
    await alice.send(channel, "!memories")  # no text of its own: DEFAULT_LOCALE=ja
    assert channel.last_message.content == "まだ記憶がありません。"


async def test_users_and_personas_are_isolated(simcord_env: Any, services: Services) -> None:
    guild, general, alice, bob = setup_world(simcord_env)
    english = guild.create_text_channel("english")
    mod_role = guild.create_role("mods", permissions=discord.Permissions(manage_channels=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mod_role])
    await mod.send(english, "!persona use nova")
    assert english.last_message.content == "このチャンネルのペルソナを **Nova** にしました。"
    await alice.send(general, "!memorize 秘密の合言葉はひまわりです")
    await alice.send(english, "!memorize My lucky number is seventeen")
    await bob.send(general, "!memorize 僕の合言葉はあさがおです")
    await alice.send(general, "!remember 合言葉")
    values = " ".join(v for _, v in fields(general.last_message))
    assert "ひまわり" in values and "あさがお" not in values and "seventeen" not in values
    await alice.send(english, "!remember lucky number and password")
    values = " ".join(v for _, v in fields(english.last_message))
    assert "seventeen" in values and "ひまわり" not in values
    cubes = {m.scope.cube for m in (await services.engine.list(MemoryFilter(user_id=str(alice.id)))).memories}
    assert cubes == {"user_user_cocoro_cube", "user_user_nova_cube"}


async def test_memories_pages_with_buttons_only_for_the_owner(simcord_env: Any, services: Services) -> None:
    _, channel, alice, bob = setup_world(simcord_env)
    scope = Scope(cube="user_user_cocoro_cube", user_id=str(alice.id))
    now = utcnow()
    await services.engine.save_batch([MemoryInput(scope=scope, content=f"思い出その{i}：{topic}",
                                                  created_at=now - timedelta(hours=10 - i))
                                      for i, topic in enumerate(["海", "山", "川", "空", "森"], 1)])
    await alice.send(channel, "!memories 2")
    first = channel.last_message
    assert first.embeds[0].title == "📚 あなたの記憶一覧"
    assert "全 5 件・1/3 ページ" in first.embeds[0].description
    assert [n for n, _ in fields(first)] == ["記憶 1", "記憶 2"] and "その5" in fields(first)[0][1]
    denied = await bob.click(first, label="次へ")
    assert denied.ephemeral and denied.response.content == "このボタンはコマンドを使った人だけが押せます。"
    await alice.click(first, label="次へ")
    page2 = channel.last_message
    assert page2.id == first.id  # the same message, edited in place
    assert "2/3 ページ" in page2.embeds[0].description and "その3" in fields(page2)[0][1]
    await alice.send(channel, "!memories 99")  # clamped to 10: one page, no buttons
    assert "全 5 件・1/1 ページ" in channel.last_message.embeds[0].description
    assert not channel.last_message.components


async def test_emotions_stats_and_chart(simcord_env: Any, services: Services) -> None:
    _, channel, alice, bob = setup_world(simcord_env)
    scope = Scope(cube="user_user_cocoro_cube", user_id=str(alice.id))
    now = utcnow()
    plan = [["joy"], ["joy", "interest"], ["joy"], ["sadness"], ["interest"]]
    await services.engine.save_batch([
        MemoryInput(scope=scope, content=f"{i}日目のメモ", created_at=now - timedelta(days=4 - i),
                    emotions=[Emotion(label, 0.8) for label in labels]) for i, labels in enumerate(plan)])
    await alice.send(channel, "!emotions")
    msg = channel.last_message
    assert msg.embeds[0].title == "📊 あなたの感情統計" and "最近の 5 件の記憶から分析" in msg.embeds[0].description
    assert fields(msg) == [("1. 喜び", "3回 (60.0%)"), ("2. 興味", "2回 (40.0%)"), ("3. 悲しみ", "1回 (20.0%)")]
    assert msg.embeds[0].image.url == "attachment://emotions.png"
    png = simcord_env.backend.cdn.get(msg.attachments[0].url)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (800, 400)
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 10  # coloured bars, not a blank canvas
    await bob.send(channel, "!emotions")
    assert channel.last_message.content == "感情データがありません。"


@pytest.mark.parametrize("command", ["remember", "memorize"])
async def test_missing_argument_is_explained_in_the_users_language(simcord_env: Any, command: str) -> None:
    _, channel, alice, _ = setup_world(simcord_env)
    await alice.send(channel, f"!{command}")
    text = channel.last_message.content
    assert text.startswith("`") and "を指定してください。使い方: `!" + command in text
    assert [type(e) for e in simcord_env.errors] == [commands.MissingRequiredArgument]
