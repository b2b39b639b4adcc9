"""A loopback YouTube Data API v3 for the live chat connector: videos.list, search.list, channels.list and
liveChatMessages.list with the documented JSON shapes (kind, etag, nextPageToken, pollingIntervalMillis,
pageInfo, items with snippet + authorDetails; errors as {"error": {"code", "message", "errors": [{reason}]}}).

Pages are served in order: the first request (no pageToken) gets the chat's history, each later one the
next page added by the test (or an empty page with the same token while there is none yet).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API_KEY = "test-youtube-key"
VIDEO = "dQw4w9WgXcQ"
CHANNEL = "UCabcdefghijklmnopqrstuv"
CHAT_ID = "Cg0KC2RRdzR3OVdnWGNRKicKGFVDYWJj"
_ids = itertools.count(1)


def author(channel_id: str, name: str) -> dict[str, Any]:
    return {"channelId": channel_id, "channelUrl": f"http://www.youtube.com/channel/{channel_id}",
            "displayName": name, "profileImageUrl": "https://yt3.ggpht.com/x/photo.jpg", "isVerified": False,
            "isChatOwner": False, "isChatSponsor": False, "isChatModerator": False}


def message(kind: str, viewer: str, name: str, *, msg_id: str | None = None, published: str = "2026-11-22T12:00:00Z",
            **details: Any) -> dict[str, Any]:
    """A liveChatMessage resource; `details` are the type's own snippet fields."""
    msg_id = msg_id or f"LCC.msg{next(_ids)}"
    snippet: dict[str, Any] = {"type": kind, "liveChatId": CHAT_ID, "authorChannelId": viewer, "publishedAt": published,
                               "hasDisplayContent": True, "displayMessage": "", **details}
    return {"kind": "youtube#liveChatMessage", "etag": f"etag-{msg_id}", "id": msg_id, "snippet": snippet,
            "authorDetails": author(viewer, name)}


def text(viewer: str, name: str, words: str, **kw: Any) -> dict[str, Any]:
    item = message("textMessageEvent", viewer, name, textMessageDetails={"messageText": words}, **kw)
    item["snippet"]["displayMessage"] = words
    return item


def superchat(viewer: str, name: str, words: str, micros: int, currency: str, display: str,
              **kw: Any) -> dict[str, Any]:
    return message("superChatEvent", viewer, name, superChatDetails={
        "amountMicros": str(micros), "currency": currency, "amountDisplayString": display, "userComment": words,
        "tier": 2}, **kw)


def error_body(code: int, reason: str, text_: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": text_,
                      "errors": [{"message": text_, "domain": "youtube.liveChat", "reason": reason}]}}


@dataclass
class FakeYouTube:
    polling_ms: int = 20
    history: list[dict[str, Any]] = field(default_factory=list)
    pages: list[list[dict[str, Any]]] = field(default_factory=list)
    tokens: list[str | None] = field(default_factory=list)  # pageToken of every liveChat/messages request
    calls: list[str] = field(default_factory=list)  # every resource requested
    failures: list[str] = field(default_factory=list)  # queued: "drop" (connection closed) or "503"
    live: bool = True
    url: str = ""
    _answered: int = 0
    _served: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None

    def add_page(self, items: list[dict[str, Any]]) -> int:
        self.pages.append(items)
        return len(self.pages)

    async def served(self, page: int) -> None:
        """Until page number `page` (1-based) has been answered."""
        async with self._served:
            await self._served.wait_for(lambda: self._answered >= page)

    async def _check(self, request: web.Request) -> web.Response | None:
        self.calls.append(request.path.rsplit("/v3/", 1)[-1])
        if request.query.get("key") != API_KEY:
            return web.json_response(error_body(400, "badRequest", "API key not valid. Please pass a valid API key."),
                                     status=400)
        return None

    async def videos(self, request: web.Request) -> web.Response:
        if (refused := await self._check(request)) is not None:
            return refused
        if request.query.get("id") != VIDEO:
            return web.json_response({"kind": "youtube#videoListResponse", "etag": "e", "items": [],
                                      "pageInfo": {"totalResults": 0, "resultsPerPage": 0}})
        details = {"actualStartTime": "2026-11-22T11:00:00Z", "concurrentViewers": "42"}
        if self.live:
            details["activeLiveChatId"] = CHAT_ID
        return web.json_response({"kind": "youtube#videoListResponse", "etag": "e", "items": [
            {"kind": "youtube#video", "etag": "v", "id": VIDEO, "liveStreamingDetails": details}],
            "pageInfo": {"totalResults": 1, "resultsPerPage": 1}})

    async def search(self, request: web.Request) -> web.Response:
        if (refused := await self._check(request)) is not None:
            return refused
        assert request.query.get("eventType") == "live" and request.query.get("type") == "video"
        items = [{"kind": "youtube#searchResult", "etag": "s", "id": {"kind": "youtube#video", "videoId": VIDEO}}]
        found = self.live and request.query.get("channelId") == CHANNEL
        return web.json_response({"kind": "youtube#searchListResponse", "etag": "e", "regionCode": "JP",
                                  "pageInfo": {"totalResults": int(found), "resultsPerPage": 1},
                                  "items": items if found else []})

    async def messages(self, request: web.Request) -> web.Response:
        if (refused := await self._check(request)) is not None:
            return refused
        assert request.query.get("liveChatId") == CHAT_ID
        assert set(request.query["part"].split(",")) >= {"snippet", "authorDetails"}
        token = request.query.get("pageToken")
        self.tokens.append(token)
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "drop":
                assert request.transport is not None
                request.transport.close()  # the connection dies mid-request
                return web.Response(status=500)
            return web.json_response(error_body(503, "backendError", "Backend Error"), status=503)
        if token is None:
            index, items = 0, self.history
        else:
            index = int(token.removeprefix("page-"))
            items = self.pages[index - 1] if index <= len(self.pages) else []
            if index > len(self.pages):
                index -= 1  # nothing new: the same token comes back
        body = {"kind": "youtube#liveChatMessageListResponse", "etag": f"etag-{index}",
                "pollingIntervalMillis": self.polling_ms, "nextPageToken": f"page-{index + 1}",
                "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}, "items": items}
        response = web.json_response(body)
        if token is not None and items:
            async with self._served:
                self._answered = max(self._answered, index)
                self._served.notify_all()
        return response

    async def start(self) -> FakeYouTube:
        app = web.Application()
        app.router.add_get("/youtube/v3/videos", self.videos)
        app.router.add_get("/youtube/v3/search", self.search)
        app.router.add_get("/youtube/v3/liveChat/messages", self.messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/youtube/v3"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
