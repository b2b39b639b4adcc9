"""The console's livestream live view over plain HTTP and WebSocket: scope, the connectors' state, and the
console's own socket relaying the persona's events to a signed-in page (no API key in the page)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from api_server import ApiServer, MakeApi
from console_helpers import login
from fake_youtube import API_KEY, VIDEO, FakeYouTube
from live_helpers import health_when


def browser(api: ApiServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=api.base_url, timeout=60.0)


@pytest.fixture
async def youtube() -> AsyncIterator[FakeYouTube]:
    fake = await FakeYouTube().start()
    yield fake
    await fake.close()


async def test_the_live_page_follows_the_keys_scope(api: ApiServer) -> None:
    key = await api.new_key(personas=["nova"])
    async with browser(api) as c:
        await login(c, key)
        other = await c.get("/console/live/cocoro")
        own = await c.get("/console/live/nova")
        unknown = await c.get("/console/live/nobody")
    assert other.status_code == 403
    assert own.status_code == 200 and 'data-live-ws="/console/live/nova/ws"' in own.text
    assert api.admin_key not in own.text and key not in own.text
    assert unknown.status_code == 404 and "nobody" in unknown.text


async def test_the_live_page_shows_the_connectors_state(youtube: FakeYouTube, make_api: MakeApi) -> None:
    api = await make_api(live_persona="cocoro", live_youtube=VIDEO, youtube_api_key=API_KEY,
                         youtube_api_url=youtube.url, youtube_min_poll_seconds=0)
    health = await health_when(api, lambda connectors: connectors and connectors[0]["state"] == "connected")
    assert health["live_connectors"][0]["state"] == "connected"
    async with browser(api) as c:
        await login(c, api.admin_key)
        page = (await c.get("/console/live/cocoro")).text
        quiet = (await c.get("/console/live/nova")).text
    assert 'id="connectors"' in page and "youtube" in page and VIDEO in page and "connected" in page
    assert 'id="no-connectors"' in quiet


async def test_the_console_socket_relays_events_with_the_session_only(api: ApiServer) -> None:
    ws_url = api.base_url.replace("http://", "ws://") + "/console/live/cocoro/ws"
    async with browser(api) as c:
        await login(c, api.admin_key)
        cookie = f"omoide_console={c.cookies['omoide_console']}"
    host = api.base_url.removeprefix("http://")
    with pytest.raises(websockets.InvalidStatus) as no_session:
        await websockets.connect(ws_url, origin=websockets.Origin(api.base_url))
    with pytest.raises(websockets.InvalidStatus) as elsewhere:
        await websockets.connect(ws_url, additional_headers={"Cookie": cookie},
                                 origin=websockets.Origin("https://evil.example"))
    assert b'action="/console/login"' in (no_session.value.response.body or b"")  # sent to the login form
    assert elsewhere.value.response.status_code == 403
    async with websockets.connect(ws_url, additional_headers={"Cookie": cookie},
                                  origin=websockets.Origin(f"http://{host}")) as ws:
        assert json.loads(await ws.recv()) == {"type": "subscribed", "persona": "cocoro"}
        async with api.client(api.admin_key) as c:
            out = (await c.post("/api/livestream/cocoro/events", json={
                "platform": "youtube", "viewer_id": "v1", "viewer_name": "Mika", "type": "chat",
                "message": "合格しました！嬉しい！", "event_id": "console-1"})).json()
        pushed = json.loads(await asyncio.wait_for(ws.recv(), 60))  # a guard against hanging, not a timer
    assert pushed["type"] == "reply" and pushed["event_id"] == "console-1" and pushed["reply"] == out["reply"]
    assert pushed["viewer_known"] is False and pushed["emotion"] == out["dominant_emotion"]["label"]


async def test_a_dropped_event_reaches_the_live_view_as_unanswered(make_api: MakeApi) -> None:
    api = await make_api(livestream_chat_replies_per_minute=1, livestream_chat_burst=1)
    ws_url = api.base_url.replace("http://", "ws://") + "/console/live/nova/ws"
    async with browser(api) as c:
        await login(c, api.admin_key)
        cookie = f"omoide_console={c.cookies['omoide_console']}"
    async with websockets.connect(ws_url, additional_headers={"Cookie": cookie},
                                  origin=websockets.Origin(api.base_url)) as ws:
        await ws.recv()
        async with api.client(api.admin_key) as c:
            for n, viewer in enumerate(("a", "b")):
                await c.post("/api/livestream/nova/events", json={
                    "platform": "youtube", "viewer_id": viewer, "viewer_name": viewer, "type": "chat",
                    "message": f"hello {n}", "event_id": f"e{n}"})
        got = [json.loads(await asyncio.wait_for(ws.recv(), 60)) for _ in range(2)]
    by_id = {m["event_id"]: m for m in got}
    assert by_id["e0"]["type"] == "reply"
    assert by_id["e1"]["type"] == "event" and by_id["e1"]["status"] == "dropped"
    assert by_id["e1"]["reason"] == "rate_limited"


async def test_revoking_the_key_closes_its_live_view_socket(api: ApiServer) -> None:
    key = await api.new_key(name="watcher", personas=["cocoro"])
    async with browser(api) as c:
        await login(c, key)
        cookie = f"omoide_console={c.cookies['omoide_console']}"
    async with websockets.connect(api.base_url.replace("http://", "ws://") + "/console/live/cocoro/ws",
                                  additional_headers={"Cookie": cookie}, origin=websockets.Origin(api.base_url)) as ws:
        await ws.recv()
        async with api.client(api.admin_key) as c:
            key_id = next(k["id"] for k in (await c.get("/admin/api-keys")).json()["keys"] if k["name"] == "watcher")
            assert (await c.delete(f"/admin/api-keys/{key_id}")).status_code == 200
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 60)  # a guard against hanging, not a timer
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
