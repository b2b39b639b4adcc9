"""Streamable HTTP at `/mcp` on the side API.

aiohttp does what it does for every route first (the API key from `Authorization: Bearer` or
`X-API-Key`, the rate limit, the body limit, JSON errors); the request then goes to the SDK's session
manager as ASGI, with the resolved caller in the ASGI scope. Stateless with JSON responses: each POST
stands alone and is authenticated on its own, so no session can outlive or change its key.
Optional scope headers: `X-Tenant-ID`, `X-Persona`, `X-User-ID` (or `?tenant=&persona=&user=`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from mcp.server import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_REQUEST

from bot.api.state import principal, state
from bot.mcp.asgi import call_asgi
from bot.mcp.caller import Caller, scope_for
from bot.mcp.server import build_server

PATH = "/mcp"
CALLER = "omoide.caller"  # the ASGI scope key the handlers read the caller from
MANAGER = web.AppKey("mcp_session_manager", StreamableHTTPSessionManager)


async def _resolve(ctx: ServerRequestContext[Any, Any]) -> Caller:
    caller = ctx.request.scope.get(CALLER) if ctx.request is not None else None
    if not isinstance(caller, Caller):
        raise MCPError(INVALID_REQUEST, "no authenticated caller for this request")
    return caller


def _wanted(request: web.Request, header: str, query: str) -> str | None:
    return request.headers.get(header) or request.query.get(query) or None


async def handle(request: web.Request) -> web.StreamResponse:
    st, who = state(request), principal(request)
    scope = await scope_for(st.access, who, tenant=_wanted(request, "X-Tenant-ID", "tenant"),
                            persona=_wanted(request, "X-Persona", "persona"),
                            user=_wanted(request, "X-User-ID", "user"))
    caller = Caller(who, scope, st.engine, st.store, client_ip=request.remote)
    return await call_asgi(request, request.app[MANAGER].handle_request, {CALLER: caller})


async def _run_manager(app: web.Application) -> AsyncIterator[None]:
    """The manager's task group lives in a task of its own (anyio scopes end in the task they began in)."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with app[MANAGER].run():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run(), name="mcp-session-manager")
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait((task, waiter), return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # it failed to start: raise why
    yield
    stop.set()
    await task


def setup(app: web.Application) -> None:
    app[MANAGER] = StreamableHTTPSessionManager(app=build_server(_resolve), json_response=True, stateless=True)
    app.router.add_route("*", PATH, handle)
    app.cleanup_ctx.append(_run_manager)
