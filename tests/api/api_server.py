"""The handle tests get for a running API server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from aiohttp import web

from config import Settings


@dataclass
class ApiServer:
    base_url: str
    admin_key: str
    settings: Settings
    app: web.Application

    def client(self, key: str | None = None, **headers: str) -> httpx.AsyncClient:
        """An httpx client the way the seeds build theirs (JSON header, X-API-Key when given)."""
        h = {"Content-Type": "application/json", **headers}
        if key:
            h["X-API-Key"] = key
        return httpx.AsyncClient(base_url=self.base_url, headers=h, timeout=60.0)

    async def new_key(self, **fields: Any) -> str:
        async with self.client(self.admin_key) as c:
            r = await c.post("/admin/api-keys", json={"name": "test", **fields})
            assert r.status_code == 201, r.text
            return r.json()["key"]


MakeApi = Callable[..., Awaitable[ApiServer]]
