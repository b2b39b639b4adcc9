"""Passive learning, as in the seed: in channels where an admin turned it on, a user's message and
the bot's previous reply to them are saved as a turn pair. Off by default; opted-out users are never
learned from. The previous reply is the one `chat` last gave that user in that channel, or the bot
message the user replied to. A reply of the built-in companion (no language model) is not the
persona's to remember: after one, the user's message is saved alone.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from bot.conversation import ConversationService
from bot.discord.desk import discord_session
from bot.discord.prefs import Preferences
from bot.personas import Persona
from memory.types import Memory


@dataclass(frozen=True, slots=True)
class Previous:
    """The bot's reply to a user: its text, or None when the built-in companion wrote it."""

    text: str | None


class LastReplies:
    """The bot's last reply per (user, channel), and the ids of the companion's messages, bounded; lost
    on restart like the seed's sessions."""

    def __init__(self, size: int = 10_000) -> None:
        self._replies: OrderedDict[tuple[int, int], Previous] = OrderedDict()
        self._companion: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def note(self, user_id: int, channel_id: int, text: str | None, message_id: int | None = None) -> None:
        self._replies[(user_id, channel_id)] = Previous(text)
        self._replies.move_to_end((user_id, channel_id))
        while len(self._replies) > self._size:
            self._replies.popitem(last=False)
        if text is None and message_id is not None:
            self._companion[message_id] = None
            while len(self._companion) > self._size:
                self._companion.popitem(last=False)

    def take(self, user_id: int, channel_id: int) -> Previous | None:
        return self._replies.pop((user_id, channel_id), None)

    def by_companion(self, message_id: int) -> bool:
        return message_id in self._companion

    def forget_user(self, user_id: int) -> None:
        for key in [k for k in self._replies if k[0] == user_id]:
            del self._replies[key]


class PassiveLearner:
    def __init__(self, prefs: Preferences, conversation: ConversationService) -> None:
        self.prefs = prefs
        self.conversation = conversation
        self.replies = LastReplies()

    async def observe(self, *, persona: Persona, user_id: int, guild_id: int | None, channel_id: int, text: str,
                      replied_to_bot: str | None = None, replied_to_id: int | None = None,
                      extra: dict[str, Any] | None = None) -> Memory | None:
        """Save (message, previous bot reply) when learning is on here and the user has not opted out;
        the message alone when that reply was the built-in companion's."""
        if not text.strip() or not await self.prefs.learning_enabled(channel_id):
            return None
        if await self.prefs.opted_out(user_id):
            self.replies.take(user_id, channel_id)
            return None
        if replied_to_bot:
            companion = replied_to_id is not None and self.replies.by_companion(replied_to_id)
            previous: Previous | None = Previous(None if companion else replied_to_bot)
        else:
            previous = self.replies.take(user_id, channel_id)
        if previous is None:
            return None
        meta = {"platform": "discord", "source": "passive", "channel_id": str(channel_id),
                "guild_id": str(guild_id) if guild_id else None, "persona": persona.memory_id, **(extra or {})}
        return await self.conversation.remember_pair(persona, str(user_id), text, previous.text,
                                                     session_id=discord_session(guild_id, channel_id), metadata=meta)
