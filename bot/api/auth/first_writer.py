"""Who wrote a tenant's first row, for tenants that hold rows but no owner record (data from before
owners were recorded, or written by the bot itself): the same answer on every start.

The earliest successful write naming the tenant in the audit log, or the earliest engine history entry
of the tenant made by a key or user, whichever came first; a key of a Mesh user counts as that user.
Failing both, the user whose claim the previous version recorded in `api_tenants`; failing that, the
system (only admin keys and keys naming the tenant reach it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, inspect, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.api.tables import ApiKeyRow, AuditRow, ConversationRow
from memory.clock import as_utc
from memory.db.models import CubeRow, HistoryRow

LEGACY_CLAIMS = "api_tenants"  # the previous version's record of tenants claimed by Mesh users
SYSTEM = "system"


def _by_principal(column: Any) -> ColumnElement[bool]:
    return or_(column.like("key:%"), column.like("user:%"))


async def tenants_with_rows(sessions: async_sessionmaker[AsyncSession], only: set[str] | None) -> set[str]:
    """Tenants that hold memories (now or ever: cubes are kept) or conversations; within `only` if given."""
    found: set[str] = set()
    async with sessions() as s:
        for column in (CubeRow.tenant, ConversationRow.tenant_id):
            stmt = select(column).distinct()
            if only is not None:
                stmt = stmt.where(column.in_(only))
            found.update((await s.execute(stmt)).scalars())
    return found


async def first_writers(sessions: async_sessionmaker[AsyncSession], tenants: set[str]) -> dict[str, str]:
    """The owner each of `tenants` gets (see the module docstring)."""
    earliest: dict[str, tuple[datetime, str]] = {}

    def offer(tenant: str, at: datetime | None, actor: str) -> None:
        at = as_utc(at)
        if at is not None and (tenant not in earliest or at < earliest[tenant][0]):
            earliest[tenant] = (at, actor)

    async with sessions() as s:
        audit = await s.stream(select(AuditRow.tenant, AuditRow.at, AuditRow.actor).where(
            AuditRow.status < 300, AuditRow.tenant.is_not(None), _by_principal(AuditRow.actor)).order_by(AuditRow.id))
        async for named, at, actor in audit:
            if named is None or actor is None:  # both filtered out above; the columns are nullable
                continue
            for tenant in set(named.split(",")) & tenants:  # a batch names its tenants joined by commas
                if tenant not in earliest:  # ids grow with time: the first one seen is the earliest
                    offer(tenant, at, actor)
            if len(earliest) == len(tenants):
                break
        await audit.close()
        for tenant in sorted(tenants):
            first = (await s.execute(select(HistoryRow.at, HistoryRow.actor).where(
                HistoryRow.tenant == tenant, _by_principal(HistoryRow.actor))
                .order_by(HistoryRow.at, HistoryRow.id).limit(1))).first()
            if first is not None and first[1] is not None:
                offer(tenant, first[0], first[1])
        key_users = {f"key:{k}": f"user:{u}" for k, u in (await s.execute(
            select(ApiKeyRow.id, ApiKeyRow.owner_user_id).where(ApiKeyRow.owner_user_id.is_not(None)))).all()}
        legacy = await _legacy_claims(s)
    out = {}
    for tenant in tenants:
        if tenant in earliest:
            actor = earliest[tenant][1]
            out[tenant] = key_users.get(actor, actor)
        elif legacy.get(tenant):
            out[tenant] = f"user:{legacy[tenant]}"
        else:
            out[tenant] = SYSTEM
    return out


async def _legacy_claims(s: AsyncSession) -> dict[str, str]:
    conn = await s.connection()
    if not await conn.run_sync(lambda sync: inspect(sync).has_table(LEGACY_CLAIMS)):
        return {}
    rows = await s.execute(text(f"SELECT tenant_id, owner_user_id FROM {LEGACY_CLAIMS}"))
    return {t: u for t, u in rows.all() if u}
