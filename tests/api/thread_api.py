"""The API on 127.0.0.1 in its own thread and event loop, for synchronous clients (schemathesis' requests).

A synchronous client would block the tests' shared event loop, and a `python -m bot` process would
load the model again; this runs the same app over a real engine with the session's model.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.api.app import create_app
from bot.services import Services
from config import load_settings
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


class ThreadedApi:
    """`with ThreadedApi(data_dir, embedder, api_rate_limit_per_minute=0) as api:` serves until the block ends."""

    def __init__(self, data_dir: Path, embedder: Embedder, **settings: Any) -> None:
        self.data_dir = data_dir
        self.embedder = embedder
        self.settings = settings
        self.port: int | None = None
        self.errors = _Errors()  # what the server logged at ERROR (unhandled errors, failed audits)
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="threaded-api", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_key(self) -> str:
        return (self.data_dir / "admin.key").read_text().strip()

    def __enter__(self) -> ThreadedApi:
        logging.getLogger("omoide").addHandler(self.errors)
        self._thread.start()
        if not self._ready.wait(300) or self._failure is not None:
            raise AssertionError(f"the API did not start: {self._failure!r}")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(120)
        logging.getLogger("omoide").removeHandler(self.errors)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced by __enter__
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        settings = load_settings(data_dir=self.data_dir, **self.settings)
        engine = await MemoryEngine.open(EngineOptions(data_dir=self.data_dir), self.embedder)
        services = Services(settings=settings, engine=engine)
        runner = web.AppRunner(create_app(services, settings), access_log=None)
        try:
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.port = runner.addresses[0][1]
            self._ready.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()
            await services.close()
            await engine.close()
