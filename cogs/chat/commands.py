"""`chat <message>`: a reply that uses what the persona remembers about you, then remembers the exchange."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

from bot.discord.i18n import t
from bot.discord.ui.base import OmoideCog

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot

MAX_MESSAGE = 2000
RATE, PER = 5, 30.0  # chats per user per 30 s: each one may cost LLM calls


class ChatCog(OmoideCog, name="chat"):
    def __init__(self, bot: OmoideBot) -> None:
        super().__init__(bot)
        # `@commands.cooldown` keeps one mapping on the function, shared by every bot in the process;
        # each cog instance gets its own so a restarted bot (or a test) starts with fresh buckets.
        self.chat._buckets = commands.CooldownMapping(commands.Cooldown(RATE, PER), commands.BucketType.user)

    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="chat", description="Talk with the channel's persona; it remembers you")
    @app_commands.describe(message="What you want to say")
    async def chat(self, ctx: commands.Context[OmoideBot], *, message: str) -> None:
        """Talk with the persona: `chat <message>`."""
        await ctx.defer()
        locale, persona = await self.locale_of(ctx), await self.persona_of(ctx)
        opted_out = await self.services.prefs.opted_out(ctx.author.id)
        reply = await self.services.conversation.reply(
            persona, str(ctx.author.id), message, user_name=ctx.author.display_name, session_id=self.session(ctx),
            metadata=self.origin(ctx), save=not opted_out)
        text = reply.text
        if opted_out:
            text += "\n" + t(locale, "chat.not_saved")
        if len(text) > MAX_MESSAGE:
            text = text[: MAX_MESSAGE - 1] + "…"
        await ctx.send(text)
        self.bot.learner.replies.note(ctx.author.id, ctx.channel.id, reply.text)
