"""Privacy: `forget <id | all>` (all asks for confirmation), `mydata` (JSONL by DM), `privacy on|off|status`,
`language ja|en|auto`, `timezone [zone|auto]`. Every user can see and delete what the bot keeps about them."""

from __future__ import annotations

import gzip
import io
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.console.tokens import privacy_link
from bot.discord.i18n import t
from bot.discord.ui.base import OmoideCog
from bot.discord.ui.embeds import short_id, when
from bot.discord.ui.views import ConfirmView
from config.timezones import zone_label, zone_named
from memory.clock import utcnow

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot

ALL_WORDS = {"all", "*", "全部", "すべて", "全て"}
DM_FILE_LIMIT = 8 * 1024 * 1024


class PrivacyCog(OmoideCog, name="privacy"):
    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="forget", description="Delete one of your memories by ID, or all of them")
    @app_commands.describe(target="A memory ID (or its first characters), or 'all'")
    async def forget(self, ctx: commands.Context[OmoideBot], target: str) -> None:
        """Delete a memory: `forget <id>`, or everything: `forget all`."""
        await ctx.defer(ephemeral=self.private(ctx))
        locale, desk, user_id = await self.locale_of(ctx), self.services.desk, ctx.author.id
        if target.strip().lower() in ALL_WORDS:
            count = await desk.count_user(str(user_id))
            if count == 0:
                await ctx.send(t(locale, "forget.nothing"), ephemeral=True)
                return

            async def wipe() -> str:
                return t(locale, "forget.all_done", count=await self.bot.delete_user_data(user_id))

            view = ConfirmView(user_id, locale, wipe)
            view.message = await ctx.send(t(locale, "forget.confirm", count=count), view=view, ephemeral=True)
            return
        ids = await desk.resolve_id(str(user_id), target)
        if len(ids) != 1:
            await ctx.send(t(locale, "forget.ambiguous" if ids else "forget.not_found"), ephemeral=True)
            return
        deleted = await desk.forget_one(str(user_id), ids[0])
        await ctx.send(t(locale, "forget.done", id=short_id(deleted[0])) if deleted else t(locale, "forget.not_found"),
                       ephemeral=True)

    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="mydata", description="Get everything I keep about you, as a file by DM")
    async def mydata(self, ctx: commands.Context[OmoideBot]) -> None:
        """Everything kept about you, as JSONL by DM, with a private link to see and delete it: `mydata`."""
        await ctx.defer(ephemeral=True)
        locale = await self.locale_of(ctx)
        data, count = await self.services.desk.export(str(ctx.author.id))
        name = f"omoide-mydata-{ctx.author.id}.jsonl"
        if len(data) > DM_FILE_LIMIT:  # Discord's upload limit: a long history goes compressed
            data, name = gzip.compress(data), name + ".gz"
        settings = self.services.settings
        link = t(locale, "mydata.link", minutes=settings.privacy_link_minutes,
                 url=privacy_link(settings, str(ctx.author.id), self.services.desk.tenant))
        try:
            await ctx.author.send(f"{t(locale, 'mydata.dm_text')}\n{link}",
                                  file=discord.File(io.BytesIO(data), filename=name))
        except discord.Forbidden:  # the link only where no one else reads it: an ephemeral slash reply
            closed = t(locale, "mydata.dm_closed")
            await ctx.send(f"{closed}\n{link}" if ctx.interaction is not None else closed, ephemeral=True)
            return
        await ctx.send(t(locale, "mydata.sent", count=count), ephemeral=True)

    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="privacy", description="Stop (off) or allow (on) learning from your messages")
    @app_commands.describe(setting="off: do not learn from me; on: allow; status: show")
    async def privacy(self, ctx: commands.Context[OmoideBot],
                      setting: Literal["on", "off", "status"] = "status") -> None:
        """Learning from your messages: `privacy on|off|status`."""
        locale, prefs = await self.locale_of(ctx), self.services.prefs
        if setting == "status":
            key = "privacy.status_off" if await prefs.opted_out(ctx.author.id) else "privacy.status_on"
        else:
            await prefs.set_opted_out(ctx.author.id, setting == "off")
            key = "privacy.off" if setting == "off" else "privacy.on"
        await ctx.send(t(locale, key), ephemeral=True)

    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="language", description="Reply language: ja, en, or auto")
    @app_commands.describe(language="ja, en, or auto (follow your Discord language / your messages)")
    async def language(self, ctx: commands.Context[OmoideBot], language: Literal["ja", "en", "auto"]) -> None:
        """Choose the reply language: `language ja|en|auto`."""
        await self.services.prefs.set_user_locale(ctx.author.id, None if language == "auto" else language)
        locale = await self.locale_of(ctx)
        await ctx.send(t(locale, "language.auto" if language == "auto" else "language.set"), ephemeral=True)

    @commands.hybrid_command(  # type: ignore[arg-type]  # see cogs/__init__.py
        name="timezone", description="The time zone your dates are shown in")
    @app_commands.describe(zone="A zone name such as Asia/Tokyo, or auto (the server's / bot's default)")
    async def timezone(self, ctx: commands.Context[OmoideBot], zone: str | None = None) -> None:
        """Show or set the time zone of your dates: `timezone [Asia/Tokyo|auto]`."""
        locale, prefs = await self.locale_of(ctx), self.services.prefs
        if zone is None:
            tz = await self.tz_of(ctx)
            await ctx.send(t(locale, "timezone.current", zone=zone_label(tz), now=when(utcnow(), tz)), ephemeral=True)
            return
        if zone.strip().lower() == "auto":
            await prefs.set_user_timezone(ctx.author.id, None)
            await ctx.send(t(locale, "timezone.auto", zone=zone_label(await self.tz_of(ctx))), ephemeral=True)
            return
        chosen = zone_named(zone)
        if chosen is None:
            await ctx.send(t(locale, "timezone.unknown", zone=zone[:64]), ephemeral=True)
            return
        await prefs.set_user_timezone(ctx.author.id, chosen.key)
        await ctx.send(t(locale, "timezone.set", zone=chosen.key, now=when(utcnow(), chosen)), ephemeral=True)
