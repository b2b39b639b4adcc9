"""A real API server on 127.0.0.1 (port 0) over a real engine, per test; the admin key it made at start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from api_server import ApiServer, MakeApi

from bot.api.app import create_app
from bot.services import Services
from config import load_settings
from memory.engine import MemoryEngine
from memory.options import EngineOptions


@pytest.fixture
async def make_api(options: EngineOptions, engine: MemoryEngine) -> AsyncIterator[MakeApi]:
    runners: list[web.AppRunner] = []
    made: list[Services] = []

    async def make(**overrides: Any) -> ApiServer:
        settings = load_settings(data_dir=options.data_dir, **overrides)
        made.append(services := Services(settings=settings, engine=engine))
        app = create_app(services, settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        admin_key = (options.data_dir / "admin.key").read_text().strip()
        return ApiServer(f"http://127.0.0.1:{port}", admin_key, settings, app)

    yield make
    for runner in runners:
        await runner.cleanup()
    for services in made:
        await services.close()


@pytest.fixture
async def api(make_api: MakeApi) -> ApiServer:
    return await make_api()
