"""The bot process: engine, side API and (with a token) the Discord client, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

from aiohttp import web

from bot.api.app import create_app
from bot.services import Services
from bot.telemetry.http import metrics_only_app
from bot.telemetry.tracing import TRACING, enable_from_settings
from config import Settings

log = logging.getLogger("omoide")


async def run_discord(services: Services, token: str) -> None:
    """Run the Discord client until cancelled; a failure is logged and the API keeps serving."""
    import discord

    from bot.discord.client import OmoideBot

    try:
        bot = OmoideBot(services)
    except ValueError as exc:
        log.error("Discord bot not started: %s", exc)
        return
    try:
        await bot.start(token)
    except discord.LoginFailure:
        log.error("Discord refused DISCORD_TOKEN (login failed); the API keeps running. Copy the token again from "
                  "the Developer Portal (Bot > Reset Token) into .env.")
    except discord.PrivilegedIntentsRequired:
        log.error("Discord bot needs the Message Content intent: enable it in the Developer Portal (Bot > "
                  "Privileged Gateway Intents) and restart; the API keeps running.")
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("Discord client stopped with an error; the API keeps running")
    finally:
        if not bot.is_closed():
            await bot.close()
        log.info("discord client closed")


async def serve(settings: Settings, *, discord: bool = True) -> None:
    """Run until SIGINT/SIGTERM; `discord=False` (`python -m bot api`) serves the API alone."""
    enable_from_settings(settings.otel_exporter_otlp_endpoint)
    services = await Services.start(settings)
    app = create_app(services, settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.api_host, settings.api_port)
    await site.start()
    port = runner.addresses[0][1] if runner.addresses else settings.api_port
    metrics_runner = await _serve_metrics(app, settings) if settings.metrics_port is not None else None
    # what start-up loaded (the model, tokenizers, emotion lexicons: ~100k objects) lives as long as the
    # process: moved out of the collector's reach, a full collection no longer walks it (~30 ms each)
    gc.freeze()
    log.info("api listening on http://%s:%s (health: /health/)", settings.api_host, port)
    discord_task: asyncio.Task[None] | None = None
    if not discord:
        pass  # `python -m bot api`: the API alone, by request
    elif settings.discord_token is None:
        log.warning("DISCORD_TOKEN is not set, so the Discord bot is off; the API keeps running. "
                    "Add DISCORD_TOKEN=<your bot token> to .env (see .env.example) and restart.")
    else:
        discord_task = asyncio.create_task(run_discord(services, settings.discord_token.get_secret_value()))
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
