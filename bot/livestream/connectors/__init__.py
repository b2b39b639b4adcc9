"""Live chat connectors: read YouTube and Twitch chat and feed the persona's livestream stream.

`LiveConnectors.from_settings` builds the ones LIVE_YOUTUBE / LIVE_TWITCH ask for (the side API starts
them with itself); each event goes through the same `Stream` as `POST /api/livestream/{persona}/events`,
so viewers are remembered, paid events answered first and chat bounded exactly as with the HTTP hook.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.livestream.connectors.base import Backoff, Connector, ConnectorStatus, Feed
from bot.livestream.connectors.twitch import TwitchConnector, channel_name
from bot.livestream.connectors.youtube import YouTubeConnector, parse_target
from bot.livestream.events import LiveEvent
from bot.livestream.stream import Stream
from config import Settings, SettingsError

__all__ = ["Connector", "ConnectorStatus", "LiveConnectors", "LiveSetupError", "feed_into", "check_targets"]


class LiveSetupError(SettingsError):
    """A connector target or the live persona is wrong; the message names the setting or option to fix."""


def check_targets(youtube: str | None, twitch: str | None) -> None:
    """Refuse a malformed --youtube / --twitch before anything starts."""
    checks: tuple[tuple[str, str | None, Callable[[str], object]], ...] = (
        ("LIVE_YOUTUBE / --youtube", youtube, parse_target), ("LIVE_TWITCH / --twitch", twitch, channel_name))
    for option, value, check in checks:
        if value:
            try:
                check(value)
            except ValueError as exc:
                raise LiveSetupError(f"{option}: {exc}") from None


def feed_into(stream: Stream) -> Feed:
    """Hand a batch to the stream: look every viewer up first, then queue the batch at once, so a paid
    event that arrived with chat is served before it (the worker only runs between batches)."""

    async def feed(events: list[LiveEvent]) -> None:
        known = [(e, await stream.viewer_memory(e.user_id)) for e in events]
        for event, last in known:
            stream.submit(event, last)

    return feed


class LiveConnectors:
    """The connectors of the process: started and stopped with the side API."""

    def __init__(self, settings: Settings, persona: str, make_feed: Callable[[], Feed]) -> None:
        self.settings = settings
        self.persona = persona
        self.make_feed = make_feed
        self.connectors: list[Connector] = []
        self._http: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def wanted(self) -> bool:
        return bool(self.settings.live_youtube or self.settings.live_twitch)

    def statuses(self) -> list[dict[str, Any]]:
        return [c.status.as_dict() for c in self.connectors]

    async def start(self) -> None:
        s = self.settings
        if not self.wanted:
            return
        self._http = aiohttp.ClientSession()
        backoff = (s.live_reconnect_min_seconds, s.live_reconnect_max_seconds)
        if s.live_youtube and s.youtube_api_key is not None:
            self.connectors.append(YouTubeConnector(
                s.live_youtube, self.persona, self.make_feed(), Backoff(*backoff), http=self._http,
                base_url=s.youtube_api_url, api_key=s.youtube_api_key.get_secret_value(),
                min_poll_seconds=s.youtube_min_poll_seconds, live_check_seconds=s.youtube_live_check_seconds))
        if s.live_twitch:
            token = s.twitch_oauth_token.get_secret_value() if s.twitch_oauth_token else None
            self.connectors.append(TwitchConnector(
                s.live_twitch, self.persona, self.make_feed(), Backoff(*backoff), http=self._http,
                url=s.twitch_irc_url, token=token, nick=s.twitch_nick))
        self._tasks = [asyncio.create_task(c.run(), name=f"live:{c.platform}") for c in self.connectors]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
