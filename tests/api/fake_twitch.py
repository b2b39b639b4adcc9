"""A loopback Twitch chat server: IRC over WebSocket as irc-ws.chat.twitch.tv speaks it.

It answers CAP REQ with ACK, a login (PASS/NICK) with the 001-004 / 375 / 372 / 376 welcome (or the
"Login authentication failed" NOTICE for a wrong token), JOIN with the JOIN echo, 353/366 and ROOMSTATE,
and PING with PONG. Tests send chat lines (`privmsg`, `usernotice` build real tagged lines), drop the
connection, or PING the client and wait for its PONG.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from bot.livestream.connectors.irc import escape_tag

GOOD_TOKEN = "abcdefghijklmnopqrstuvwxyz0123"
_ids = itertools.count(1)


def tagged(tags: dict[str, str], rest: str) -> str:
    return "@" + ";".join(f"{k}={escape_tag(v)}" for k, v in tags.items()) + " " + rest


def privmsg(channel: str, login: str, user_id: str, text: str, *, display: str | None = None, bits: int = 0,
            msg_id: str | None = None, ts: int = 1763812800000) -> str:
    tags = {"badge-info": "", "badges": "", "color": "#1E90FF", "display-name": display or login, "emotes": "",
            "first-msg": "0", "flags": "", "id": msg_id or f"0b7c{next(_ids):04d}-3f1e-4c2a-9d5e-{user_id:0>12}",
            "mod": "0", "returning-chatter": "0", "room-id": "1337", "subscriber": "0", "tmi-sent-ts": str(ts),
            "turbo": "0", "user-id": user_id, "user-type": ""}
    if bits:
        tags["bits"] = str(bits)
    return tagged(tags, f":{login}!{login}@{login}.tmi.twitch.tv PRIVMSG #{channel} :{text}")


def usernotice(channel: str, login: str, user_id: str, notice: str, system_msg: str, text: str = "",
               *, display: str | None = None, msg_id: str | None = None, **params: str) -> str:
    tags = {"badge-info": "subscriber/1", "badges": "subscriber/0", "color": "", "display-name": display or login,
            "emotes": "", "flags": "", "id": msg_id or f"9a1d{next(_ids):04d}-aaaa-bbbb-cccc-{user_id:0>12}",
            "login": login, "mod": "0", "msg-id": notice, "room-id": "1337", "subscriber": "1",
            "system-msg": system_msg, "tmi-sent-ts": "1763812800000", "user-id": user_id, "user-type": "",
            **{f"msg-param-{k.replace('_', '-')}": v for k, v in params.items()}}
    return tagged(tags, f":tmi.twitch.tv USERNOTICE #{channel}" + (f" :{text}" if text else ""))


@dataclass
class FakeTwitch:
    url: str = ""
    received: list[str] = field(default_factory=list)  # every line the client sent
    joins: int = 0  # connections that reached JOIN
    _ws: web.WebSocketResponse | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None

    async def _note(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def joined(self, count: int) -> None:
        """Until `count` connections have joined the channel."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.joins >= count)

    async def got(self, line: str) -> None:
        """Until the client has sent `line`."""
        async with self._changed:
            await self._changed.wait_for(lambda: line in self.received)

    async def send(self, *lines: str) -> None:
        """Lines in one WebSocket frame, CR LF terminated, as Twitch batches them."""
        assert self._ws is not None and not self._ws.closed
        await self._ws.send_str("".join(f"{line}\r\n" for line in lines))

    async def drop(self) -> None:
        assert self._ws is not None
        await self._ws.close()

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        nick, password = "", None
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            for line in frame.data.split("\r\n"):
                if not line:
                    continue
                self.received.append(line)
                await self._note()
                if line.startswith("CAP REQ :"):
                    await ws.send_str(f":tmi.twitch.tv CAP * ACK :{line[9:]}\r\n")
                elif line.startswith("PASS "):
                    password = line[5:]
                elif line.startswith("NICK "):
                    nick = line[5:]
                    if password is not None and password != f"oauth:{GOOD_TOKEN}":
                        await ws.send_str(":tmi.twitch.tv NOTICE * :Login authentication failed\r\n")
                        await ws.close()
                        break
                    welcome = [f":tmi.twitch.tv 00{n} {nick} :{t}" for n, t in
                               ((1, "Welcome, GLHF!"), (2, "Your host is tmi.twitch.tv"),
                                (3, "This server is rather new"), (4, "-"))]
                    welcome += [f":tmi.twitch.tv 375 {nick} :-", f":tmi.twitch.tv 372 {nick} :You are in a maze of "
                                f"twisty passages, all alike.", f":tmi.twitch.tv 376 {nick} :>"]
                    await ws.send_str("".join(f"{w}\r\n" for w in welcome))
                elif line.startswith("JOIN #"):
                    channel = line[6:]
                    await ws.send_str(f":{nick}!{nick}@{nick}.tmi.twitch.tv JOIN #{channel}\r\n"
                                      f":{nick}.tmi.twitch.tv 353 {nick} = #{channel} :{nick}\r\n"
                                      f":{nick}.tmi.twitch.tv 366 {nick} #{channel} :End of /NAMES list\r\n"
                                      f"@emote-only=0;followers-only=-1;r9k=0;room-id=1337;slow=0;subs-only=0 "
                                      f":tmi.twitch.tv ROOMSTATE #{channel}\r\n")
                    self.joins += 1
                    await self._note()
                elif line.startswith("PING"):
                    await ws.send_str(f":tmi.twitch.tv PONG tmi.twitch.tv :{line.partition(':')[2]}\r\n")
        return ws

    async def start(self) -> FakeTwitch:
        app = web.Application()
        app.router.add_get("/", self.handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"ws://127.0.0.1:{self._runner.addresses[0][1]}/"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
