"""How a cube grew: memories kept per UTC day, for the console's growth chart; weeks are summed from the days.

One GROUP BY that reads the (tenant, cube[, user_id], created_at) index only, never the rows (each carries its
~2 KB vector): 100k memories in tens of milliseconds. So a short-term memory past its TTL still counts until
the sweep deletes it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from memory.db.models import MemoryRow


async def memories_per_day(s: AsyncSession | AsyncConnection, tenant: str, cube: str,
                           user_id: str | None = None, *, postgres: bool = False) -> list[tuple[date, int]]:
    """(day, memories created that day and still kept), oldest first; days without memories are left out.
    `postgres`: the UTC day of a timestamptz (SQLite stores UTC text, whose date() is the UTC day)."""
    day = (func.date(func.timezone("UTC", MemoryRow.created_at)) if postgres
           else func.date(MemoryRow.created_at))
    where = [MemoryRow.tenant == tenant, MemoryRow.cube == cube]
    if user_id is not None:
        where.append(MemoryRow.user_id == user_id)
    rows = (await s.execute(select(day, func.count()).where(*where).group_by(day).order_by(day))).all()
    return [(d if isinstance(d, date) else date.fromisoformat(d), n) for d, n in rows]


def per_week(days: list[tuple[date, int]]) -> list[tuple[date, int]]:
    """The same counts summed per ISO week (Monday first), oldest first."""
    weeks: dict[date, int] = {}
    for day, n in days:
        monday = day - timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0) + n
    return sorted(weeks.items())
