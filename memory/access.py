"""Recall bookkeeping: each search hit's last access time and count, batched off the read path
(flushed half a second after the first hit, in one write)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

from memory.store.base import MemoryStore

FLUSH_AFTER_SECONDS = 0.5


class AccessLog:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self._pending: dict[str, tuple[datetime, int]] = {}  # id -> (last recalled, times)
        self._task: asyncio.Task[None] | None = None
        self._sleeping = False

    def note(self, ids: list[str], now: datetime) -> None:
        for i in ids:
            self._pending[i] = (now, self._pending.get(i, (now, 0))[1] + 1)
        if ids and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        self._sleeping = True
        try:
            await asyncio.sleep(FLUSH_AFTER_SECONDS)
        finally:
            self._sleeping = False
        await self.flush()

    async def close(self) -> None:
        """Before the store closes: a delayed flush still sleeping is dropped and its hits written now; one
        already writing is awaited (otherwise its transaction would outlive the store's connections)."""
        task = self._task
        if task is not None and not task.done():
            if self._sleeping:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # bookkeeping: never fails a close
                await task
        await self.flush()

    async def flush(self) -> None:
        """Write pending last-access times and counts (recall reinforces memories)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        async with self.store.writing():
            await self.store.record_access(pending)
