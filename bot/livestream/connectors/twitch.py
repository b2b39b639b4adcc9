"""Twitch chat over IRC on WebSocket: chat lines, bits, subs and gifted subs as livestream events.

Login: `PASS oauth:<token>` + `NICK <login>` with TWITCH_OAUTH_TOKEN / TWITCH_NICK, or the anonymous
read-only `justinfanNNNNN` without a token (reading chat needs no account). The tags capability gives
each line its `id`, `user-id`, `display-name`, `bits` and `tmi-sent-ts`; the commands capability gives
USERNOTICE (sub, resub, subgift, submysterygift). IRC has no replay, so a reconnect just joins again;
lines a server repeats are skipped by their `id`.

No client library fits: twitchio 3 and twitchAPI need an app token and Helix calls even to read, and
the IRC libraries on PyPI speak plain TCP; the protocol here is a few commands.
"""

from __future__ import annotations

import logging
import random
import re
from datetime import UTC, datetime

import aiohttp

from bot.livestream.connectors.base import (
    MESSAGE_CHARS,
    NAME_CHARS,
    Backoff,
    Connector,
    Feed,
    Reconnect,
    StopConnector,
    clip,
)
from bot.livestream.connectors.irc import IrcMessage, parse_line
from bot.livestream.events import LiveEvent
from memory.clock import utcnow

log = logging.getLogger("omoide.live")
CAPABILITIES = "twitch.tv/tags twitch.tv/commands"
IDLE_SECONDS = 360.0  # Twitch sends PING about every 5 minutes: silence longer than this is a dead link
HEARTBEAT_SECONDS = 60.0
CHANNEL = re.compile(r"^[a-z0-9_]{1,25}$")
CHEERMOTE = re.compile(r"^[A-Za-z]+\d+$")
MEMBERSHIP_NOTICES = {"sub", "resub"}
GIFT_NOTICES = {"subgift", "anonsubgift", "submysterygift", "anonsubmysterygift"}
LOGIN_FAILED = ("login authentication failed", "improperly formatted auth", "invalid nick")


def channel_name(target: str) -> str:
    """`#Name`, `name` or a twitch.tv URL -> `name`; ValueError naming what is wrong."""
    name = target.strip().rstrip("/").rsplit("/", 1)[-1].lstrip("#").lower()
    if not CHANNEL.match(name):
        raise ValueError(f"{target!r} is not a Twitch channel name (letters, digits and _, up to 25)")
    return name


def _timestamp(tags: dict[str, str]) -> datetime:
    try:
        return datetime.fromtimestamp(int(tags["tmi-sent-ts"]) / 1000, UTC)
    except (KeyError, ValueError, OverflowError):
        return utcnow()


def _text(message: str, cheering: bool) -> str:
    if message.startswith("\x01ACTION ") and message.endswith("\x01"):  # /me
        message = message[8:-1]
    if cheering:  # "Cheer100 great stream" -> "great stream": the amount is in the event
        message = " ".join(w for w in message.split() if not CHEERMOTE.match(w))
    return clip(message.strip(), MESSAGE_CHARS)


def to_event(msg: IrcMessage) -> LiveEvent | None:
    """A PRIVMSG or a paid USERNOTICE as a livestream event; None for everything else."""
    tags = msg.tags
    viewer_id = tags.get("user-id") or msg.nick or tags.get("login")
    event_id = tags.get("id")
    if not viewer_id or not event_id or msg.command not in ("PRIVMSG", "USERNOTICE"):
        return None
    name = clip(tags.get("display-name") or tags.get("login") or msg.nick or viewer_id, NAME_CHARS)
    amount: float | None = None
    currency: str | None = None
    if msg.command == "PRIVMSG":
        bits = int(tags["bits"]) if tags.get("bits", "").isdigit() else 0
        kind = "superchat" if bits else "chat"
        if bits:
            amount, currency = float(bits), "BITS"
        text = _text(msg.trailing if len(msg.params) > 1 else "", bool(bits))
        if kind == "chat" and not text:
            return None
    else:
        notice = tags.get("msg-id", "")
        if notice in MEMBERSHIP_NOTICES:
            kind = "membership"
        elif notice in GIFT_NOTICES:
            kind = "gift"
            count = tags.get("msg-param-mass-gift-count", "")
            amount = float(count) if count.isdigit() and int(count) > 1 else None
        else:
            return None  # raids, announcements, rituals...: not paid, not chat
        text = _text(msg.trailing if len(msg.params) > 1 else "", False)
    return LiveEvent(event_id=clip(event_id, 128), platform="twitch", viewer_id=clip(viewer_id, NAME_CHARS),
                     viewer_name=name, type=kind, message=text, amount=amount, currency=currency,
                     timestamp=_timestamp(tags))


class TwitchConnector(Connector):
    platform = "twitch"

    def __init__(self, target: str, persona: str, feed: Feed, backoff: Backoff, *, http: aiohttp.ClientSession,
                 url: str, token: str | None = None, nick: str | None = None) -> None:
        super().__init__(target, persona, feed, backoff)
        self.channel = channel_name(target)
        self.http = http
        self.url = url
        self.token = token.removeprefix("oauth:") if token else None
        self.nick = (nick or "").lower() if self.token else f"justinfan{random.randint(10000, 99999)}"
        self._mystery_gifts: set[str] = set()  # community gift ids already thanked as one submysterygift

    async def session(self) -> None:
        async with self.http.ws_connect(self.url, heartbeat=HEARTBEAT_SECONDS, autoping=True) as ws:
            await ws.send_str(f"CAP REQ :{CAPABILITIES}")
            if self.token:
                await ws.send_str(f"PASS oauth:{self.token}")
            await ws.send_str(f"NICK {self.nick}")
            while True:
                frame = await ws.receive(timeout=IDLE_SECONDS)
                if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    raise Reconnect("the server closed the connection")
                if frame.type == aiohttp.WSMsgType.ERROR:
                    raise Reconnect(f"WebSocket error: {ws.exception()}")
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                events = []
                for line in frame.data.split("\n"):
                    msg = parse_line(line)
                    if msg is None:
                        continue
                    event = await self._handle(ws, msg)
                    if event is not None:
                        events.append(event)
                await self.deliver(events)

    async def _handle(self, ws: aiohttp.ClientWebSocketResponse, msg: IrcMessage) -> LiveEvent | None:
        cmd = msg.command
        if cmd == "PING":
            await ws.send_str(f"PONG :{msg.trailing}")
        elif cmd == "001":
            await ws.send_str(f"JOIN #{self.channel}")
        elif cmd == "JOIN" and msg.nick == self.nick:
            self.set_state("connected", f"joined #{self.channel} as {self.nick}")
        elif cmd == "RECONNECT":
            raise Reconnect("Twitch asked for a reconnect")
        elif cmd == "NOTICE" and any(s in msg.trailing.lower() for s in LOGIN_FAILED):
            raise StopConnector(f"Twitch refused the login ({msg.trailing}): check TWITCH_OAUTH_TOKEN and "
                                "TWITCH_NICK, or leave both empty to read anonymously")
        elif cmd in ("PRIVMSG", "USERNOTICE"):
            self.status.messages_seen += 1
            return self._event(msg)
        return None

    def _event(self, msg: IrcMessage) -> LiveEvent | None:
        notice, community = msg.tags.get("msg-id"), msg.tags.get("msg-param-community-gift-id")
        if community and notice in ("submysterygift", "anonsubmysterygift"):
            self._mystery_gifts.add(community)
        elif community and community in self._mystery_gifts:
            return None  # one of the N subgifts of a submysterygift already thanked for all N
        return to_event(msg)
