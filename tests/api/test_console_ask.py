"""A livestream viewer gets their privacy link by typing `mydata CODE` in the live chat: the code comes from
the console's ask page, and only the browser that asked gets the link (real app, engine and livestream route)."""

from __future__ import annotations

import re

import httpx
from api_server import ApiServer
from console_helpers import COCORO, seed_people

from memory.engine import MemoryEngine
from memory.types import MemoryFilter

ASK = "/console/privacy/ask"


def browser(api: ApiServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=api.base_url, timeout=60.0)


def code_of(html: str) -> str:
    found = re.search(r'id="ask-command">mydata ([A-Z0-9]+)<', html)
    assert found, "the page shows no code"
    return found.group(1)


async def chat(api: ApiServer, viewer_id: str, name: str, message: str) -> dict[str, object]:
    async with api.client(api.admin_key) as c:
        r = await c.post("/api/livestream/cocoro/events", json={
            "platform": "youtube", "viewer_id": viewer_id, "viewer_name": name, "type": "chat", "message": message})
        assert r.status_code == 200, r.text
        return dict(r.json())


async def test_a_viewer_types_the_code_in_chat_and_their_browser_opens_their_page(api: ApiServer,
                                                                                  engine: MemoryEngine) -> None:
    await seed_people(engine)
    before = (await engine.list(MemoryFilter(tenant="default", cube=COCORO))).total
    async with browser(api) as viewer, browser(api) as stranger:
        first = await viewer.get(ASK)
        code = code_of(first.text)
        again = await viewer.get(ASK)  # still waiting: the same code
        others = code_of((await stranger.get(ASK)).text)
        out = await chat(api, "UCviewer1", "Midori", f"!mydata {code.lower()}")
        late = await chat(api, "UCmallory", "Mallory", f"mydata {code}")  # a code is claimed once
        handed = await viewer.get(ASK)
        page = await viewer.get(handed.headers["location"])
        waiting = await stranger.get(ASK)
        next_time = await viewer.get(ASK)
    assert first.status_code == 200 and 'http-equiv="refresh"' in first.text and code_of(again.text) == code
    assert "httponly" in first.headers["set-cookie"].lower() and others != code
    assert out["status"] == "dropped" and out["reason"] == "privacy_code" and not out.get("reply")
    assert late["reason"] == "privacy_code"
    assert handed.status_code == 303 and handed.headers["location"].startswith("/console/privacy/ey")
    assert "Midori watches every Friday stream." in page.text and "Alice" not in page.text
    assert waiting.status_code == 200 and code_of(waiting.text) == others  # the stranger gets nothing
    assert code_of(next_time.text) != code  # handed out once: a new visit starts over
    kept = await engine.list(MemoryFilter(tenant="default", cube=COCORO), limit=100)
    assert kept.total == before and not any(code in m.content for m in kept.memories)  # not remembered


async def test_an_ordinary_message_that_mentions_mydata_is_chat(api: ApiServer) -> None:
    out = await chat(api, "UCviewer2", "Sora", "what is mydata about?")
    assert out["status"] != "dropped" or out["reason"] != "privacy_code"
