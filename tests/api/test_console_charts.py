"""The emotion chart's numbers over plain HTTP: per day and emotion, for a cube and for one user; scope."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import httpx
from api_server import ApiServer
from console_helpers import COCORO, HARU, login, seed_emotions

from memory.engine import MemoryEngine

CHART = f"/console/cube/default/{COCORO}/emotions"


def browser(api: ApiServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=api.base_url, timeout=60.0)


def chart_of(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="emotion-data">(.*?)</script>', html, re.S)
    assert found, "the page has no chart data"
    return json.loads(found.group(1))


async def test_the_chart_counts_memories_per_day_and_emotion(api: ApiServer, engine: MemoryEngine) -> None:
    await seed_emotions(engine)
    async with browser(api) as c:
        await login(c, api.admin_key)
        everyone = chart_of((await c.get(CHART, params={"lang": "en"})).text)
        alice = chart_of((await c.get(CHART, params={"user": "alice"})).text)
        nobody = (await c.get(CHART, params={"user": "carol"})).text
    days = ["2026-05-01", "2026-05-02", "2026-05-04"]
    assert everyone["x"] == [int(datetime.fromisoformat(f"{d}T00:00:00+00:00").timestamp()) for d in days]
    assert {s["key"]: s["values"] for s in everyone["series"]} == {"joy": [2, 0, 1], "trust": [1, 0, 0],
                                                                   "sadness": [0, 1, 0]}
    assert everyone["series"][0]["key"] == "joy" and everyone["series"][0]["name"] == "Joy"
    assert {s["key"]: s["values"] for s in alice["series"]} == {"joy": [2, 0], "trust": [1, 0], "sadness": [0, 1]}
    assert len(alice["x"]) == 2
    assert 'id="chart-empty"' in nobody


async def test_the_chart_follows_the_keys_scope_and_checks_the_user_field(api: ApiServer,
                                                                          engine: MemoryEngine) -> None:
    await seed_emotions(engine)
    key = await api.new_key(personas=["haru"])
    async with browser(api) as c:
        await login(c, key)
        other = await c.get(CHART)
        own = await c.get(f"/console/cube/default/{HARU}/emotions")
        long_user = await c.get(f"/console/cube/default/{HARU}/emotions", params={"user": "u" * 200})
    assert other.status_code == 403 and "joy" not in other.text
    assert own.status_code == 200 and 'id="chart-empty"' in own.text
    assert long_user.status_code == 400 and 'data-field="user"' in long_user.text


async def test_the_charting_library_is_served_by_the_console(api: ApiServer) -> None:
    async with browser(api) as c:
        script = await c.get("/console/static/vendor/uPlot.iife.min.js")
    assert script.status_code == 200 and "uPlot" in script.text[:200]
