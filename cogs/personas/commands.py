"""`persona list | use <name> | info [name]`: the VTuber persona cubes. The active persona is per channel;
switching it in a server needs the Manage Channels permission (it changes who everyone talks to)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.i18n import t
from bot.discord.ui.base import OmoideCog
from bot.discord.ui.embeds import persona_embed, personas_embed
from bot.personas import Persona

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot


def _can_switch(ctx: commands.Context[OmoideBot]) -> bool:
    if ctx.guild is None:
        return True
    assert isinstance(ctx.author, discord.Member)  # in a guild, the author of a command is a member
    perms = ctx.channel.permissions_for(ctx.author)
    if not perms.manage_channels:
        raise commands.MissingPermissions(["manage_channels"])
    return True


class PersonasCog(OmoideCog, name="personas"):
    async def _named(self, ctx: commands.Context[OmoideBot], name: str, locale: str) -> Persona | None:
        found = self.services.personas.find(name)
        if found is None:
            names = ", ".join(f"`{n}`" for n in self.services.personas.names())
            await ctx.send(t(locale, "persona.unknown", name=name, names=names), ephemeral=True)
        return found

    @commands.hybrid_group(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="persona", invoke_without_command=True, description="VTuber personas")
    async def persona(self, ctx: commands.Context[OmoideBot]) -> None:
        """Personas: `persona list`, `persona use <name>`, `persona info [name]`."""
        await self.info(ctx)

    @persona.command(name="list", description="List the personas")  # type: ignore[arg-type]  # see cogs/__init__.py
    async def list_(self, ctx: commands.Context[OmoideBot]) -> None:
        locale, active = await self.locale_of(ctx), await self.persona_of(ctx)
        await ctx.send(embed=personas_embed(self.services.personas.all(), active, locale))

    @persona.command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="use", description="Talk with another persona in this channel")
    @app_commands.describe(name="The persona's memory_id or display name")
    @commands.check(_can_switch)
    async def use(self, ctx: commands.Context[OmoideBot], *, name: str) -> None:
        locale = await self.locale_of(ctx)
        chosen = await self._named(ctx, name, locale)
        if chosen is None:
            return
        await self.services.prefs.set_channel_persona(ctx.channel.id, ctx.guild.id if ctx.guild else None,
                                                      chosen.memory_id)
        await ctx.send(t(locale, "persona.used", name=chosen.display_name))

    @persona.command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="info", description="About a persona (the active one by default)")
    @app_commands.describe(name="The persona's memory_id or display name")
    async def info(self, ctx: commands.Context[OmoideBot], *, name: str | None = None) -> None:
        locale = await self.locale_of(ctx)
        chosen = await self._named(ctx, name, locale) if name else await self.persona_of(ctx)
        if chosen is None:
            return
        yours = await self.services.desk.count_persona(chosen, str(ctx.author.id))
        model = self.services.conversation.models.describe(chosen)
        await ctx.send(embed=persona_embed(chosen, yours, locale, model))
