"""The livestream live view: a persona's events as they are answered, and the live chat connectors' state.

The page's script opens a WebSocket on the console itself (`/console/live/{persona}/ws`): the session cookie
says who it is, so no API key is ever put in the page. That socket joins the stream's
watchers: the same reply messages the API's `/api/livestream/{persona}/ws` sends, plus the events that got none.
"""

from __future__ import annotations

import json

from aiohttp import WSMsgType, web

from bot.api.errors import ApiError, not_found
from bot.api.routes.livestream import CONNECTORS, WATCHERS
from bot.api.state import STATE
from bot.console.render import WHO, render
from bot.personas import Persona


async def _persona(request: web.Request) -> Persona:
    """The persona of the path, after the API's own scope checks (its cube, the conversation's tenant)."""
    st = request.config_dict[STATE]
    name = request.match_info["persona"]
    persona = st.services.personas.find(name)
    if persona is None:
        raise not_found(f"persona {name!r} (known: {', '.join(st.services.personas.names())})", field="persona")
    await st.access.require_tenant(request[WHO], st.services.conversation.tenant)
    st.access.require_cube(request[WHO], persona.cube)
    return persona


async def page(request: web.Request) -> web.Response:
    persona = await _persona(request)
    connectors = [c for c in request.config_dict[CONNECTORS].statuses() if c["persona"] == persona.memory_id]
    return render(request, "live.html", {"persona": persona, "connectors": connectors,
                                         "ws_path": f"/console/live/{persona.memory_id}/ws"})


def _same_origin(request: web.Request) -> bool:
    """A browser always sends Origin on a WebSocket: another site's page must not ride the session cookie."""
    origin = request.headers.get("Origin", "")
    return origin in (f"http://{request.host}", f"https://{request.host}")


async def socket(request: web.Request) -> web.StreamResponse:
    """Relays the persona's hub messages (`{"type": "reply", ...}`, `{"type": "event", ...}`) to the page."""
    persona = await _persona(request)
    if not _same_origin(request):
        raise ApiError(403, "Forbidden", "Origin: the live view's socket opens only from the console's own pages",
                       field="Origin")
    hub = request.config_dict[WATCHERS]
    ws = web.WebSocketResponse(heartbeat=30.0)
    await ws.prepare(request)
    hub.add(persona.memory_id, ws, request[WHO])
    await ws.send_json({"type": "subscribed", "persona": persona.memory_id})
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and msg.data.strip().lower() in ("ping", json.dumps("ping")):
                await ws.send_json({"type": "pong"})
    finally:
        hub.remove(persona.memory_id, ws)
    return ws
