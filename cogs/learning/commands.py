"""Passive learning (no commands): in channels where an admin enabled it, a user's message and the
bot's reply it follows are saved as a turn pair, with the author's display name (its vector then says
who spoke, as chat turns do). Opted-out users are skipped. The bot's replies arrive as the
`omoide_reply` event (a `BotReply`, dispatched by the chat cog), so neither cog reaches into the other;
every message and slash command a user sends is noted, so a reply pairs only with what directly follows
the message it answered (bot.discord.learning)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord.learning import BotReply, PassiveLearner
from bot.discord.ui.base import OmoideCog

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot

log = logging.getLogger("omoide.learning")


class LearningCog(OmoideCog, name="learning"):
    def __init__(self, bot: OmoideBot) -> None:
        super().__init__(bot)
        self.learner = PassiveLearner(self.services.prefs, self.services.conversation)

    @commands.Cog.listener()
    async def on_omoide_reply(self, reply: BotReply) -> None:
        """`bot.dispatch("omoide_reply", BotReply(...))`: the bot answered one of this user's messages (chat)."""
        self.learner.replies.note(reply)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A slash command is something the user said here too (a `/chat` reply answers it)."""
        if interaction.type == discord.InteractionType.application_command and interaction.channel_id is not None:
            self.learner.replies.heard(interaction.user.id, interaction.channel_id, interaction.id)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None:
            return
        follows = self.learner.replies.heard(message.author.id, message.channel.id, message.id)  # before any await
        if not message.content:
            return
        ctx = await self.bot.get_context(message)
        if ctx.prefix is not None:  # commands are not conversation
            return
        replied_to = message.reference.message_id if message.reference else None
        try:
            persona = await self.bot.persona_for(message.channel.id, message.guild.id)
            await self.learner.observe(persona=persona, user_id=message.author.id, guild_id=message.guild.id,
                                       channel_id=message.channel.id, text=message.content, follows=follows,
                                       replied_to=replied_to, extra={"user_name": message.author.display_name})
        except Exception:  # learning must never disturb the channel
            log.exception("passive learning failed in channel %s", message.channel.id)

    async def red_delete_data_for_user(self, *, requester: str, user_id: int) -> None:
        self.learner.replies.forget_user(user_id)
