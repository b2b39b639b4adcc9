"""chat with the built-in responder, passive learning only where an admin
enabled it and never for opted-out users, and the privacy switch."""

from __future__ import annotations

from typing import Any

import discord
from discord.ext import commands

from bot.services import Services
from memory.types import MemoryFilter


def world(env: Any) -> tuple[Any, Any, Any, Any, Any]:
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    admins = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("admin"), roles=[admins])
    alice = guild.add_member(env.create_user("alice"))
    bob = guild.add_member(env.create_user("bob"))
    return guild, channel, admin, alice, bob


async def turns(services: Services, user: Any) -> list[Any]:
    await services.conversation.drain()
    page = await services.engine.list(MemoryFilter(user_id=str(user.id), kind="turn"))
    return list(reversed(page.memories))


async def test_chat_without_llm_answers_from_memories_and_remembers(simcord_env: Any, services: Services) -> None:
    _, channel, _, alice, bob = world(simcord_env)
    await alice.send(channel, "!memorize 私は毎朝ジョギングをしています")
    await alice.send(channel, "!chat 私の朝の習慣、覚えてる？")
    reply = channel.last_message.content
    assert reply.startswith("覚えてますよ✨") and "「私は毎朝ジョギングをしています」" in reply
    assert "言語モデルが設定されていない" in reply
    saved = await turns(services, alice)
    assert [(t.user_message, t.ai_message) for t in saved] == [("私の朝の習慣、覚えてる？", None)]
    assert saved[0].metadata["platform"] == "discord" and saved[0].metadata["channel_id"] == str(channel.id)
    # the user_id is a snowflake; the display name is what makes "alice" find what Alice said
    assert saved[0].metadata["user_name"] == "alice"
    hits = await services.engine.search("alice", MemoryFilter(kind="turn"))
    assert [h.memory.user_message for h in hits if h.matched_lexically] == ["私の朝の習慣、覚えてる？"]
    await bob.send(channel, "!chat 僕の朝の習慣は？")
    assert "ジョギング" not in channel.last_message.content  # Bob never hears Alice's memories


async def test_slash_chat_defers_then_answers(simcord_env: Any, client_locale: dict[int, str]) -> None:
    _, channel, _, alice, _ = world(simcord_env)
    res = await alice.slash(channel, "chat", message="hello there")
    assert res.acknowledged and not res.ephemeral  # chat answers in the open
    assert res.response.content.startswith(("Hi alice!", "Hey alice,"))  # English, though Cocoro speaks Japanese


async def test_opted_out_user_is_not_remembered_by_chat(simcord_env: Any, services: Services) -> None:
    _, channel, _, alice, _ = world(simcord_env)
    await alice.send(channel, "!privacy off")
    assert "学習せず" in channel.last_message.content
    await alice.send(channel, "!privacy")
    assert channel.last_message.content.startswith("いまは学習しない設定です")
    await alice.send(channel, "!chat 今日は誕生日なんだ")
    assert channel.last_message.content.endswith("（プライバシー設定により、この会話は記憶しません）")
    assert await turns(services, alice) == []
    await alice.send(channel, "!privacy on")
    await alice.send(channel, "!chat 今日は誕生日なんだ")
    assert len(await turns(services, alice)) == 1


async def test_passive_learning_only_where_enabled_and_not_for_opted_out(simcord_env: Any,
                                                                          services: Services) -> None:
    guild, channel, admin, alice, bob = world(simcord_env)
    quiet = guild.create_text_channel("quiet")
    # off by default: a chat reply followed by a message teaches nothing
    await alice.send(channel, "!chat 週末はキャンプに行くよ")
    await alice.send(channel, "テントも新しく買ったんだ")
    assert [t.user_message for t in await turns(services, alice)] == ["週末はキャンプに行くよ"]
    await admin.send(channel, "!admin learning on")
    assert channel.last_message.content.startswith(f"<#{channel.id}> での自動学習を有効にしました")
    await alice.send(channel, "!chat 週末はキャンプに行くよ")
    assert "言語モデルが設定されていない" not in channel.last_message.content  # the note came once, on the first chat
    await alice.send(channel, "寝袋も持っていくつもり")
    learned = [t for t in await turns(services, alice) if t.metadata.get("source") == "passive"]
    # what the built-in responder said is not kept as the bot's words: the user's message is saved alone
    assert [(t.user_message, t.ai_message) for t in learned] == [("寝袋も持っていくつもり", None)]
    assert learned[0].metadata["user_name"] == "alice"
    assert learned[0].scope.cube == "user_user_cocoro_cube" and "learned" in learned[0].tags
    await alice.send(channel, "もう一言")  # the previous reply was used up: nothing more is saved
    await alice.send(quiet, "!chat こっちでも話すね")
    await alice.send(quiet, "ここは学習オフのチャンネル")
    assert len([t for t in await turns(services, alice) if t.metadata.get("source") == "passive"]) == 1
    # an opted-out user is never learned from, even where learning is on
    await bob.send(channel, "!privacy off")
    await bob.send(channel, "!chat 釣りが好きです")
    await bob.send(channel, "昨日はアジが釣れた")
    assert await turns(services, bob) == []
    await admin.send(channel, "!admin learning off")
    await alice.send(channel, "!chat またね")
    await alice.send(channel, "ばいばい")
    assert len([t for t in await turns(services, alice) if t.metadata.get("source") == "passive"]) == 1


