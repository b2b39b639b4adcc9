"""Every command as a slash command (the hybrid commands' application side), in English."""

from __future__ import annotations

from typing import Any

import discord

from bot.services import Services
from memory.types import MemoryFilter


async def test_every_command_as_slash(simcord_env: Any, services: Services, client_locale: dict[int, str]) -> None:
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    staff = guild.create_role("staff", permissions=discord.Permissions(manage_guild=True, manage_channels=True))
    admin = guild.add_member(simcord_env.create_user("admin"), roles=[staff])
    alice = guild.add_member(simcord_env.create_user("alice"))
    client_locale.update({admin.id: "en-GB", alice.id: "en-US"})

    res = await alice.slash(channel, "memorize", text="I love my dog Pochi so much, he makes me happy")
    assert res.ephemeral and res.response.content.startswith("Got it, I'll remember that.")
    await alice.slash(channel, "memorize", text="I am worried and sad about my exam next week")
    res = await alice.slash(channel, "remember", query="my dog")
    assert res.response.embeds[0].title == "🧠 Memory search" and "Pochi" in res.response.embeds[0].fields[0].value
    res = await alice.slash(channel, "memories", limit=1)
    assert "page 1/2" in res.response.embeds[0].description
    await alice.click(res.response.message, label="Next")
    assert "page 2/2" in res.response.embeds[0].description  # the ephemeral message was edited
    res = await alice.slash(channel, "emotions")
    embed = res.response.embeds[0]
    assert embed.title == "📊 Your emotion statistics" and embed.fields and res.response.attachments
    res = await alice.slash(channel, "chat", message="Do you remember my dog?")
    assert "Pochi" in res.response.content
    res = await alice.slash(channel, "privacy", setting="status")
    assert res.ephemeral and res.response.content.startswith("Learning is on for you")
    res = await alice.slash(channel, "persona info")
    assert res.response.embeds[0].title == "🎭 ココロ"
    res = await admin.slash(channel, "persona use", name="nova")
    assert res.response.content == "This channel now talks with **Nova**."
    res = await admin.slash(channel, "admin learning", state="on")
    assert res.response.content.startswith(f"Passive learning is now on in <#{channel.id}>")
    res = await admin.slash(channel, "admin persona", name="listy")
    assert res.response.content == "This server's default persona is now **リスティー**."
    res = await admin.slash(channel, "admin status")
    assert res.ephemeral and f"<#{channel.id}>" in res.response.content
    res = await alice.slash(channel, "mydata")
    assert res.ephemeral and res.response.content.startswith("I sent you your data (")
    mine = (await services.engine.list(MemoryFilter(user_id=str(alice.id)))).memories
    res = await alice.slash(channel, "forget", target=mine[0].id)
    assert res.response.content == f"Deleted 1 memory (ID: `{mine[0].id[:8]}`)."
    res = await admin.slash(channel, "admin purge")
    assert res.ephemeral and res.response.content.startswith(f"⚠️ This deletes the {len(mine) - 1} memories")
    await admin.click(res.response.message, label="Delete")
    assert (await services.engine.list(MemoryFilter(user_id=str(alice.id)))).total == 0
    res = await alice.slash(channel, "language", language="ja")
    assert res.response.content == "これからは日本語でお返事します。"
