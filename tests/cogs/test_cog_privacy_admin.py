"""forget (one id, all with a confirmation button), mydata by DM, personas, admin permissions, a
unknown cog name, and an unexpected error reaching the user as a short message with its log reference."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import discord
import httpx
import pytest
from aiohttp import web
from discord.ext import commands

from bot.api.app import create_app
from bot.discord.client import enabled_cogs
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


async def mine(services: Services, user: Any) -> list[Any]:
    return (await services.engine.list(MemoryFilter(user_id=str(user.id)))).memories


async def test_forget_one_by_id_or_prefix_and_never_someone_elses(simcord_env: Any, services: Services) -> None:
    _, channel, _, alice, bob = world(simcord_env)
    await alice.send(channel, "!memorize 電話番号は秘密です")
    await alice.send(channel, "!memorize 猫を二匹飼っています")
    await bob.send(channel, "!memorize 僕は犬派です")
    bobs = (await mine(services, bob))[0]
    await alice.send(channel, f"!forget {bobs.id}")
    assert channel.last_message.content.startswith("その ID の記憶は見つかりませんでした")
    assert len(await mine(services, bob)) == 1
    secret = next(m for m in await mine(services, alice) if "電話番号" in m.content)
    await alice.send(channel, f"!forget {secret.id[:8]}")
    assert channel.last_message.content == f"記憶を1件削除しました（ID: `{secret.id[:8]}`）。"
    assert [m.content for m in await mine(services, alice)] == ["猫を二匹飼っています"]
    await alice.send(channel, "!forget zz")
    assert channel.last_message.content.startswith("その ID の記憶は見つかりませんでした")


async def test_forget_all_asks_first_and_only_the_owner_can_confirm(simcord_env: Any, services: Services,
                                                                    client_locale: dict[int, str]) -> None:
    _, channel, _, alice, bob = world(simcord_env)
    await alice.send(channel, "!memorize 好きな季節は秋")
    await alice.send(channel, "!privacy off")
    await bob.send(channel, "!memorize 好きな季節は夏")
    await alice.send(channel, "!forget all")
    ask = channel.last_message
    assert ask.content.startswith("⚠️ あなたの記憶をすべて（1 件・全ペルソナ分）削除します")
    assert len(await mine(services, alice)) == 1  # nothing deleted before the button
    denied = await bob.click(ask, label="削除する")
    assert denied.ephemeral and "コマンドを使った人だけ" in denied.response.content
    await alice.click(ask, label="キャンセル")
    assert channel.last_message.content == "キャンセルしました。何も削除していません。"
    assert len(await mine(services, alice)) == 1
    await alice.send(channel, "!forget all")
    await alice.click(channel.last_message, label="削除する")
    assert channel.last_message.content == "あなたの記憶を 1 件すべて削除しました。"
    assert await mine(services, alice) == [] and len(await mine(services, bob)) == 1
    assert await services.prefs.opted_out(alice.id)  # the opt-out survives so it keeps being honoured
    client_locale[alice.id] = "en"
    res = await alice.slash(channel, "forget", target="all")
    assert res.ephemeral and res.response.content == "There are no memories to delete."


async def test_forget_all_times_out_without_deleting(simcord_env: Any, services: Services) -> None:
    _, channel, _, alice, _ = world(simcord_env)
    await alice.send(channel, "!memorize 秘密の場所は屋上")
    await alice.send(channel, "!forget all")
    await simcord_env.advance_time(61)
    assert channel.last_message.content == "時間切れです。何も削除していません。"
    assert len(await mine(services, alice)) == 1


async def test_mydata_sends_a_jsonl_file_by_dm(simcord_env: Any, services: Services) -> None:
    _, channel, _, alice, bob = world(simcord_env)
    await alice.send(channel, "!memorize 誕生日は三月三日")
    await alice.send(channel, "!chat こんにちは")
    await services.conversation.drain()
    await bob.send(channel, "!memorize 誕生日は十月")
    await alice.send(channel, "!mydata")
    assert channel.last_message.content == "あなたのデータ（2 件）を DM で送りました。"
    dm = alice.user.dm_channel.last_message
    assert dm.content.startswith("Omoide が保存しているあなたのデータです")
    data = simcord_env.backend.cdn.get(dm.attachments[0].url).decode()
    rows = [json.loads(line) for line in data.splitlines()]
    assert {r["user_id"] for r in rows} == {str(alice.id)} and len(rows) == 2
    assert {r["kind"] for r in rows} == {"content", "turn"} and "embedding" not in rows[0]
    assert any(r["content"] == "誕生日は三月三日" for r in rows)
    # the DM also carries the private page's link: it shows alice's memories, not bob's
    [url] = re.findall(r"http://\S+/console/privacy/\S+", dm.content)
    runner = web.AppRunner(create_app(services, services.settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{runner.addresses[0][1]}") as c:
            page = await c.get("/console" + url.split("/console", 1)[1])
    finally:
        await runner.cleanup()
    assert page.status_code == 200 and "誕生日は三月三日" in page.text and "十月" not in page.text


async def test_personas_list_use_info_and_permission(simcord_env: Any, services: Services,
                                                     client_locale: dict[int, str]) -> None:
    guild, channel, admin, alice, _ = world(simcord_env)
    client_locale[alice.id] = "ja"
    res = await alice.slash(channel, "persona list")
    names = [f.name for f in res.response.embeds[0].fields]
    assert names[0] == "ココロ (`cocoro`) （このチャンネルで使用中）" and "Nova (`nova`)" in names
    await alice.send(channel, "!persona use nova")
    assert channel.last_message.content == "このコマンドにはサーバーの「チャンネルの管理」権限が必要です。"
    assert [type(e) for e in simcord_env.errors] == [commands.MissingPermissions]
    mods = guild.create_role("mods", permissions=discord.Permissions(manage_channels=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    await mod.send(channel, "!persona use リスティー")
    assert channel.last_message.content == "このチャンネルのペルソナを **リスティー** にしました。"
    await mod.send(channel, "!persona use miku")
    assert channel.last_message.content.startswith("「miku」というペルソナはありません。使えるのは: `cocoro`")
    await alice.send(channel, "!memorize 本を読むのが好き")
    res = await alice.slash(channel, "persona info")
    info = {f.name: f.value for f in res.response.embeds[0].fields}
    assert info["記憶キューブ"] == "`user_user_listy_cube`" and info["あなたとの記憶"] == "1"
    res = await alice.slash(channel, "persona info", name="cocoro")
    assert {f.name: f.value for f in res.response.embeds[0].fields}["あなたとの記憶"] == "0"


async def test_admin_commands_need_manage_server(simcord_env: Any, services: Services) -> None:
    guild, channel, admin, alice, _ = world(simcord_env)
    await alice.send(channel, "!admin learning on")
    assert channel.last_message.content == "このコマンドにはサーバーの「サーバー管理」権限が必要です。"
    assert not await services.prefs.learning_enabled(channel.id)
    # the slash group is hidden from members (default permissions) and shown to admins
    assert not [c for c in alice.available_commands(channel) if c.startswith("admin")]
    assert "admin purge" in admin.available_commands(channel)
    await admin.send(channel, "!admin persona Nova")
    assert channel.last_message.content == "このサーバーの既定のペルソナを **Nova** にしました。"
    other = guild.create_text_channel("other")
    await alice.send(other, "!memorize I like green tea a lot")
    assert (await mine(services, alice))[0].scope.cube == "user_user_nova_cube"
    await admin.send(channel, "!admin status")
    assert channel.last_message.content.startswith("既定のペルソナ: **Nova**")
    await admin.send(channel, "!admin persona nobody")
    assert "「nobody」というペルソナはありません" in channel.last_message.content
    assert {type(e) for e in simcord_env.errors} == {commands.MissingPermissions}


async def test_admin_purge_deletes_a_channels_memories_after_confirmation(simcord_env: Any,
                                                                          services: Services) -> None:
    guild, channel, admin, alice, bob = world(simcord_env)
    other = guild.create_text_channel("other")
    await alice.send(channel, "!memorize ここで話したこと")
    await bob.send(channel, "!memorize ここで話したことその二")
    await alice.send(other, "!memorize 別のチャンネルの話")
    await admin.send(channel, "!admin purge")
    ask = channel.last_message
    assert ask.content.startswith(f"⚠️ <#{channel.id}> で作られた記憶 2 件を削除します")
    await admin.click(ask, label="削除する")
    assert channel.last_message.content == f"<#{channel.id}> の記憶を 2 件削除しました。"
    assert [m.content for m in await mine(services, alice)] == ["別のチャンネルの話"]
    assert await mine(services, bob) == []


async def test_direct_messages_work_but_admin_is_guild_only(simcord_env: Any, services: Services) -> None:
    _, _, _, alice, _ = world(simcord_env)
    user = simcord_env.create_user("dmuser")
    await user.send_dm("!memorize DMで覚えてほしいこと")
    assert user.dm_channel.last_message.content.startswith("覚えました！")
    await user.send_dm("!admin status")
    assert user.dm_channel.last_message.content == "このコマンドはサーバー内でのみ使えます。"
    assert [type(e) for e in simcord_env.errors] == [commands.NoPrivateMessage]


async def test_an_unexpected_error_is_short_for_the_user_and_detailed_in_the_log(
        simcord_env: Any, services: Services, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    _, channel, _, alice, _ = world(simcord_env)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database exploded: token=abc.def.ghi")

    monkeypatch.setattr(services.desk, "search", broken)
    with caplog.at_level(logging.ERROR, logger="omoide.discord"):
        await alice.send(channel, "!remember 何か")
    text = channel.last_message.content
    assert text.startswith("ごめんなさい、うまく処理できませんでした。") and "exploded" not in text
    ref = text.rsplit("エラー ID: ", 1)[1].rstrip("）")
    assert f"ref={ref}" in caplog.text and "database exploded" in caplog.text
    assert [type(e) for e in simcord_env.errors] == [commands.CommandInvokeError]


def test_unknown_disabled_cog_is_named() -> None:
    with pytest.raises(ValueError, match="DISABLED_COGS names unknown cog.*emoji"):
        enabled_cogs({"emoji"})
    assert "chat" not in enabled_cogs({"chat", "learning"})
