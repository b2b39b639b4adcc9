"""What the engine can tell about tenants as a whole: which hold memories, and who wrote to each first
(the API gives a tenant without an owner record to its first writer). Plain SELECTs both stores run (a
SQLite session, a PostgreSQL connection)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from memory.clock import as_utc
from memory.db.models import CubeRow, HistoryRow


async def tenants_with_cubes(s: AsyncSession | AsyncConnection, only: Collection[str] | None) -> set[str]:
    """Tenants that hold a cube (cubes are kept when emptied: they held memories, now or once)."""
    stmt = select(CubeRow.tenant).distinct()
    if only is not None:
        stmt = stmt.where(CubeRow.tenant.in_(list(only)))
    return set((await s.execute(stmt)).scalars())


async def first_actors(s: AsyncSession | AsyncConnection, tenants: Collection[str], prefixes: Sequence[str]
                       ) -> dict[str, tuple[datetime, str]]:
    """Per tenant, (when, actor) of its earliest history entry by an actor starting with one of
    `prefixes`; tenants with none are left out."""
    by_actor = or_(*(HistoryRow.actor.startswith(p, autoescape=True) for p in prefixes))
    out: dict[str, tuple[datetime, str]] = {}
    for tenant in sorted(tenants):
        first = (await s.execute(select(HistoryRow.at, HistoryRow.actor).where(HistoryRow.tenant == tenant, by_actor)
                                 .order_by(HistoryRow.at, HistoryRow.id).limit(1))).first()
        if first is not None and first[1] is not None:
            out[tenant] = (as_utc(first[0]), first[1])
    return out
