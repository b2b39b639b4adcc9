"""`help [command]` (prefix and `/help`): the commands grouped the way users think of them (talk,
remember, your data, server admin), in the caller's language; the server admin group only for those
who may use it. It replaces discord.py's default help, which is English-only and lists cogs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.command_texts import HELP_GROUPS, JA, localized, permission_names, usage
from bot.discord.i18n import t
from bot.discord.ui.base import OmoideCog

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot

_ADMIN_PERMISSION = "manage_guild"
_EMBED_COLOUR = discord.Colour.blurple()


def _canonical(name: str) -> str:
    """`persona 切り替え` or `Persona Use` -> `persona use` (Japanese names are accepted too)."""
    english = {ja: en for en, ja in JA["name"].items()}
    return " ".join(english.get(word, word.lower()) for word in name.split())


class HelpCog(OmoideCog, name="help"):
    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="help", description="How to use Omoide, or the details of one command")
    @app_commands.describe(command="A command name (all commands by default)")
    async def help(self, ctx: commands.Context[OmoideBot], *, command: str | None = None) -> None:
        """How to use Omoide: `help [command]`."""
        locale = await self.locale_of(ctx)
        prefix = "/" if ctx.interaction is not None else ctx.clean_prefix
        if command is None:
            await ctx.send(embed=self._overview(ctx, locale, prefix), ephemeral=True)
            return
        found = self.bot.get_command(_canonical(command))
        if found is None or found.qualified_name == "help":
            await ctx.send(t(locale, "help.unknown", name=command, prefix=prefix), ephemeral=True)
            return
        await ctx.send(embed=self._details(found, locale, prefix), ephemeral=True)

    def _overview(self, ctx: commands.Context[OmoideBot], locale: str, prefix: str) -> discord.Embed:
        embed = discord.Embed(title=t(locale, "help.title"), description=t(locale, "help.intro", prefix=prefix),
                              colour=_EMBED_COLOUR)
        for key, titles, names in HELP_GROUPS:
            if key == "admin":
                if not self._is_admin(ctx):
                    continue
                needs = t(locale, "help.admin_needs", perms=permission_names([_ADMIN_PERMISSION], locale))
                title = f"{titles[locale]} {needs}"
            else:
                title = titles[locale]
            lines = []
            for name in names:
                cmd = self.bot.get_command(name)
                if cmd is not None:  # its cog may be disabled
                    summary = localized("description", cmd.description, locale)
                    lines.append(f"`{usage(cmd, prefix, locale)}` — {summary}")
            if lines:
                embed.add_field(name=title, value="\n".join(lines), inline=False)
        embed.set_footer(text=t(locale, "help.footer", prefix=prefix))
        return embed

    @staticmethod
    def _is_admin(ctx: commands.Context[OmoideBot]) -> bool:
        return isinstance(ctx.author, discord.Member) and getattr(ctx.author.guild_permissions, _ADMIN_PERMISSION)

    @staticmethod
    def _details(cmd: commands.Command[Any, ..., Any], locale: str, prefix: str) -> discord.Embed:
        embed = discord.Embed(title=usage(cmd, prefix, locale), colour=_EMBED_COLOUR,
                              description=localized("description", cmd.description, locale))
        slash = getattr(cmd, "app_command", None)
        options = []
        for name in cmd.clean_params:
            parameter = slash.get_parameter(name) if isinstance(slash, app_commands.Command) else None
            if parameter is not None and parameter.description not in ("", "…"):
                label = localized("parameter", name, locale)
                options.append(f"`{label}` — {localized('description', parameter.description, locale)}")
        if options:
            embed.add_field(name=t(locale, "help.options"), value="\n".join(options), inline=False)
        return embed
