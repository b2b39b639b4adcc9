"""Memory upkeep jobs: TTL sweep, importance decay, idle working memory, index maintenance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.jobs.base import JobResult
from memory.lifecycle import DecayPolicy, clear_idle_working, decay_importance, maintain_indexes

if TYPE_CHECKING:
    from bot.services import Services


async def ttl_sweep(services: Services) -> JobResult:
    deleted = await services.engine.sweep_expired()
    return {"deleted": len(deleted)}


async def importance_decay(services: Services) -> JobResult:
    s = services.settings
    policy = DecayPolicy(grace_days=s.decay_grace_days, half_life_days=s.decay_half_life_days,
                         floor=s.decay_floor, recall_boost=s.decay_recall_boost)
    report = await decay_importance(services.engine, policy)
    return {"decayed": report.decayed, "reinforced": report.reinforced}


async def working_memory(services: Services) -> JobResult:
    deleted = await clear_idle_working(services.engine, services.settings.working_idle_seconds)
    return {"deleted": len(deleted)}


async def index_maintenance(services: Services) -> JobResult:
    report = await maintain_indexes(services.engine, services.settings.index_rebuild_deleted_share)
    return {"saved": report.saved, "rebuilt": report.rebuilt}
