"""The snapshot job: take one of the live data, then apply retention."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.jobs.base import JobResult
from memory.snapshots import prune_snapshots, snapshot_engine, snapshots_root

if TYPE_CHECKING:
    from bot.services import Services


async def snapshot(services: Services) -> JobResult:
    s = services.settings
    info = await snapshot_engine(services.engine, kind="scheduled")
    removed = await asyncio.to_thread(prune_snapshots, snapshots_root(s.data_dir), s.snapshot_keep_count,
                                      s.snapshot_keep_days)
    return {"snapshot": info.name, "memories": info.counts.get("memories", 0), "size_bytes": info.size_bytes,
            "removed": removed}
