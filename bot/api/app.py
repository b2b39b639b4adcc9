"""App factory: `create_app(services, settings)` builds the aiohttp application with typed state.

Each API family is a module with `setup(app)`; ROUTE_MODULES lists them, so a new family is one line
(its routes get auth, rate limits, audit, JSON errors and OpenAPI entries from `bot.api.registry`).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import AsyncIterator, Callable, Sequence

from aiohttp import web

from bot.api import openapi
from bot.api.auth.keys import KeyStore
from bot.api.auth.owners import TenantOwners
from bot.api.auth.principal import Access
from bot.api.auth.secrets import read_or_create_secret
from bot.api.auth.signing import ReplayGuard
from bot.api.auth.tokens import Tokens
from bot.api.auth.users import Users
from bot.api.conversations import Conversations
from bot.api.hub import Hub
from bot.api.middleware import MIDDLEWARES
from bot.api.ratelimit import RateLimiter
from bot.api.registry import OPERATIONS, Api
from bot.api.routes.livestream import CONNECTORS
from bot.api.schemas.emotionmem import HealthResponse
from bot.api.schemas.livestream import ConnectorOut
from bot.api.state import SERVICES, STATE, ApiState
from bot.services import Services
from bot.telemetry.http import telemetry
from config import Settings

JWT_SECRET_FILE = "jwt.secret"
ROUTE_MODULES: tuple[str, ...] = (
    "bot.api.routes.emotionmem",
    "bot.api.routes.cocoro",
    "bot.api.routes.mesh_auth",
    "bot.api.routes.mesh",
    "bot.api.routes.tools",
    "bot.api.routes.admin",
    "bot.api.routes.admin_tenants",
    "bot.api.routes.admin_ops",
    "bot.api.routes.resonant",
    "bot.api.routes.livestream",
    "bot.mcp.http_route",  # MCP (streamable HTTP) at /mcp
    "bot.console.app",  # the web console and the users' privacy pages at /console
    "bot.api.routes.observability",  # /health/live, /health/ready, /metrics
)
MAX_URL_BYTES = 131072  # GET query texts are at most QUERY_TEXT_CHARS, so their URLs fit
Setup = Callable[[web.Application], None]


async def health(request: web.Request) -> HealthResponse:
    services = request.app[SERVICES]
    engine = services.engine
    discord = services.discord_status  # "degraded" while a configured Discord client is not connected
    return HealthResponse(status="healthy" if discord.healthy else "degraded", service="omoide",
                          embedding_model=engine.embeddings.model_id, embedding_dim=engine.embeddings.dim,
                          cubes=len(await engine.cubes()), uptime_seconds=round(time.time() - services.started_at, 1),
                          live_connectors=[ConnectorOut.model_validate(c) for c in request.app[CONNECTORS].statuses()],
                          discord=discord.as_dict())


def _state(services: Services, settings: Settings) -> ApiState:
    sessions = services.store.sessions
    tokens = Tokens(read_or_create_secret(settings.data_dir / JWT_SECRET_FILE), settings.api_jwt_access_minutes,
                    settings.api_jwt_refresh_days)
    keys = KeyStore(sessions)
    return ApiState(services=services, settings=settings, keys=keys, users=Users(sessions, tokens),
                    access=Access(keys, tokens, sessions, TenantOwners(sessions, services.engine),
                                  settings.api_default_tenant),
                    limiter=services.cluster.limiter or RateLimiter(settings.api_rate_limit_per_minute,
                                                                    settings.api_rate_limit_burst),
                    hub=Hub(services.cluster.bus, "mesh"), conversations=Conversations(sessions), replays=ReplayGuard())


def create_app(services: Services, settings: Settings, *, extra: Sequence[Setup] = ()) -> web.Application:
    app = web.Application(client_max_size=settings.api_max_body_bytes, middlewares=[telemetry, *MIDDLEWARES],
                          handler_args={"max_line_size": MAX_URL_BYTES})
    app[SERVICES] = services
    app[STATE] = _state(services, settings)
    api = Api(app)
    for path in ("/health/", "/health"):
        api.add("GET", path, health, summary="Liveness and the model in use", tag="Health", response=HealthResponse,
                public=True)
    for name in ROUTE_MODULES:
        importlib.import_module(name).setup(app)
    for setup in extra:
        setup(app)
    openapi.setup(app)
    app[openapi.SPEC] = openapi.build_spec(app[OPERATIONS])
    app.cleanup_ctx.append(_lifecycle)
    return app


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    """The API's tables and admin key at start; at cleanup, the WebSocket listeners are closed."""
    st = app[STATE]
    await st.store.ensure_schema()
    await st.access.owners.backfill(st.settings.api_default_tenant)  # before any request can claim a tenant
    await st.keys.ensure_admin_key(st.settings.data_dir)
    yield
    await st.hub.close_all()
