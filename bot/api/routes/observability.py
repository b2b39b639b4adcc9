"""Health for orchestrators and metrics for Prometheus: /health/live, /health/ready and /metrics.

`/health/live` answers as long as the process serves requests. `/health/ready` checks what the API
needs to be useful: the database answers a query on the engine's own table, its schema is at this
release's migration head, the model is loaded, and says what the Discord client is doing (its absence
degrades the process, not the API). The original `/health` stays as it was for the seed clients.
`/metrics` needs the admin key (bot.telemetry.http).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Literal

from aiohttp import web

from bot.api.registry import Api, json_response
from bot.api.routes.livestream import STREAMS
from bot.api.schemas.health import CheckOut, DiscordCheckOut, LiveResponse, ReadyChecks, ReadyResponse
from bot.api.state import STATE, state
from bot.livestream import Stream
from bot.services import Services
from bot.telemetry.collectors import ProcessCollector
from bot.telemetry.http import attach, metrics
from memory.db.migrate import current as current_revision
from memory.db.migrate import head as head_revision

TAG = "Health"
DB_CHECK_SECONDS = 3.0


async def live(request: web.Request) -> LiveResponse:
    return LiveResponse(uptime_seconds=round(time.time() - state(request).services.started_at, 1))


async def database_check(services: Services) -> CheckOut:
    """A query on the engine's meta table through its pool, as every request would run one."""
    try:
        async with asyncio.timeout(DB_CHECK_SECONDS):
            row = await services.engine.stored_model()
    except TimeoutError:
        return CheckOut(ok=False, detail=f"the database did not answer within {DB_CHECK_SECONDS:.0f} s")
    except Exception as exc:  # whatever the driver raises is the reason to report
        return CheckOut(ok=False, detail=f"{type(exc).__name__}: {str(exc)[:300]}")
    if row is None:
        return CheckOut(ok=False, detail="the database has no engine schema (meta.embedding_model is missing)")
    return CheckOut(ok=True, detail="reachable")


async def migrations_check(services: Services) -> CheckOut:
    """The schema revision, read through the bot's store: another process may have changed the database."""
    try:
        async with asyncio.timeout(DB_CHECK_SECONDS):
            revision = await current_revision(services.store.db)
    except TimeoutError:
        return CheckOut(ok=False, detail=f"the database did not answer within {DB_CHECK_SECONDS:.0f} s")
    except Exception as exc:  # whatever the driver raises is the reason to report
        return CheckOut(ok=False, detail=f"{type(exc).__name__}: {str(exc)[:300]}")
    if revision != head_revision():
        return CheckOut(ok=False, detail=f"the schema is at revision {revision or 'none'}, this release needs "
                                         f"{head_revision()}: run `python -m bot db upgrade`")
    return CheckOut(ok=True, detail=f"at revision {revision} (head)")


def model_check(services: Services) -> CheckOut:
    emb = services.engine.embeddings
    if emb.closed:
        return CheckOut(ok=False, detail=f"the model {emb.model_id} was unloaded (the engine is closing)")
    return CheckOut(ok=True, detail=f"{emb.model_id} ({emb.dim} dims) loaded")


_NOT_CONNECTED = {
    "connecting": "the Discord client is logging in",
    "reconnecting": "lost the gateway; discord.py is reconnecting",
    "stopped": "the Discord client stopped; the log says why",
}


def discord_check(services: Services) -> DiscordCheckOut:
    """What /health reports under `discord` (services.discord_status), as a check."""
    status = services.discord_status
    if not status.configured:
        return DiscordCheckOut(ok=True, state="off", detail="DISCORD_TOKEN is not set: the API runs alone"
                               if services.settings.discord_token is None else
                               "no Discord client in this process (`python -m bot discord` runs one)")
    shown = status.as_dict()
    state = shown["state"]
    if state == "connected":
        return DiscordCheckOut(ok=True, state=state, detail=f"in {shown['guilds']} guild(s), {shown['shards']} "
                                                            "shard(s)")
    detail = _NOT_CONNECTED.get(state, state)
    if status.last_error:
        detail += f" (last error: {status.last_error})"
    return DiscordCheckOut(ok=False, state=state, detail=detail)


async def ready(request: web.Request) -> web.Response:
    return await readiness(state(request).services)


async def readiness(services: Services) -> web.Response:
    """The /health/ready answer, also served alone by the discord and jobs processes (bot.ops_app)."""
    checks = ReadyChecks(database=await database_check(services), migrations=await migrations_check(services),
                         model=model_check(services), discord=discord_check(services))
    problems = [f"{name}: {c.detail}" for name, c in checks if isinstance(c, CheckOut) and not c.ok]
    status: Literal["ready", "degraded", "not_ready"] = (
        "not_ready" if not (checks.database.ok and checks.migrations.ok and checks.model.ok)
        else "degraded" if not checks.discord.ok else "ready")
    body = ReadyResponse(status=status, checks=checks, problems=problems)
    return json_response(body, 503 if status == "not_ready" else 200)


def setup(app: web.Application) -> None:
    attach(app, ProcessCollector(app[STATE].services, lambda: _streams(app)))
    api = Api(app)
    api.add("GET", "/health/live", live, summary="Liveness: the process answers", tag=TAG, response=LiveResponse,
            public=True)
    api.add("GET", "/health/ready", ready,
            summary="Readiness: database, schema, model and Discord, with what is wrong", tag=TAG,
            response=ReadyResponse, public=True,
            description="200 when ready or degraded (Discord down: the API still serves), 503 with the same body "
                        "when the database, its schema revision or the model is unusable.")
    api.add("GET", "/metrics", metrics, summary="Prometheus metrics (text exposition format)", tag=TAG,
            admin=True, media_type="text/plain")


def _streams(app: web.Application) -> Iterator[tuple[str, Stream]]:
    streams = app.get(STREAMS)
    if streams is None:
        return
    for persona in app[STATE].services.personas.all():
        stream = streams.peek(persona.memory_id)
        if stream is not None:
            yield persona.memory_id, stream
