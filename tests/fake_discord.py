"""A small fake Discord on 127.0.0.1 (a test fixture, not product code): the REST routes a bot uses at
login and to reply, and a JSON gateway over WebSocket (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats,
then whatever MESSAGE_CREATE a test sends). The real discord.Client talks to it unchanged once
`discord.http.Route.BASE` and `DiscordWebSocket.DEFAULT_GATEWAY` point here.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 900000000000000003
CHANNEL_ID = 900000000000000004
TIMESTAMP = "2026-01-01T00:00:00.000000+00:00"


def user(uid: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": str(uid), "username": name, "discriminator": "0", "global_name": name, "avatar": None,
            "bot": bot, "public_flags": 0, "flags": 0}


class FakeDiscord:
    def __init__(self, token: str) -> None:
        self.token = token
        self.posted: list[dict[str, Any]] = []
        self.identified = asyncio.Event()
        self.resumed = asyncio.Event()
        self.identify_payload: dict[str, Any] = {}
        self._posted = asyncio.Condition()
        self._ids = itertools.count(910000000000000000)
        self._seq = itertools.count(1)
        self._ws: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self, port: int = 0) -> FakeDiscord:
        """Listen on 127.0.0.1:`port` (0: any free port)."""
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_put("/api/v10/applications/{app}/commands", self._sync)
        app.router.add_put("/api/v10/applications/{app}/guilds/{guild}/commands", self._sync)
        app.router.add_post("/api/v10/channels/{channel}/messages", self._post_message)
        app.router.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- REST ---------------------------------------------------------------------------------------
    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.token}"

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # discord.py parses JSON only when the content-type is exactly application/json (no charset)
        return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})

    async def _me(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        return self._json(user(BOT_ID, "OmoideBot", bot=True))

    async def _application(self, request: web.Request) -> web.Response:
        return self._json({"id": str(APP_ID), "name": "Omoide", "description": "", "icon": None, "bot_public": True,
                           "bot_require_code_grant": False, "owner": user(1, "owner"), "team": None,
                           "verify_key": "0" * 64, "flags": 0, "summary": ""})

    async def _sync(self, request: web.Request) -> web.Response:
        commands = await request.json()
        return self._json([{**c, "id": str(next(self._ids)), "application_id": str(APP_ID), "version": "1"}
                           for c in commands])

    async def _post_message(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            body = await request.json()
        else:  # multipart (attachments): the JSON part is payload_json
            body = {}
            async for part in await request.multipart():  # type: ignore[union-attr]
                if part.name == "payload_json":
                    body = json.loads(await part.text())
        message = {"id": str(next(self._ids)), "channel_id": request.match_info["channel"], "guild_id": str(GUILD_ID),
                   "author": user(BOT_ID, "OmoideBot", bot=True), "content": body.get("content") or "",
                   "embeds": body.get("embeds") or [], "timestamp": TIMESTAMP, "edited_timestamp": None, "tts": False,
                   "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "pinned": False,
                   "type": 0, "components": body.get("components") or []}
        async with self._posted:
            self.posted.append(message)
            self._posted.notify_all()
        return self._json(message)

    async def wait_for_posts(self, count: int) -> list[dict[str, Any]]:
        """The posts so far, once there are `count`; a bot that never posts them fails the test within a minute."""
        async with self._posted, asyncio.timeout(60):
            await self._posted.wait_for(lambda: len(self.posted) >= count)
        return self.posted

    # -- gateway ------------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            if payload["op"] == 1:  # heartbeat
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif payload["op"] == 2:  # identify
                self.identify_payload = payload["d"]
                await self._ready(ws)
                self.identified.set()
            elif payload["op"] == 6:  # resume after a dropped connection
                self.resumed.set()
                await self.dispatch("RESUMED", {})
        return ws

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._ws is not None, "the bot has not connected"
        await self._ws.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        await self.dispatch("READY", {
            "v": 10, "user": user(BOT_ID, "OmoideBot", bot=True),
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "fake-session", "resume_gateway_url": self.gateway, "shard": [0, 1],
            "application": {"id": str(APP_ID), "flags": 0}, "private_channels": [], "relationships": []})
        everyone = {"id": str(GUILD_ID), "name": "@everyone", "permissions": "1071698660929", "position": 0,
                    "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        await self.dispatch("GUILD_CREATE", {
            "id": str(GUILD_ID), "name": "Fake Guild", "icon": None, "owner_id": "1", "unavailable": False,
            "member_count": 2, "large": False, "features": [], "preferred_locale": "en-US", "roles": [everyone],
            "emojis": [], "stickers": [], "channels": [{"id": str(CHANNEL_ID), "type": 0, "name": "general",
                                                       "position": 0, "permission_overwrites": [], "nsfw": False,
                                                       "parent_id": None, "topic": None}],
            "members": [{"user": user(BOT_ID, "OmoideBot", bot=True), "roles": [], "joined_at": TIMESTAMP,
                         "deaf": False, "mute": False, "flags": 0}],
            "threads": [], "voice_states": [], "presences": [], "stage_instances": [],
            "guild_scheduled_events": [], "joined_at": TIMESTAMP, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0,
            "premium_tier": 0, "system_channel_flags": 0})

    async def send_message(self, author_id: int, name: str, content: str) -> None:
        await self.dispatch("MESSAGE_CREATE", {
            "id": str(next(self._ids)), "channel_id": str(CHANNEL_ID), "guild_id": str(GUILD_ID),
            "author": user(author_id, name), "member": {"roles": [], "joined_at": TIMESTAMP, "deaf": False,
                                                         "mute": False, "flags": 0},
            "content": content, "timestamp": TIMESTAMP, "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": False, "type": 0})
