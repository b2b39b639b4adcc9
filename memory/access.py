"""Recall bookkeeping: each search hit's last access time and count, batched off the read path
(flushed half a second after the first hit, in one hop on the writer's connection)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from memory.db.fastwrite import Statements
from memory.writes import Writer

FLUSH_AFTER_SECONDS = 0.5


class AccessLog:
    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self._pending: dict[str, tuple[datetime, int]] = {}  # id -> (last recalled, times)
        self._task: asyncio.Task[None] | None = None

    def note(self, ids: list[str], now: datetime) -> None:
        for i in ids:
            self._pending[i] = (now, self._pending.get(i, (now, 0))[1] + 1)
        if ids and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_AFTER_SECONDS)
        await self.flush()

    async def flush(self) -> None:
        """Write pending last-access times and counts (recall reinforces memories)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        fast = self.writer.fast
        assert fast is not None, "the engine runs on a SQLite file, where writes go in one hop"
        statements: Statements = []
        fast.record_access(statements, pending)
        async with self.writer.lock:
            await fast.transaction(statements)
