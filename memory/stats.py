"""Per-cube statistics (counts by tier and kind, users, dates, top emotions) and emotions over time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from memory.clock import as_utc
from memory.db.models import MemoryRow
from memory.types import CubeStats

EmotionRows = list[tuple[date, str, int]]  # (UTC day, emotion, memories): memory.store.base


async def cube_stats(s: AsyncSession, tenant: str, cube: str, now: datetime) -> CubeStats:
    """Every query reads the columns of ix_memories_console (migration 0003_console) only, never the rows."""
    scope = (MemoryRow.tenant == tenant, MemoryRow.cube == cube,
             or_(MemoryRow.expires_at.is_(None), MemoryRow.expires_at > now))
    by_tier: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    for tier, kind, n in await s.execute(select(MemoryRow.tier, MemoryRow.kind, func.count()).where(*scope)
                                         .group_by(MemoryRow.tier, MemoryRow.kind)):
        by_tier[tier] += n
        by_kind[kind] += n
    users, oldest, newest = (await s.execute(select(func.count(func.distinct(MemoryRow.user_id)),
                                                    func.min(MemoryRow.created_at),
                                                    func.max(MemoryRow.created_at)).where(*scope))).one()
    emotions = (await s.execute(
        # the alias must not be `label`: GROUP BY binds a bare name to a column first, and memories.label
        # is the HNSW id, so each memory became its own group
        text("SELECT json_extract(j.value, '$[0]') AS emotion, count(*) AS n "
             "FROM memories, json_each(memories.emotions) j "
             "WHERE memories.tenant = :t AND memories.cube = :c "
             "AND (memories.expires_at IS NULL OR memories.expires_at > :now) "
             "GROUP BY emotion ORDER BY n DESC, emotion LIMIT 10"),
        {"t": tenant, "c": cube, "now": now.replace(tzinfo=None).isoformat(sep=" ")})).all()
    return CubeStats(tenant=tenant, cube=cube, total=sum(by_tier.values()), by_tier=dict(by_tier),
                     by_kind=dict(by_kind),
                     users=users, oldest=as_utc(oldest), newest=as_utc(newest),
                     top_emotions=[(emotion, n) for emotion, n in emotions])


@dataclass(frozen=True)
class EmotionTimeline:
    """Per UTC day that has memories with emotions: how many memories carried each of the top emotions."""

    days: list[date]
    series: dict[str, list[int]]  # emotion key -> one count per day, the most frequent emotion first


def emotion_timeline(rows: EmotionRows, top: int = 6) -> EmotionTimeline:
    """The timeline of the top emotions from (day, emotion, count) rows the store counted (one GROUP BY
    over the cube's rows, so a cube of 100k memories stays quick)."""
    totals: Counter[str] = Counter()
    for _day, emotion, n in rows:
        totals[emotion] += n
    labels = [label for label, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    days = sorted({day for day, _e, _n in rows})
    at = {day: i for i, day in enumerate(days)}
    series = {label: [0] * len(days) for label in labels}
    for day, emotion, n in rows:
        if emotion in series:
            series[emotion][at[day]] = n
    return EmotionTimeline(days=days, series=series)
