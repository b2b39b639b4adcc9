"""Passive learning (no commands): in channels where an admin enabled it, a user's message and the
bot's previous reply to them are saved as a turn pair, with the author's display name (its vector then
says who spoke, as chat turns do). Opted-out users are skipped. The bot's replies arrive as the
`omoide_reply` event (dispatched by the chat cog), so neither cog reaches into the other."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord.learning import PassiveLearner
from bot.discord.ui.base import OmoideCog

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot

log = logging.getLogger("omoide.learning")


class LearningCog(OmoideCog, name="learning"):
    def __init__(self, bot: OmoideBot) -> None:
        super().__init__(bot)
        self.learner = PassiveLearner(self.services.prefs, self.services.conversation)

    @commands.Cog.listener()
    async def on_omoide_reply(self, user_id: int, channel_id: int, text: str | None,
                              message_id: int | None = None) -> None:
        """`bot.dispatch("omoide_reply", user_id, channel_id, text, message_id)`: the bot answered this user
        here (chat); `text` is None when the built-in companion wrote the reply."""
        self.learner.replies.note(user_id, channel_id, text, message_id)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None or not message.content:
            return
        ctx = await self.bot.get_context(message)
        if ctx.prefix is not None:  # commands are not conversation
            return
        replied_to_bot, replied_to_id = None, None
        ref = message.reference.resolved if message.reference else None
        if isinstance(ref, discord.Message) and self.bot.user is not None and ref.author.id == self.bot.user.id:
            replied_to_bot, replied_to_id = ref.content or None, ref.id
        try:
            persona = await self.bot.persona_for(message.channel.id, message.guild.id)
            await self.learner.observe(persona=persona, user_id=message.author.id, guild_id=message.guild.id,
                                       channel_id=message.channel.id, text=message.content,
                                       replied_to_bot=replied_to_bot, replied_to_id=replied_to_id,
                                       extra={"user_name": message.author.display_name})
        except Exception:  # learning must never disturb the channel
            log.exception("passive learning failed in channel %s", message.channel.id)

    async def red_delete_data_for_user(self, *, requester: str, user_id: int) -> None:
        self.learner.replies.forget_user(user_id)