async def test_a_rate_limited_chat_and_canned_text_are_never_learned(simcord_env: Any, services: Services) -> None:
    _, channel, admin, alice, bob = world(simcord_env)
    await admin.send(channel, "!admin learning on")

    async def learned() -> list[tuple[str | None, str | None]]:
        return [(t.user_message, t.ai_message) for t in await turns(services, alice)
                if t.metadata.get("source") == "passive"]

    for i in range(5):  # five chats in 30 s is the limit
        await alice.send(channel, f"!chat 雑談その{i}")
    last_reply = channel.last_message
    await alice.send(channel, "!chat 釣りの話をしよう")
    notice = channel.last_message
    assert notice.content.startswith("少し待ってから")  # rate-limited: nothing answers this message
    assert [type(e).__name__ for e in simcord_env.errors] == ["CommandOnCooldown"]
    await alice.send(channel, "アジが釣れたよ")  # follows the cooldown notice, not the last real reply
    await alice.send(channel, "まだ待つの？", reply_to=notice)  # a Discord reply to canned text
    assert await learned() == []
    await alice.send(channel, "ほんとに", reply_to=last_reply)  # a Discord reply to the bot's answer to her
    assert await learned() == [("ほんとに", None)]  # the built-in responder's words are never kept
    await bob.send(channel, "!chat こんにちは")
    await alice.send(channel, "横から失礼", reply_to=channel.last_message)  # the bot's answer to Bob
    assert await learned() == [("ほんとに", None)]
    assert all("言語モデル" not in (t.ai_message or "") for t in await turns(services, alice))


async def test_forget_all_also_forgets_the_reply_waiting_to_be_learned(simcord_env: Any, services: Services) -> None:
    _, channel, admin, alice, _ = world(simcord_env)
    await admin.send(channel, "!admin learning on")
    await alice.send(channel, "!chat 週末はキャンプに行くよ")
    await alice.send(channel, "!forget all")
    await alice.click(channel.last_message, label="削除する")
    assert channel.last_message.content == "あなたの記憶を 1 件すべて削除しました。"
    await alice.send(channel, "寝袋も持っていくつもり")  # the reply before the forget no longer pairs with it
    assert await turns(services, alice) == []

async def test_chat_cooldown_then_allowed_again(simcord_env: Any) -> None:
    _, channel, _, alice, _ = world(simcord_env)
    for i in range(5):
        await alice.send(channel, f"!chat メッセージ{i}")
    await alice.send(channel, "!chat もう一回")
    assert channel.last_message.content.startswith("少し待ってからもう一度どうぞ")
    assert [type(e) for e in simcord_env.errors] == [commands.CommandOnCooldown]
    await simcord_env.advance_time(31)
    await alice.send(channel, "!chat もう一回")
    assert channel.last_message.content and not channel.last_message.content.startswith("少し待ってから")


async def test_chat_cooldown_is_per_user_across_prefix_slash_and_help(simcord_env: Any,
                                                                      client_locale: dict[int, str]) -> None:
    _, channel, _, alice, bob = world(simcord_env)
    await alice.send(channel, "!help")  # listing commands runs their checks; it must not spend a chat
    for i in range(5):
        await alice.send(channel, f"!chat hello {i}")
    res = await alice.slash(channel, "chat", message="one more")  # the slash side shares the prefix side's bucket
    assert res.ephemeral and res.response.content.startswith("Please wait a little before trying again (")
    await bob.send(channel, "!chat こんにちは")  # another user has a bucket of their own
    assert not channel.last_message.content.startswith("少し待ってから")
    assert [type(e).__name__ for e in simcord_env.errors] == ["CommandOnCooldown"]
