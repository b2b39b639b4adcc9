"""Base class of every Omoide cog: the services, the caller's language, persona and session."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from discord.ext import commands

from bot.discord.desk import discord_session
from bot.personas import Persona

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot
    from bot.services import Services


class OmoideCog(commands.Cog):
    def __init__(self, bot: OmoideBot) -> None:
        self.bot = bot

    @property
    def services(self) -> Services:
        return self.bot.services

    async def locale_of(self, ctx: commands.Context[OmoideBot]) -> str:
        return await self.bot.locale_for(ctx)

    async def tz_of(self, ctx: commands.Context[OmoideBot]) -> tzinfo:
        """The zone dates are shown in for this caller (theirs, the server's, TIMEZONE)."""
        return await self.bot.timezone_for(ctx.author.id, ctx.guild.id if ctx.guild else None)

    async def persona_of(self, ctx: commands.Context[OmoideBot]) -> Persona:
        return await self.bot.persona_for(ctx.channel.id, ctx.guild.id if ctx.guild else None)

    @staticmethod
    def session(ctx: commands.Context[OmoideBot]) -> str:
        return discord_session(ctx.guild.id if ctx.guild else None, ctx.channel.id)

    @staticmethod
    def origin(ctx: commands.Context[OmoideBot]) -> dict[str, Any]:
        """Where a saved memory came from. `user_name` is the author's display name: a Discord user_id is
        a snowflake, so without it a chat turn's vector would not say who spoke (memory.turn_text)."""
        return {"platform": "discord", "channel_id": str(ctx.channel.id),
                "guild_id": str(ctx.guild.id) if ctx.guild else None, "user_name": ctx.author.display_name}

    @staticmethod
    def private(ctx: commands.Context[OmoideBot]) -> bool:
        """Slash replies about a user's own data are ephemeral (prefix replies cannot be)."""
        return ctx.interaction is not None
