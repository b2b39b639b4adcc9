"""Memory Mesh accounts for tests: register and log in a user, an authenticated client, a WebSocket URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from api_server import ApiServer

PASSWORD = "SecurePass123"


async def account(api: ApiServer, name: str) -> dict[str, Any]:
    """A registered, logged-in user: `{"user": {...}, "access_token", "refresh_token", ...}`."""
    async with httpx.AsyncClient(base_url=api.base_url) as client:
        r = await client.post("/v1/auth/register", json={"email": f"{name}@example.com", "username": name,
                                                         "password": PASSWORD})
        assert r.status_code == 201, r.text
        auth = await client.post("/v1/auth/login", json={"email": f"{name}@example.com", "password": PASSWORD})
        assert auth.status_code == 200, auth.text
    return {"user": r.json(), **auth.json()}


def as_user(api: ApiServer, auth: dict[str, Any]) -> httpx.AsyncClient:
    return api.client(Authorization=f"Bearer {auth['access_token']}")


def ws_url(api: ApiServer, tenant: str) -> str:
    return api.base_url.replace("http://", "ws://") + f"/ws/messages/{tenant}"


def message(tenant: str, content: str, conversation: str = "c1") -> dict[str, Any]:
    return {"tenant_id": tenant, "conversation_id": conversation, "role": "user", "content": content}


@asynccontextmanager
async def connected(api: ApiServer, callers: list[dict[str, str]]) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One client per caller (its headers), each already connected, so that requests sent with
    asyncio.gather reach the server together instead of one behind each connection set-up."""
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(api.client(**headers)) for headers in callers]
        for c in clients:
            assert (await c.get("/health")).status_code == 200
        yield clients


def bearer(auth: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {auth['access_token']}"}
