"""App factory: `create_app(services, settings)` builds the aiohttp application with typed state."""

from __future__ import annotations

import time

from aiohttp import web

from bot.api.routes import resonant
from bot.services import Services
from config import Settings

SERVICES = web.AppKey("services", Services)


async def health(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    engine = services.engine
    return web.json_response({
        "status": "healthy",
        "service": "omoide",
        "embedding_model": engine.embeddings.model_id,
        "embedding_dim": engine.embeddings.dim,
        "cubes": len(engine.indexes.cubes()),
        "uptime_seconds": round(time.time() - services.started_at, 1),
    })


def create_app(services: Services, settings: Settings) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app.router.add_get("/health/", health)
    app.router.add_get("/health", health)
    resonant.setup(app)
    return app
