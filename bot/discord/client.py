"""The Discord client: a commands.Bot that loads the cogs as extensions (minus DISABLED_COGS), syncs
slash commands, resolves each caller's language and persona, and turns every command error into a
short message in the caller's language (details go to the log with a reference id).
"""

from __future__ import annotations

import logging
import secrets
from datetime import tzinfo
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.command_texts import localized, permission_names, usage
from bot.discord.i18n import t
from bot.discord.translator import OmoideTranslator
from bot.discord.ui.locale import SeenLanguages, from_discord_locale, language_evidence
from bot.personas import Persona
from bot.services import Services
from bot.telemetry.discord import watch_discord
from config.timezones import resolve_timezone, zone_named
from memory.errors import OmoideError

log = logging.getLogger("omoide.discord")

COGS: tuple[str, ...] = ("remember", "memorize", "memories", "emotions", "chat", "learning", "privacy", "personas",
                         "admin", "help")
_WRAPPERS = (commands.CommandInvokeError, commands.HybridCommandError, app_commands.CommandInvokeError)


def default_intents() -> discord.Intents:
    intents = discord.Intents.default()
    intents.message_content = True  # prefix commands and passive learning read messages (privileged intent)
    return intents


def enabled_cogs(disabled: set[str]) -> list[str]:
    unknown = disabled - set(COGS)
    if unknown:
        raise ValueError(f"DISABLED_COGS names unknown cog(s) {', '.join(sorted(unknown))}; known: {', '.join(COGS)}")
    return [name for name in COGS if name not in disabled]


