"""What happens to memories over time: importance decay, idle working memory, index upkeep.

Importance decay
----------------
A memory's *last use* is the latest of when it was saved, changed or reinforced (`updated_at`) and
recalled (`last_accessed_at`, recorded by every search hit). For `grace` days after its last use a
memory keeps its importance; after that, its importance above the floor halves every `half_life` days:

    I(u) = I0                                   for u <= grace
    I(u) = F + (I0 - F) * 2 ** (-(u - grace) / half_life)   for u > grace

where u is the time since last use, I0 the importance at that moment and F the floor. A memory already
at or below the floor is left alone. The job applies the curve in steps (from the previous run to
now), and steps compose exactly, so the result does not depend on how often it runs.

Recall reinforces: a memory recalled since the previous run gains `recall_boost` of its gap to 1.0
(I <- I + (1 - I) * boost, once per run), and its decay clock restarts from the recall.

Decay never deletes anything: a long_term memory stays forever, at least at the floor, and still ranks
(importance is only one share of the ranking). short_term memories leave through their TTL and working
memories when their session goes idle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memory.engine import MemoryEngine

log = logging.getLogger(__name__)
DECAY_META_KEY = "decay_last_run"
DAY = 86400.0


@dataclass(frozen=True, slots=True)
class DecayPolicy:
    grace_days: float = 7.0
    half_life_days: float = 30.0
    floor: float = 0.05
    recall_boost: float = 0.1

    def curve(self, importance: float, idle_days: float) -> float:
        """The documented curve, in one piece: importance `idle_days` after the last use."""
        if importance <= self.floor or idle_days <= self.grace_days:
            return importance
        halved: float = 2.0 ** (-(idle_days - self.grace_days) / self.half_life_days)
        return self.floor + (importance - self.floor) * halved


@dataclass(slots=True)
class DecayReport:
    decayed: int
    reinforced: int
    previous_run: datetime | None
    ran_at: datetime


async def decay_importance(engine: MemoryEngine, policy: DecayPolicy, now: datetime | None = None) -> DecayReport:
    """Apply decay and recall reinforcement from the previous run up to `now` (one transaction)."""
    await engine.flush_access()
    now = now or engine.clock.now()
    store = engine.storage
    meta = await store.get_meta(DECAY_META_KEY)
    prev = datetime.fromisoformat(meta) if meta else None
    decay: list[tuple[str, float]] = []
    boost: list[str] = []
    for r in await store.importance_rows(policy.floor, prev):
        accessed = r.last_accessed_at
        last_use = max(d for d in (r.created_at, r.updated_at, accessed) if d is not None)
        if accessed is not None and (prev is None or accessed > prev) and accessed <= now:
            boost.append(r.id)
        if r.importance <= policy.floor:
            continue
        start = last_use + timedelta(days=policy.grace_days)
        if prev is not None and prev > start:
            start = prev
        step_days = (now - start).total_seconds() / DAY
        if step_days > 0:
            decay.append((r.id, 2.0 ** (-step_days / policy.half_life_days)))
    async with store.writing():
        await store.apply_importance(decay, boost, floor=policy.floor, boost=policy.recall_boost,
                                     meta=(DECAY_META_KEY, now.isoformat()))
    log.info("importance decay: %d decayed, %d reinforced by recall", len(decay), len(boost))
    return DecayReport(len(decay), len(boost), prev, now)


async def clear_idle_working(engine: MemoryEngine, idle_seconds: float, now: datetime | None = None) -> list[str]:
    """Delete the working memories of sessions idle longer than `idle_seconds`; returns their ids.

    A session's activity is the latest save, change or recall of any of its memories (any tier), so a
    session still talking keeps its working memory. A working memory without a session is judged alone.
    Memories saved after the cut-off are never taken, even if they race this job.
    """
    now = now or engine.clock.now()
    ids, idle = await engine.storage.idle_working(now - timedelta(seconds=idle_seconds))
    if not ids:
        return []
    deleted = await engine.delete_ids(ids, actor="working-idle")
    log.info("working memory cleared: %d memories of %d idle sessions", len(deleted), idle)
    return deleted


@dataclass(slots=True)
class IndexReport:
    saved: int
    rebuilt: list[str] = field(default_factory=list)


async def maintain_indexes(engine: MemoryEngine, rebuild_deleted_share: float) -> IndexReport:
    """Rebuild each index whose deleted entries reach `rebuild_deleted_share`, then save what changed.

    The new index is built while reads and writes go on (from stored vectors, no re-embedding) and
    swapped in under the write lock after catching up with writes made meanwhile.
    """
    rebuilt = await engine.storage.compact(rebuild_deleted_share)
    saved = await engine.persist_indexes()
    return IndexReport(saved, rebuilt)
