"""Admin-only (Manage Server): passive learning per channel, the guild's default persona, purging a
channel's memories (with confirmation), and a status line."""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.desk import discord_session
from bot.discord.i18n import t
from bot.discord.ui.base import OmoideCog
from bot.discord.ui.views import ConfirmView


class AdminCog(OmoideCog, name="admin"):
    @commands.hybrid_group(name="admin", invoke_without_command=True, description="Server settings for Omoide")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    @app_commands.default_permissions(manage_guild=True)
    async def admin(self, ctx: commands.Context[Any]) -> None:
        """Admin: `admin learning on|off [#channel]`, `admin persona <name>`, `admin purge [#channel]`, \
`admin status`."""
        await self.status(ctx)

    @admin.command(name="learning", description="Turn passive learning on or off in a channel")
    @app_commands.describe(state="on or off", channel="The channel (this one by default)")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    async def learning(self, ctx: commands.Context[Any], state: Literal["on", "off"],
                       channel: discord.TextChannel | None = None) -> None:
        locale = await self.locale_of(ctx)
        target = channel or ctx.channel
        await self.services.prefs.set_learning(target.id, ctx.guild.id, state == "on")  # type: ignore[union-attr]
        await ctx.send(t(locale, "admin.learning_on" if state == "on" else "admin.learning_off",
                         channel=target.mention))

    @admin.command(name="persona", description="Set this server's default persona")
    @app_commands.describe(name="The persona's memory_id or display name")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    async def persona(self, ctx: commands.Context[Any], *, name: str) -> None:
        locale = await self.locale_of(ctx)
        chosen = self.services.personas.find(name)
        if chosen is None:
            names = ", ".join(f"`{n}`" for n in self.services.personas.names())
            await ctx.send(t(locale, "persona.unknown", name=name, names=names), ephemeral=True)
            return
        await self.services.prefs.set_guild_persona(ctx.guild.id, chosen.memory_id)  # type: ignore[union-attr]
        await ctx.send(t(locale, "admin.guild_persona", name=chosen.display_name))

    @admin.command(name="purge", description="Delete every memory made in a channel (asks first)")
    @app_commands.describe(channel="The channel (this one by default)")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    async def purge(self, ctx: commands.Context[Any], channel: discord.TextChannel | None = None) -> None:
        locale = await self.locale_of(ctx)
        target = channel or ctx.channel
        session = discord_session(ctx.guild.id, target.id)  # type: ignore[union-attr]
        count = await self.services.desk.count_session(session)
        if count == 0:
            await ctx.send(t(locale, "forget.nothing"), ephemeral=True)
            return

        async def wipe() -> str:
            done = await self.services.desk.purge_session(session, actor=f"discord-admin:{ctx.author.id}")
            return t(locale, "admin.purge_done", channel=target.mention, count=done)

        view = ConfirmView(ctx.author.id, locale, wipe)
        view.message = await ctx.send(t(locale, "admin.purge_confirm", channel=target.mention, count=count),
                                      view=view, ephemeral=True)

    @admin.command(name="status", description="Default persona and channels with passive learning")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    async def status(self, ctx: commands.Context[Any]) -> None:
        locale = await self.locale_of(ctx)
        guild = ctx.guild
        assert guild is not None
        default = await self.bot.persona_for(None, guild.id)
        channels = await self.services.prefs.learning_channels(guild.id)
        listed = ", ".join(f"<#{c}>" for c in channels) or t(locale, "admin.none")
        await ctx.send(t(locale, "admin.status", persona=default.display_name, channels=listed), ephemeral=True)
