"""`remember <query>`: search the caller's memories with the channel's persona (seed: 記憶検索結果)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

from bot.discord.i18n import t
from bot.discord.ui.base import OmoideCog
from bot.discord.ui.embeds import remember_embed

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot


class RememberCog(OmoideCog, name="remember"):
    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="remember", description="Search what I remember about you")
    @app_commands.describe(query="What to look for")
    async def remember(self, ctx: commands.Context[OmoideBot], *, query: str) -> None:
        """Search your memories: `remember <query>`."""
        await ctx.defer(ephemeral=self.private(ctx))
        locale, persona = await self.locale_of(ctx), await self.persona_of(ctx)
        hits = await self.services.desk.search(persona, str(ctx.author.id), query, top_k=5)
        if not hits:
            await ctx.send(t(locale, "remember.none"), ephemeral=True)
            return
        await ctx.send(embed=remember_embed(query, hits, persona, locale, await self.tz_of(ctx)),
                       ephemeral=self.private(ctx))
