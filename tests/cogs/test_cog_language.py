"""The reply language comes from the user's recent messages and the server's locale, not from one short
message: a Japanese user's `!memorize Apex Legends` is answered in Japanese; `language` overrides it."""

from __future__ import annotations

from typing import Any

from bot.discord.client import OmoideBot
from bot.discord.ui.locale import SeenLanguages


async def test_a_short_latin_message_does_not_flip_a_japanese_user(simcord_env: Any) -> None:
    guild = simcord_env.create_guild()  # an en-US server, as Discord makes them
    channel = guild.create_text_channel("general")
    yuki, emma = guild.add_member(simcord_env.create_user("yuki")), guild.add_member(simcord_env.create_user("emma"))
    await yuki.send(channel, "今日もランクマ回すぞ〜")
    await yuki.send(channel, "!memorize Apex Legends")
    assert channel.last_message.content.startswith("覚えました！")
    await yuki.send(channel, "!memorize I main Wraith in ranked every night")  # a real English sentence decides
    assert channel.last_message.content.startswith("Got it, I'll remember that.")
    await yuki.send(channel, "レイスのスキン買っちゃった")
    await yuki.send(channel, "!remember Apex")  # mostly Japanese lately: Japanese
    assert channel.last_message.embeds[0].title == "🧠 記憶検索結果"
    await emma.send(channel, "!memorize Apex Legends")  # no history, an en-US server: the text is all there is
    assert channel.last_message.content.startswith("Got it, I'll remember that.")
    await yuki.send(channel, "!language en")
    await yuki.send(channel, "!memorize 推しはレイス")
    assert channel.last_message.content.startswith("Got it, I'll remember that.")


async def test_a_japanese_server_and_what_was_said_before_a_restart_count(simcord_env: Any,
                                                                         simcord_bot: OmoideBot) -> None:
    ja_guild = simcord_env.create_guild(preferred_locale="ja")
    lounge = ja_guild.create_text_channel("雑談")
    newcomer = ja_guild.add_member(simcord_env.create_user("newcomer"))
    await newcomer.send(lounge, "!memorize Apex Legends")  # nothing known about them, but a Japanese server
    assert lounge.last_message.content.startswith("覚えました！")
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    yuki = guild.add_member(simcord_env.create_user("yuki"))
    await yuki.send(channel, "!memorize 毎晩ランクマッチをしています")
    simcord_bot.seen_languages = SeenLanguages()  # a restart: what was seen in memory is gone, the memories stay
    await yuki.send(channel, "!memorize Apex Legends")
    assert channel.last_message.content.startswith("覚えました！")
