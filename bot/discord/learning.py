"""Passive learning, as in the seed: in channels where an admin turned it on, a user's message and the
bot's reply it follows are saved as a turn pair. Off by default; opted-out users are never learned from.

Only a real conversation is learned. The reply is one `chat` gave (the `omoide_reply` event, a
`BotReply` that names the message it answers); the user's message must come right after the message
that reply answers (nothing else said in between: a rate-limited `!chat` or any other command breaks
the pair), or be a Discord reply to that bot message. Canned text (cooldown notices, errors, help,
the built-in responder's no-LLM lines) is never dispatched as a reply, and the built-in responder's
words are not kept as what the bot said: then the user's message is saved alone.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.conversation import ConversationService
from bot.discord.desk import discord_session
from bot.discord.prefs import Preferences
from bot.personas import Persona
from memory.types import Memory


@dataclass(frozen=True, slots=True)
class BotReply:
    """What `chat` answered: `bot.dispatch("omoide_reply", BotReply(...))`."""

    user_id: int
    channel_id: int
    answers: int  # id of the user's message (or slash interaction) this reply answers
    message_id: int | None  # id of the bot's message carrying the reply
    text: str | None  # the model's words; None when the built-in responder answered (never stored as said)


K = TypeVar("K")
V = TypeVar("V")


class _Bounded(OrderedDict[K, V]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: K, value: V) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class LastReplies:
    """Per (user, channel): the bot's last reply and the user's last message id; bounded, lost on restart
    like the seed's sessions."""

    def __init__(self, size: int = 10_000) -> None:
        self._replies: _Bounded[tuple[int, int], BotReply] = _Bounded(size)
        self._by_message: _Bounded[int, BotReply] = _Bounded(size)  # the bot's message id -> the reply in it
        self._last_heard: _Bounded[tuple[int, int], int] = _Bounded(size)  # the user's last message id there

    def note(self, reply: BotReply) -> None:
        self._replies.put((reply.user_id, reply.channel_id), reply)
        if reply.message_id is not None:
            self._by_message.put(reply.message_id, reply)

    def heard(self, user_id: int, channel_id: int, message_id: int) -> int | None:
        """The user said something here (a message, a command): returns what they said before it."""
        before = self._last_heard.get((user_id, channel_id))
        self._last_heard.put((user_id, channel_id), message_id)
        return before

    def take(self, user_id: int, channel_id: int) -> BotReply | None:
        return self._replies.pop((user_id, channel_id), None)

    def carried_by(self, message_id: int) -> BotReply | None:
        return self._by_message.get(message_id)

    def forget_user(self, user_id: int) -> None:
        for key in [k for k in self._replies if k[0] == user_id]:
            del self._replies[key]
        for key in [k for k in self._last_heard if k[0] == user_id]:
            del self._last_heard[key]
        for message_id in [m for m, r in self._by_message.items() if r.user_id == user_id]:
            del self._by_message[message_id]


class PassiveLearner:
    def __init__(self, prefs: Preferences, conversation: ConversationService) -> None:
        self.prefs = prefs
        self.conversation = conversation
        self.replies = LastReplies()

    def _reply_followed(self, user_id: int, channel_id: int, follows: int | None,
                        replied_to: int | None) -> BotReply | None:
        """The bot reply this message continues, if it continues one."""
        pending = self.replies.take(user_id, channel_id)
        if replied_to is not None:  # a Discord reply: only to a real reply the bot gave this user
            reply = self.replies.carried_by(replied_to)
            return reply if reply is not None and reply.user_id == user_id else None
        if pending is None or follows is None or pending.answers != follows:
            return None  # the user said something else after the message this reply answers
        return pending

    async def observe(self, *, persona: Persona, user_id: int, guild_id: int | None, channel_id: int, text: str,
                      follows: int | None, replied_to: int | None = None,
                      extra: dict[str, Any] | None = None) -> Memory | None:
        """Save (message, the bot reply it follows) when learning is on here and the user has not opted out.
        `follows`: the id of what the user said before this message here; `replied_to`: the bot message
        they replied to, if any."""
        if not text.strip() or not await self.prefs.learning_enabled(channel_id):
            return None
        reply = self._reply_followed(user_id, channel_id, follows, replied_to)
        if reply is None or await self.prefs.opted_out(user_id):
            return None
        meta = {"platform": "discord", "source": "passive", "channel_id": str(channel_id),
                "guild_id": str(guild_id) if guild_id else None, "persona": persona.memory_id,
                "follows_reply_to": str(reply.answers), **(extra or {})}
        return await self.conversation.remember_pair(persona, str(user_id), text, reply.text,
                                                     session_id=discord_session(guild_id, channel_id), metadata=meta)
