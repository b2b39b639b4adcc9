"""`memories [limit 1-10]`: the caller's latest memories as an embed, paged with buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.i18n import t
from bot.discord.ui.base import OmoideCog
from bot.discord.ui.embeds import memories_embed, pages_of
from bot.discord.ui.views import PagerView

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot


class MemoriesCog(OmoideCog, name="memories"):
    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="memories", description="Your latest memories, page by page")
    @app_commands.describe(limit="Memories per page (1-10)")
    async def memories(self, ctx: commands.Context[OmoideBot], limit: int = 5) -> None:
        """Your latest memories: `memories [1-10]`."""
        limit = max(1, min(limit, 10))  # the seed clamps to 1-10
        await ctx.defer(ephemeral=self.private(ctx))
        locale, persona = await self.locale_of(ctx), await self.persona_of(ctx)
        user_id = str(ctx.author.id)
        page = await self.services.desk.latest(persona, user_id, limit=limit)
        if not page.memories:
            await ctx.send(t(locale, "memories.none"), ephemeral=True)
            return
        tz = await self.tz_of(ctx)
        embed = memories_embed(page, persona, locale, tz)
        if pages_of(page) == 1:
            await ctx.send(embed=embed, ephemeral=self.private(ctx))
            return

        async def render(index: int) -> discord.Embed:
            return memories_embed(await self.services.desk.latest(persona, user_id, limit=limit,
                                                                  offset=index * limit), persona, locale, tz)

        view = PagerView(ctx.author.id, locale, pages_of(page), render)
        view.message = await ctx.send(embed=embed, view=view, ephemeral=self.private(ctx))
