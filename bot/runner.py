"""The bot process: engine, side API and (with a token) the Discord client, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.api.app import create_app
from bot.services import Services
from config import Settings

log = logging.getLogger("omoide")


async def serve(settings: Settings, *, discord: bool = True) -> None:
    """Run until SIGINT/SIGTERM; `discord=False` (`python -m bot api`) serves the API alone."""
    services = await Services.start(settings)
    runner = web.AppRunner(create_app(services, settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.api_host, settings.api_port)
    await site.start()
    port = runner.addresses[0][1] if runner.addresses else settings.api_port
    log.info("api listening on http://%s:%s (health: /health/)", settings.api_host, port)
    if discord and settings.discord_token is None:
        log.warning("DISCORD_TOKEN is not set, so the Discord bot is off; the API keeps running. "
                    "Add DISCORD_TOKEN=<your bot token> to .env (see .env.example) and restart.")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop_on, sig, stop)
    try:
        await stop.wait()
    finally:
        log.info("shutting down: flushing writes and saving indexes")
        await runner.cleanup()
        await services.close()
        log.info("stopped cleanly")


def _stop_on(sig: signal.Signals, stop: asyncio.Event) -> None:
    """Say which signal stopped the bot: a stop nobody here asked for is then plain in the log."""
    log.info("%s received: stopping", sig.name)
    stop.set()
