"""Serves the Japanese command metadata to Discord when the slash commands are synced, so a Japanese
client shows Japanese command names, descriptions, options and choices; every other locale keeps the
canonical English (returning None tells discord.py to send no localization)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.discord.command_texts import Kind, japanese

_KINDS: dict[Where, Kind] = {
    Where.command_name: "name", Where.group_name: "name",
    Where.command_description: "description", Where.group_description: "description",
    Where.parameter_description: "description",
    Where.parameter_name: "parameter",
    Where.choice_name: "choice",
}


class OmoideTranslator(app_commands.Translator):
    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        kind = _KINDS.get(context.location)
        if kind is None or locale is not discord.Locale.japanese:
            return None
        return japanese(kind, string.message)