class OmoideBot(commands.Bot):
    def __init__(self, services: Services, *, sync_commands: bool = True, intents: discord.Intents | None = None,
                 **options: Any) -> None:
        settings = services.settings
        self.cog_names = enabled_cogs(settings.disabled_cog_names)
        super().__init__(command_prefix=commands.when_mentioned_or(settings.command_prefix),
                         intents=intents or default_intents(), allowed_mentions=discord.AllowedMentions.none(),
                         help_command=None, **options)  # cogs/help replaces the English default
        self.services = services
        self.sync_commands = sync_commands
        self.seen_languages = SeenLanguages()
        watch_discord(self, services)  # command spans and counts; readiness and /metrics see the connection
        self.default_timezone = resolve_timezone(settings.timezone)

    async def setup_hook(self) -> None:
        await self.tree.set_translator(OmoideTranslator())
        for name in self.cog_names:
            await self.load_extension(f"cogs.{name}")
        log.info("cogs loaded: %s", ", ".join(self.cog_names))
        if self.sync_commands:
            guild_id = self.services.settings.discord_sync_guild
            if guild_id:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
            else:
                synced = await self.tree.sync()
            log.info("slash commands synced: %d%s", len(synced), f" (guild {guild_id})" if guild_id else "")

    async def on_ready(self) -> None:
        log.info("discord connected as %s (id=%s) in %d guild(s)", self.user, getattr(self.user, "id", "?"),
                 len(self.guilds))

    # -- what every command needs -------------------------------------------------------------------
    async def locale_for(self, ctx: commands.Context[OmoideBot]) -> str:
        """The reply language (bot.discord.ui.locale says in which order the signals count)."""
        user_id = ctx.author.id
        text = ""
        if ctx.interaction is None and ctx.prefix is not None and ctx.command is not None:
            words = ctx.message.content[len(ctx.prefix):].split()  # the command's own words say nothing
            text = " ".join(words[len(ctx.command.qualified_name.split()):])
        said = language_evidence(text)
        chosen = await self.services.prefs.user_locale(user_id)
        if chosen or ctx.interaction is not None:
            self.seen_languages.note(user_id, said)
            return chosen or from_discord_locale(ctx.interaction.locale)  # type: ignore[union-attr]
        if said.strong and said.language:
            self.seen_languages.note(user_id, said)
            return said.language
        if self.seen_languages.needs_loading(user_id):  # after a restart: what they said before
            self.seen_languages.note_earlier(user_id, await self.services.desk.recent_texts(str(user_id)))
        leaning = self.seen_languages.get(user_id)
        self.seen_languages.note(user_id, said)
        if leaning:
            return leaning
        if ctx.guild is not None and str(ctx.guild.preferred_locale).startswith("ja"):
            return "ja"
        return said.language or self.services.settings.default_locale

    async def timezone_for(self, user_id: int, guild_id: int | None) -> tzinfo:
        """The user's own zone, else the server's, else TIMEZONE (else the system's)."""
        prefs = self.services.prefs
        name = await prefs.user_timezone(user_id)
        if not name and guild_id is not None:
            name = await prefs.guild_timezone(guild_id)
        zone = zone_named(name) if name else None
        return zone or self.default_timezone

    async def persona_for(self, channel_id: int | None, guild_id: int | None) -> Persona:
        """The channel's persona, else the guild's default, else DEFAULT_PERSONA."""
        personas, prefs = self.services.personas, self.services.prefs
        row = await prefs.channel(channel_id) if channel_id is not None else None
        if row is not None and row.persona and (p := personas.get(row.persona)):
            return p
        if guild_id is not None and (name := await prefs.guild_persona(guild_id)) and (p := personas.get(name)):
            return p
        return personas.default

    async def delete_user_data(self, user_id: int, requester: str = "user") -> int:
        """Forget everything about a user: memories in every persona, then each cog's own data (the
        Red-DiscordBot `red_delete_data_for_user` hook)."""
        count = await self.services.desk.forget_all(str(user_id))
        await self.services.prefs.forget_user(user_id)
        self.seen_languages.forget(user_id)
        for cog in list(self.cogs.values()):
            hook = getattr(cog, "red_delete_data_for_user", None)
            if hook is not None:
                await hook(requester=requester, user_id=user_id)
        log.info("deleted the data of a user on request (%s): %d memories", requester, count)
        return count

    # -- messages and errors ----------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        if not message.content.startswith(self.services.settings.command_prefix):
            self.seen_languages.note(message.author.id, language_evidence(message.content))
        await self.process_commands(message)

    # ignore[override]: discord.py types the context as any bot's (Context[BotT]); only this bot's
    # commands reach this handler
    async def on_command_error(self, ctx: commands.Context[OmoideBot],  # type: ignore[override]
                               error: Exception) -> None:
        while isinstance(error, _WRAPPERS) and getattr(error, "original", None) is not None:
            error = error.original
        if isinstance(error, commands.CommandNotFound):
            return
        locale = await self.locale_for(ctx)
        prefix = "/" if ctx.interaction is not None else ctx.clean_prefix
        how = usage(ctx.command, prefix, locale) if ctx.command else ""
        if isinstance(error, (commands.MissingPermissions, app_commands.MissingPermissions)):
            text = t(locale, "error.no_permission", perms=permission_names(error.missing_permissions, locale))
        elif isinstance(error, (commands.BotMissingPermissions, app_commands.BotMissingPermissions)):
            text = t(locale, "error.bot_permission", perms=permission_names(error.missing_permissions, locale))
        elif isinstance(error, (commands.NoPrivateMessage, app_commands.NoPrivateMessage)):
            text = t(locale, "error.guild_only")
        elif isinstance(error, commands.ChannelNotFound):
            text = t(locale, "error.channel_not_found", channel=str(error.argument)[:100])
        elif isinstance(error, commands.MissingRequiredArgument):
            text = t(locale, "error.missing_argument", param=localized("parameter", error.param.name, locale),
                     usage=how)
        elif isinstance(error, (commands.UserInputError, app_commands.TransformerError)):
            text = t(locale, "error.bad_argument", usage=how)
        elif isinstance(error, (commands.CommandOnCooldown, app_commands.CommandOnCooldown)):
            text = t(locale, "error.cooldown", seconds=f"{error.retry_after:.0f}")
        elif isinstance(error, OmoideError) and error.error_type == "ValidationError":
            text = t(locale, "error.invalid", field=error.field or "input", message=error.message)
        else:
            ref = secrets.token_hex(4)
            log.error("command %s failed (ref=%s)", ctx.command.qualified_name if ctx.command else "?", ref,
                      exc_info=error)
            text = t(locale, "error.generic", ref=ref)
        try:
            await ctx.send(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not deliver an error message in channel %s", ctx.channel.id)


class OmoideShardedBot(OmoideBot, commands.AutoShardedBot):
    """The same bot over several gateway shards (`python -m bot discord --shard-ids 0,1 --shard-count 4`)."""

    _launched = False

    async def connect(self, *, reconnect: bool = True) -> None:
        self._launched = True
        await super().connect(reconnect=reconnect)

    async def close(self) -> None:
        """discord.py 2.7's sharded close expects connect() to have run (its event queue is made there); a
        client that never got that far (login refused, stopped while retrying) has no shards to close."""
        if self._launched:
            await super().close()
        else:
            await discord.Client.close(self)


def make_bot(services: Services, *, shard_ids: tuple[int, ...] | None = None,
             shard_count: int | None = None) -> OmoideBot:
    """One client; with `shard_count`, the shards `shard_ids` of it. Slash commands are synced by the
    process that runs shard 0 only: the others would repeat the same global sync."""
    if shard_count is None:
        return OmoideBot(services)
    ids = list(shard_ids) if shard_ids is not None else list(range(shard_count))
    return OmoideShardedBot(services, shard_ids=ids, shard_count=shard_count, sync_commands=0 in ids)
