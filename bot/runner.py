"""The bot process: engine, side API and (with a token) the Discord client, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import os
import signal

from aiohttp import web

from bot.api.app import create_app
from bot.ops_app import ops_app
from bot.run_modes import RunMode
from bot.services import Services
from bot.telemetry.http import metrics_only_app
from bot.telemetry.tracing import TRACING, enable_from_settings
from config import Settings
from memory.errors import OmoideError

log = logging.getLogger("omoide")


class ApiListenError(OmoideError):
    """The side API cannot listen where API_HOST/API_PORT say (the CLI says so in one line)."""

    error_type = "ApiListenError"


def _listen_error(exc: OSError, host: str, port: int) -> ApiListenError:
    if exc.errno == errno.EADDRINUSE:
        return ApiListenError(f"API_PORT {port} is already in use on {host} (another Omoide, or another program); "
                              "set API_PORT to a free port, or API_PORT=0 to pick one", field="API_PORT")
    if exc.errno == errno.EACCES:
        return ApiListenError(f"API_PORT {port} needs administrator rights on {host}; use a port above 1023",
                              field="API_PORT")
    return ApiListenError(f"cannot listen on API_HOST {host}, API_PORT {port}: {exc.strerror or exc}",
                          field="API_HOST")


RETRY_FIRST_SECONDS = 2.0
RETRY_MAX_SECONDS = 300.0


async def run_discord(services: Services, token: str, *, retry_first: float = RETRY_FIRST_SECONDS,
                      retry_max: float = RETRY_MAX_SECONDS, shard_ids: tuple[int, ...] | None = None,
                      shard_count: int | None = None) -> None:
    """Run the Discord client until cancelled; the API keeps serving whatever happens here.

    An unreachable Discord at start (no network, DNS, 5xx) is retried with backoff, one log line per
    attempt; once logged in, discord.py reconnects a dropped gateway itself (logged in one line too).
    A refused token or a missing intent stops the client with what to fix. /health shows the state.
    With `shard_count`, this process runs `shard_ids` of that many shards (discord.py AutoShardedBot).
    """
    import aiohttp
    import discord

    from bot.discord.client import make_bot
    from bot.discord.status import OneLineRetries, describe

    status = services.discord_status
    status.configured = True
    retries = OneLineRetries(status)
    logging.getLogger("discord.client").addFilter(retries)
    bot = None
    try:
        while True:
            bot = make_bot(services, shard_ids=shard_ids, shard_count=shard_count)
            status.state, status.attempts = "connecting", status.attempts + 1
            try:
                await bot.login(token)
                break
            except (OSError, TimeoutError, aiohttp.ClientError, discord.GatewayNotFound,
                    discord.DiscordServerError) as exc:
                status.error(exc)
                delay = min(retry_max, retry_first * 2 ** min(status.attempts - 1, 30))
                log.warning("Discord unreachable (%s); trying again in %.1f s (attempt %d); the API keeps running",
                            describe(exc), delay, status.attempts)
                await bot.close()
                await asyncio.sleep(delay)
        await bot.connect(reconnect=True)
    except ValueError as exc:
        status.error(exc)
        log.error("Discord bot not started: %s", exc)
    except discord.LoginFailure as exc:
        status.error(exc)
        log.error("Discord refused DISCORD_TOKEN (login failed); the API keeps running. Copy the token again from "
                  "the Developer Portal (Bot > Reset Token) into .env.")
    except discord.PrivilegedIntentsRequired as exc:
        status.error(exc)
        log.error("Discord bot needs the Message Content intent: enable it in the Developer Portal (Bot > "
                  "Privileged Gateway Intents) and restart; the API keeps running.")
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        status.error(exc)
        log.exception("Discord client stopped with an error; the API keeps running")
    finally:
        status.state = "stopped"
        logging.getLogger("discord.client").removeFilter(retries)
        if bot is not None and not bot.is_closed():
            await bot.close()
        log.info("discord client closed")


async def serve(settings: Settings, mode: RunMode | None = None) -> None:
    """Run until SIGINT/SIGTERM what `mode` says (bot.run_modes; default: everything). Without the API
    (discord, jobs) API_PORT serves /health/live and /health/ready only."""
    mode = mode or RunMode("run")
    discord = mode.discord
    enable_from_settings(settings.otel_exporter_otlp_endpoint)
    services = await Services.start(settings, jobs_first=mode.jobs_first, name=f"{mode.name} process {os.getpid()}")
    app = create_app(services, settings) if mode.api else ops_app(services)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.api_host, settings.api_port, reuse_port=mode.reuse_port or None)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        await services.close()
        raise _listen_error(exc, settings.api_host, settings.api_port) from None
    port = runner.addresses[0][1] if runner.addresses else settings.api_port
    metrics_runner = await _serve_metrics(app, settings) if settings.metrics_port is not None else None
    # what start-up loaded (the model, tokenizers, emotion lexicons: ~100k objects) lives as long as the
    # process: moved out of the collector's reach, a full collection no longer walks it (~30 ms each)
    gc.freeze()
    log.info("%s listening on http://%s:%s (health: /health/)", "api" if mode.api else f"{mode.name} health",
             settings.api_host, port)
    discord_task: asyncio.Task[None] | None = None
    if not discord:
        pass  # `python -m bot api`: the API alone, by request
    elif settings.discord_token is None:
        log.warning("DISCORD_TOKEN is not set, so the Discord bot is off; the API keeps running. "
                    "Add DISCORD_TOKEN=<your bot token> to .env (see .env.example) and restart.")
    else:
        discord_task = asyncio.create_task(run_discord(services, settings.discord_token.get_secret_value(),
                                                       shard_ids=mode.shard_ids, shard_count=mode.shard_count))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop_on, sig, stop)
    try:
        await stop.wait()
    finally:
        log.info("shutting down: flushing writes and saving indexes")
        if discord_task is not None:
            discord_task.cancel()
            await asyncio.gather(discord_task, return_exceptions=True)
        await runner.cleanup()
        if metrics_runner is not None:
            await metrics_runner.cleanup()
        await services.close()
        TRACING.shutdown()
        log.info("stopped cleanly")


async def _serve_metrics(api: web.Application, settings: Settings) -> web.AppRunner:
    """The unauthenticated /metrics listener (METRICS_HOST:METRICS_PORT)."""
    runner = web.AppRunner(metrics_only_app(api), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.metrics_host, settings.metrics_port).start()
    port = runner.addresses[0][1] if runner.addresses else settings.metrics_port
    log.info("metrics listening on http://%s:%s/metrics (no key needed there)", settings.metrics_host, port)
    return runner


def _stop_on(sig: signal.Signals, stop: asyncio.Event) -> None:
    """Say which signal stopped the bot: a stop nobody here asked for is then plain in the log."""
    log.info("%s received: stopping", sig.name)
    stop.set()
