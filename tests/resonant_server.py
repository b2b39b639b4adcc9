"""A real Omoide API process-in-test for the Resonant routes: the app factory on 127.0.0.1, port 0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from aiohttp import web

from bot.api.app import create_app
from bot.services import Services
from config import Settings
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions

_KEYS: dict[str, str] = {}  # base URL -> the admin key its server wrote (every route but health needs a key)


@dataclass
class Running:
    url: str  # base URL of /api/memory
    engine: MemoryEngine


@asynccontextmanager
async def serve(data_dir: Path, embedder: Embedder) -> AsyncIterator[Running]:
    """The app on a free port; everything is closed (indexes saved) on exit."""
    settings = Settings(_env_file=None, data_dir=data_dir, api_port=0,  # type: ignore[call-arg]
                        api_rate_limit_per_minute=0)
    engine = await MemoryEngine.open(EngineOptions.from_settings(settings), embedder)
    services = Services(settings=settings, engine=engine)
    runner = web.AppRunner(create_app(services, settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/api/memory"
    _KEYS[url] = (data_dir / "admin.key").read_text().strip()
    try:
        yield Running(url, engine)
    finally:
        _KEYS.pop(url, None)
        await runner.cleanup()
        await services.close()
        await engine.close()


@asynccontextmanager
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"X-API-Key": _KEYS[base_url]} if base_url in _KEYS else {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=headers) as c:
        yield c
