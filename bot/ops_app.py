"""What a process without the API (`python -m bot discord`, `python -m bot jobs`) serves on API_PORT:
/health/live and /health/ready, so an orchestrator checks every process the same way."""

from __future__ import annotations

import time

from aiohttp import web

from bot.api.registry import json_response
from bot.api.routes.observability import readiness
from bot.api.schemas.health import LiveResponse
from bot.api.state import SERVICES
from bot.services import Services
from bot.telemetry.collectors import ProcessCollector
from bot.telemetry.http import attach


async def _live(request: web.Request) -> web.Response:
    started = request.app[SERVICES].started_at
    return json_response(LiveResponse(uptime_seconds=round(time.time() - started, 1)))


async def _ready(request: web.Request) -> web.Response:
    return await readiness(request.app[SERVICES])


def ops_app(services: Services) -> web.Application:
    app = web.Application()
    app[SERVICES] = services
    attach(app, ProcessCollector(services, lambda: iter(())))  # METRICS_PORT serves these
    for path, handler in (("/health/live", _live), ("/health/ready", _ready), ("/health", _ready)):
        app.router.add_get(path, handler)
    return app
