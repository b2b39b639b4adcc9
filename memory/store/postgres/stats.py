"""Per-cube statistics and emotions per day in PostgreSQL: the emotions column is JSON
([[label, score], ...]), expanded with jsonb_array_elements; days are UTC days."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.store.base import EmotionRows
from memory.store.postgres.filters import not_expired
from memory.store.postgres.tables import memories
from memory.types import CubeStats

c = memories.c

_EMOTIONS = ("SELECT e.value->>0 AS emotion, count(*) AS n "
             "FROM memories CROSS JOIN LATERAL jsonb_array_elements(memories.emotions::jsonb) AS e "
             "WHERE memories.tenant = :t AND memories.cube = :c "
             "AND (memories.expires_at IS NULL OR memories.expires_at > :now) "
             "GROUP BY emotion ORDER BY n DESC, emotion LIMIT 10")
_BY_DAY = ("SELECT (memories.created_at AT TIME ZONE 'UTC')::date AS day, e.value->>0 AS emotion, count(*) AS n "
           "FROM memories CROSS JOIN LATERAL jsonb_array_elements(memories.emotions::jsonb) AS e "
           "WHERE memories.tenant = :t AND memories.cube = :c {user}"
           "AND (memories.expires_at IS NULL OR memories.expires_at > :now) "
           "GROUP BY day, emotion ORDER BY day, emotion")


async def cube_stats(conn: AsyncConnection, tenant: str, cube: str, now: datetime) -> CubeStats:
    scope = (c.tenant == tenant, c.cube == cube, not_expired(now))
    by_tier = {k: int(n) for k, n in await conn.execute(select(c.tier, func.count()).where(*scope).group_by(c.tier))}
    by_kind = {k: int(n) for k, n in await conn.execute(select(c.kind, func.count()).where(*scope).group_by(c.kind))}
    users, oldest, newest = (await conn.execute(select(func.count(func.distinct(c.user_id)), func.min(c.created_at),
                                                       func.max(c.created_at)).where(*scope))).one()
    emotions = await conn.execute(text(_EMOTIONS), {"t": tenant, "c": cube, "now": now})
    return CubeStats(tenant=tenant, cube=cube, total=sum(by_tier.values()), by_tier=by_tier, by_kind=by_kind,
                     users=int(users), oldest=oldest, newest=newest,
                     top_emotions=[(str(emotion), int(n)) for emotion, n in emotions])


async def emotion_rows(conn: AsyncConnection, tenant: str, cube: str, now: datetime, user_id: str | None
                       ) -> EmotionRows:
    sql = _BY_DAY.format(user="AND memories.user_id = :u " if user_id is not None else "")
    params = {"t": tenant, "c": cube, "now": now, **({"u": user_id} if user_id is not None else {})}
    return [(day, str(emotion), int(n)) for day, emotion, n in await conn.execute(text(sql), params)]
