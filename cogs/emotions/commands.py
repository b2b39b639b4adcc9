"""`emotions`: top emotions with counts and percentages (as in the seed) and a chart over time."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord.charts import render_emotion_chart
from bot.discord.i18n import t
from bot.discord.ui.base import OmoideCog
from bot.discord.ui.embeds import emotions_embed

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot

CHART = "emotions.png"


class EmotionsCog(OmoideCog, name="emotions"):
    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="emotions", description="Your emotion statistics and a chart over time")
    async def emotions(self, ctx: commands.Context[OmoideBot]) -> None:
        """Your emotion statistics: `emotions`."""
        await ctx.defer(ephemeral=self.private(ctx))
        locale, persona = await self.locale_of(ctx), await self.persona_of(ctx)
        stats = await self.services.desk.emotion_stats(persona, str(ctx.author.id))
        if not stats.top:
            await ctx.send(t(locale, "emotions.none"), ephemeral=True)
            return
        png = await asyncio.to_thread(render_emotion_chart, stats.timeline, [label for label, _, _ in stats.top],
                                      locale, t(locale, "emotions.chart_title"), t(locale, "emotions.chart_y"),
                                      await self.tz_of(ctx))
        await ctx.send(embed=emotions_embed(stats, persona, locale, CHART),
                       file=discord.File(io.BytesIO(png), filename=CHART), ephemeral=self.private(ctx))
