"""Serve one aiohttp request with an ASGI application (the MCP SDK's HTTP transport is ASGI).

The body is read by aiohttp first (so its size limit applies), then handed over in one piece; the
response is streamed back as the application sends it (JSON or server-sent events alike).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

Message = MutableMapping[str, Any]
AsgiApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]


def _scope(request: web.Request, extra: dict[str, Any]) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": f"{request.version.major}.{request.version.minor}", "method": request.method,
            "scheme": request.scheme, "path": request.path, "raw_path": request.path.encode("utf-8"),
            "query_string": request.query_string.encode("latin-1"), "root_path": "",
            "headers": [(name.lower(), value) for name, value in request.raw_headers],
            "client": (request.remote or "", 0), "server": None, **extra}


async def call_asgi(request: web.Request, app: AsgiApp, extra: dict[str, Any]) -> web.StreamResponse:
    """Run `app` for this request; `extra` goes into the ASGI scope (what the app may read about the caller)."""
    body = await request.read()
    finished = asyncio.Event()
    body_sent = False
    response: web.StreamResponse | None = None

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()  # a streaming app waits here for the client to go away
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal response
        if message["type"] == "http.response.start":
            headers = CIMultiDict((k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", []))
            response = web.StreamResponse(status=message["status"], headers=headers)
            await response.prepare(request)
        elif message["type"] == "http.response.body" and response is not None:
            await response.write(message.get("body", b""))
            if not message.get("more_body", False):
                await response.write_eof()

    try:
        await app(_scope(request, extra), receive, send)
    finally:
        finished.set()
    if response is None:
        raise RuntimeError("the ASGI application sent no response")
    return response
