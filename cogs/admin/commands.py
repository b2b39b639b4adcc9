"""Admin-only (Manage Server): passive learning per channel, the guild's default persona and time zone,
purging a channel's memories (with confirmation), and a status line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.desk import discord_session
from bot.discord.i18n import t
from bot.discord.ui.base import OmoideCog
from bot.discord.ui.embeds import when
from bot.discord.ui.views import ConfirmView
from config.timezones import zone_label, zone_named
from memory.clock import utcnow

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot

# where a guild-only command can run (not a DM or a group DM)
GuildMessageable = (discord.TextChannel | discord.VoiceChannel | discord.StageChannel | discord.Thread
                    | discord.PartialMessageable)


def _guild_and_channel(ctx: commands.Context[OmoideBot]) -> tuple[discord.Guild, GuildMessageable]:
    """The guild and channel of a command that `commands.guild_only()` let through."""
    channel = ctx.channel
    assert ctx.guild is not None and not isinstance(channel, (discord.DMChannel, discord.GroupChannel))
    return ctx.guild, channel


# Not `TextChannel | None`: with an optional type discord.py drops a channel it cannot find (`#nochannel`)
# and the command would act on this channel instead; with a default it says the channel was not found.
THIS_CHANNEL = commands.parameter(default=lambda ctx: ctx.channel, displayed_default="this channel")


class AdminCog(OmoideCog, name="admin"):
    @commands.hybrid_group(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="admin", invoke_without_command=True, description="Server settings for Omoide")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    @app_commands.default_permissions(manage_guild=True)
    async def admin(self, ctx: commands.Context[OmoideBot]) -> None:
        """Admin: `admin learning on|off [#channel]`, `admin persona <name>`, `admin purge [#channel]`, \
`admin status`."""
        await self.status(ctx)

    @admin.command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="learning", description="Turn passive learning on or off in a channel")
    @app_commands.describe(state="on or off", channel="The channel (this one by default)")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    async def learning(self, ctx: commands.Context[OmoideBot], state: Literal["on", "off"],
                       channel: discord.TextChannel = THIS_CHANNEL) -> None:
        locale = await self.locale_of(ctx)
        guild, _ = _guild_and_channel(ctx)
        target = channel
        await self.services.prefs.set_learning(target.id, guild.id, state == "on")
        await ctx.send(t(locale, "admin.learning_on" if state == "on" else "admin.learning_off",
                         channel=target.mention))

    @admin.command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="persona", description="Set this server's default persona")
    @app_commands.describe(name="The persona's memory_id or display name")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    async def persona(self, ctx: commands.Context[OmoideBot], *, name: str) -> None:
        locale = await self.locale_of(ctx)
        chosen = self.services.personas.find(name)
        if chosen is None:
            names = ", ".join(f"`{n}`" for n in self.services.personas.names())
            await ctx.send(t(locale, "persona.unknown", name=name, names=names), ephemeral=True)
            return
        guild, _ = _guild_and_channel(ctx)
        await self.services.prefs.set_guild_persona(guild.id, chosen.memory_id)
        await ctx.send(t(locale, "admin.guild_persona", name=chosen.display_name))

    @admin.command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="timezone", description="Set this server's default time zone for dates")
    @app_commands.describe(zone="A zone name such as Asia/Tokyo, or auto (the bot's TIMEZONE)")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    async def timezone(self, ctx: commands.Context[OmoideBot], zone: str) -> None:
        locale = await self.locale_of(ctx)
        guild, _ = _guild_and_channel(ctx)
        chosen = None if zone.strip().lower() == "auto" else zone_named(zone)
        if chosen is None and zone.strip().lower() != "auto":
            await ctx.send(t(locale, "timezone.unknown", zone=zone[:64]), ephemeral=True)
            return
        await self.services.prefs.set_guild_timezone(guild.id, chosen.key if chosen else None)
        tz = chosen or self.bot.default_timezone
        await ctx.send(t(locale, "admin.timezone", zone=zone_label(tz), now=when(utcnow(), tz)))

    @admin.command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="purge", description="Delete every memory made in a channel (asks first)")
    @app_commands.describe(channel="The channel (this one by default)")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    async def purge(self, ctx: commands.Context[OmoideBot], channel: discord.TextChannel = THIS_CHANNEL) -> None:
        locale = await self.locale_of(ctx)
        guild, _ = _guild_and_channel(ctx)
        target = channel
        session = discord_session(guild.id, target.id)
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

    @admin.command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="status", description="Default persona and channels with passive learning")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    async def status(self, ctx: commands.Context[OmoideBot]) -> None:
        locale = await self.locale_of(ctx)
        guild = ctx.guild
        assert guild is not None
        default = await self.bot.persona_for(None, guild.id)
        channels = await self.services.prefs.learning_channels(guild.id)
        listed = ", ".join(f"<#{c}>" for c in channels) or t(locale, "admin.none")
        name = await self.services.prefs.guild_timezone(guild.id)
        zone = zone_label((zone_named(name) if name else None) or self.bot.default_timezone)
        await ctx.send(t(locale, "admin.status", persona=default.display_name, zone=zone, channels=listed),
                       ephemeral=True)
