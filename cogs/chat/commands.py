"""`chat <message>`: a reply that uses what the persona remembers about you, then remembers the exchange."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

from bot.discord.i18n import t
from bot.discord.learning import BotReply
from bot.discord.ui.base import OmoideCog
from bot.discord.ui.locale import detect_language

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot

MAX_MESSAGE = 2000
RATE, PER = 5, 30.0  # chats per user per 30 s: each one may cost LLM calls


class ChatCog(OmoideCog, name="chat"):
    def __init__(self, bot: OmoideBot) -> None:
        super().__init__(bot)
        # `@commands.cooldown` keeps one mapping on the function, shared by every bot in the process;
        # each cog instance gets its own so a restarted bot (or a test) starts with fresh buckets.
        self.cooldowns: commands.CooldownMapping[commands.Context[OmoideBot]] = commands.CooldownMapping.from_cooldown(
            RATE, PER, commands.BucketType.user)

    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="chat", description="Talk with the channel's persona; it remembers you")
    @app_commands.describe(message="What you want to say")
    async def chat(self, ctx: commands.Context[OmoideBot], *, message: str) -> None:
        """Talk with the persona: `chat <message>`."""
        await ctx.defer()
        locale, persona = await self.locale_of(ctx), await self.persona_of(ctx)
        opted_out = await self.services.prefs.opted_out(ctx.author.id)
        # the reply's language: the user's own setting, else the message's, else the caller's locale
        chosen = await self.services.prefs.user_locale(ctx.author.id)
        language = chosen or detect_language(message) or locale
        reply = await self.services.conversation.reply(
            persona, str(ctx.author.id), message, user_name=ctx.author.display_name, session_id=self.session(ctx),
            metadata=self.origin(ctx), save=not opted_out, language=language, tz=await self.tz_of(ctx))
        text = reply.text
        if opted_out:
            text += "\n" + t(reply.language, "chat.not_saved")
        if len(text) > MAX_MESSAGE:
            text = text[: MAX_MESSAGE - 1] + "…"
        sent = await ctx.send(text)
        # other cogs hear of the reply through an event (the learning cog pairs it with the user's next message);
        # only the model's words count as what the bot said, never the built-in responder's canned lines
        answers = ctx.interaction.id if ctx.interaction is not None else ctx.message.id
        self.bot.dispatch("omoide_reply", BotReply(ctx.author.id, ctx.channel.id, answers, getattr(sent, "id", None),
                                                   reply.text if reply.used_llm else None))

    @chat.before_invoke
    async def within_rate(self, ctx: commands.Context[OmoideBot]) -> None:
        """RATE chats per user per PER seconds. A before-invoke hook rather than a check, so `help` (which
        runs checks to list commands) never spends a chat; raising CommandOnCooldown here reaches
        on_command_error as discord.py's own cooldown would, with the same message."""
        now = ctx.message.created_at.timestamp()  # the message's time, as discord.py's cooldowns use
        bucket = self.cooldowns.get_bucket(ctx, now)
        retry_after = bucket.update_rate_limit(now) if bucket is not None else None
        if bucket is not None and retry_after:
            raise commands.CommandOnCooldown(bucket, retry_after, commands.BucketType.user)
