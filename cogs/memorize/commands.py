"""`memorize <text>`: store a fact about the caller as a long-term, high-importance memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

from bot.discord.i18n import t
from bot.discord.ui.base import OmoideCog
from bot.discord.ui.embeds import short_id

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot


class MemorizeCog(OmoideCog, name="memorize"):
    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="memorize", description="Ask me to remember a fact about you")
    @app_commands.describe(text="The fact to remember")
    async def memorize(self, ctx: commands.Context[OmoideBot], *, text: str) -> None:
        """Remember a fact about you: `memorize <text>`."""
        await ctx.defer(ephemeral=self.private(ctx))
        locale, persona = await self.locale_of(ctx), await self.persona_of(ctx)
        saved = await self.services.desk.memorize(persona, str(ctx.author.id), text, session_id=self.session(ctx),
                                                  metadata=self.origin(ctx))
        key = "memorize.reinforced" if saved.deduplicated else "memorize.done"
        await ctx.send(t(locale, key, persona=persona.display_name, id=short_id(saved.memory.id)),
                       ephemeral=self.private(ctx))
