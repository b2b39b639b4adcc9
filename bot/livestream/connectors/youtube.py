"""YouTube live chat through the Data API v3, with an API key: polling `liveChatMessages.list`.

The target is a video (id or watch / live / youtu.be URL), a channel id (UC...) or an @handle. A video's
chat id is `liveStreamingDetails.activeLiveChatId` (videos.list, 1 unit); a channel's live video is found
with search.list (eventType=live, 100 units; an @handle is turned into its channel id once with
channels.list, 1 unit). `liveBroadcasts.list` would need the channel owner's OAuth, so it is not used.
Messages are polled at the `pollingIntervalMillis` the API returns (never faster than
YOUTUBE_MIN_POLL_SECONDS), 5 units a call, and followed with `nextPageToken`, which is kept across
reconnects so nothing is read twice. The first page is the chat's recent history: it is skipped, so a
restart does not answer old messages again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import aiohttp

from bot.livestream.connectors.base import (
    MESSAGE_CHARS,
    NAME_CHARS,
    Backoff,
    Connector,
    Feed,
    NotLive,
    StopConnector,
    clip,
)
from bot.livestream.events import LiveEvent
from memory.clock import utcnow

log = logging.getLogger("omoide.live")
VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
HANDLE = re.compile(r"^@[A-Za-z0-9._-]{3,30}$")
REQUEST_SECONDS = 30.0
NOT_STARTED_RETRY = 30.0  # a scheduled video not live yet: videos.list again after this (1 unit)
CHAT_GONE = {"liveChatEnded", "liveChatNotFound", "liveChatDisabled"}
RETRYABLE = {"quotaExceeded", "rateLimitExceeded", "backendError", "internalError"}
PAID = {"superChatEvent": "superchat", "superStickerEvent": "superchat", "newSponsorEvent": "membership",
        "memberMilestoneChatEvent": "membership", "membershipGiftingEvent": "gift"}


def parse_target(target: str) -> tuple[str, str]:
    """("video" | "channel" | "handle", id) from an id, handle or URL; ValueError saying what is accepted."""
    text = target.strip()
    if text.startswith(("http://", "https://")):
        url = urlparse(text)
        parts = [p for p in url.path.split("/") if p]
        if "v" in parse_qs(url.query):
            text = parse_qs(url.query)["v"][0]
        elif url.hostname and url.hostname.endswith("youtu.be") and parts:
            text = parts[0]
        elif len(parts) >= 2 and parts[0] in ("live", "channel", "shorts"):
            text = parts[1]
        elif parts and parts[0].startswith("@"):
            text = parts[0]
    if CHANNEL_ID.match(text):
        return "channel", text
    if HANDLE.match(text):
        return "handle", text
    if VIDEO_ID.match(text):
        return "video", text
    raise ValueError(f"{target!r} is not a YouTube video id (11 characters), watch URL, channel id (UC...) "
                     "or @handle")


class YouTubeApiError(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"YouTube API {status} {reason}: {message}")
        self.status = status
        self.reason = reason


def _amount(details: dict[str, Any]) -> tuple[float | None, str | None]:
    try:
        micros = int(details.get("amountMicros", ""))
    except (TypeError, ValueError):
        return None, details.get("currency") or None
    return micros / 1_000_000, details.get("currency") or None


def _time(value: str | None) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else utcnow()
    except ValueError:
        return utcnow()


def to_event(item: dict[str, Any]) -> LiveEvent | None:
    """A liveChatMessage resource as a livestream event; None for deletions, bans, polls and the like."""
    snippet, author = item.get("snippet") or {}, item.get("authorDetails") or {}
    kind_of = snippet.get("type")
    viewer_id = author.get("channelId") or snippet.get("authorChannelId")
    if not item.get("id") or not viewer_id:
        return None
    amount: float | None = None
    currency: str | None = None
    if kind_of == "textMessageEvent":
        kind = "chat"
        text = (snippet.get("textMessageDetails") or {}).get("messageText") or snippet.get("displayMessage") or ""
        if not text.strip():
            return None
    elif kind_of in PAID:
        kind = PAID[kind_of]
        text = ""
        if kind_of == "superChatEvent":
            details = snippet.get("superChatDetails") or {}
            amount, currency = _amount(details)
            text = details.get("userComment") or ""
        elif kind_of == "superStickerEvent":
            amount, currency = _amount(snippet.get("superStickerDetails") or {})
        elif kind_of == "memberMilestoneChatEvent":
            text = (snippet.get("memberMilestoneChatDetails") or {}).get("userComment") or ""
        elif kind_of == "membershipGiftingEvent":
            count = (snippet.get("membershipGiftingDetails") or {}).get("giftMembershipsCount")
            amount = float(count) if isinstance(count, int) and count > 1 else None
    else:
        return None
    return LiveEvent(event_id=clip(str(item["id"]), 128), platform="youtube", viewer_id=clip(viewer_id, NAME_CHARS),
                     viewer_name=clip(author.get("displayName") or viewer_id, NAME_CHARS), type=kind,
                     message=clip(text.strip(), MESSAGE_CHARS), amount=amount,
                     currency=currency.upper() if currency else None, timestamp=_time(snippet.get("publishedAt")))


class YouTubeConnector(Connector):
    platform = "youtube"

    def __init__(self, target: str, persona: str, feed: Feed, backoff: Backoff, *, http: aiohttp.ClientSession,
                 base_url: str, api_key: str, min_poll_seconds: float, live_check_seconds: float) -> None:
        super().__init__(target, persona, feed, backoff)
        self.kind, self.ident = parse_target(target)
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.min_poll = min_poll_seconds
        self.live_check = live_check_seconds
        self.chat_id: str | None = None
        self.page_token: str | None = None  # kept across reconnects: resume where the last page ended
        self.polls = 0

    async def _get(self, resource: str, params: dict[str, str]) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=REQUEST_SECONDS)
        async with self.http.get(f"{self.base_url}/{resource}", params={**params, "key": self.api_key},
                                 timeout=timeout) as resp:
            try:
                body = await resp.json(content_type=None)
            except ValueError:
                body = None
            if resp.status >= 400 or not isinstance(body, dict):
                error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
                reasons = [e.get("reason", "") for e in error.get("errors", []) if isinstance(e, dict)]
                raise YouTubeApiError(resp.status, reasons[0] if reasons else "error",
                                      str(error.get("message") or resp.reason))
            return body

    async def _video_of_channel(self) -> str:
        if self.kind == "handle":
            found = await self._get("channels", {"part": "id", "forHandle": self.ident})
            if not found.get("items"):
                raise StopConnector(f"no YouTube channel has the handle {self.ident}")
            self.kind, self.ident = "channel", found["items"][0]["id"]
        found = await self._get("search", {"part": "id", "channelId": self.ident, "eventType": "live",
                                           "type": "video", "maxResults": "1"})
        items = found.get("items") or []
        if not items:
            raise NotLive(f"channel {self.ident} is not live", self.live_check)
        return str(items[0]["id"]["videoId"])

    async def _find_chat(self) -> str:
        video = self.ident if self.kind == "video" else await self._video_of_channel()
        found = await self._get("videos", {"part": "liveStreamingDetails", "id": video})
        items = found.get("items") or []
        if not items:
            raise StopConnector(f"no YouTube video {video} (or it is private)")
        details = items[0].get("liveStreamingDetails") or {}
        if details.get("activeLiveChatId"):
            return str(details["activeLiveChatId"])
        if details.get("actualEndTime") and self.kind == "video":
            raise StopConnector(f"the live stream of video {video} has ended")
        if not details:
            raise StopConnector(f"video {video} is not a live stream")
        raise NotLive(f"video {video} has no live chat yet", NOT_STARTED_RETRY if self.kind == "video"
                      else self.live_check)

    def _chat_gone(self, why: str) -> None:
        """The chat ended: a video's connector stops, a channel's waits for its next stream."""
        self.chat_id, self.page_token = None, None
        if self.kind == "video":
            raise StopConnector(why)
        raise NotLive(why, self.live_check)

    async def session(self) -> None:
        try:
            if self.chat_id is None:
                self.chat_id = await self._find_chat()
            while True:
                await self._poll()
        except YouTubeApiError as exc:
            if exc.reason in CHAT_GONE:
                self._chat_gone(f"the live chat is gone ({exc.reason})")
            if exc.status in (400, 401, 403) and exc.reason not in RETRYABLE:
                raise StopConnector(f"{exc} (check YOUTUBE_API_KEY and that the YouTube Data API v3 is enabled "
                                    "for its project)") from None
            raise

    async def _poll(self) -> None:
        params = {"liveChatId": str(self.chat_id), "part": "id,snippet,authorDetails", "maxResults": "2000"}
        first = self.page_token is None
        if not first:
            params["pageToken"] = str(self.page_token)
        page = await self._get("liveChat/messages", params)
        self.polls += 1
        items = [i for i in page.get("items") or [] if isinstance(i, dict)]
        self.page_token = page.get("nextPageToken") or self.page_token
        self.status.messages_seen += len(items)
        events = [e for e in (to_event(i) for i in items) if e is not None]
        if first:
            for e in events:
                self.seen.add(e.event_id)
            self.set_state("connected", f"reading chat {self.chat_id}; {len(events)} earlier messages skipped")
        else:
            self.set_state("connected", f"reading chat {self.chat_id}")
            await self.deliver(events)
        if page.get("offlineAt") or any((i.get("snippet") or {}).get("type") == "chatEndedEvent" for i in items):
            self._chat_gone("the stream went offline")
        wait = max(float(page.get("pollingIntervalMillis") or 0) / 1000, self.min_poll)
        await asyncio.sleep(wait)
