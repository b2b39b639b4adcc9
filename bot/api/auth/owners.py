"""Tenant owners and grants: a tenant belongs to whoever wrote its first row, and never changes hands.

The owner is a principal id: `user:<id>` (a Memory Mesh user, also when one of its keys wrote),
`key:<id>` (an API key an admin made) or `system` (`API_DEFAULT_TENANT`, and data older than any
record of who wrote it). Admins may grant a Mesh user the use of a tenant it does not own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.api.auth.first_writer import first_writers, tenants_with_rows
from bot.api.tables import TenantGrantRow, TenantOwnerRow
from memory.clock import as_utc, utcnow
from memory.db.upsert import insert_new

SYSTEM = "system"
USER = "user:"
CACHE_LIMIT = 100_000


def user_owner(owner: str) -> str | None:
    """The user id of a `user:<id>` owner, else None."""
    return owner[len(USER):] if owner.startswith(USER) else None


@dataclass(frozen=True)
class TenantInfo:
    tenant_id: str
    owner: str
    source: str
    created_at: datetime
    grants: list[str]


class TenantOwners:
    """Reads and records owners (owners never change, so they are cached) and grants (never cached)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._owners: dict[str, str] = {}

    async def owner(self, tenant: str) -> str | None:
        hit = self._owners.get(tenant)
        if hit is not None:
            return hit
        async with self.sessions() as s:
            row = await s.get(TenantOwnerRow, tenant)
        return self._remember(tenant, row.owner) if row is not None else None

    def _remember(self, tenant: str, owner: str) -> str:
        if len(self._owners) > CACHE_LIMIT:
            self._owners.clear()
        self._owners[tenant] = owner
        return owner

    async def claim(self, tenant: str, claimant: str) -> str:
        """The tenant's owner, recording `claimant` if it has none and holds no rows yet.

        A tenant that already holds rows written without an owner record (before owners were kept,
        or by the bot itself) goes to its first writer instead, as at upgrade. Concurrent claims
        insert one row; every caller then reads the same owner.
        """
        owner = await self.owner(tenant)
        if owner is not None:
            return owner
        if await tenants_with_rows(self.sessions, {tenant}):
            found = (await first_writers(self.sessions, {tenant}))[tenant]
            await self._record(tenant, found, "upgrade")
        else:
            await self._record(tenant, claimant, "write")
        owner = await self.owner(tenant)
        assert owner is not None  # one of the inserts above stood
        return owner

    async def _record(self, tenant: str, owner: str, source: str) -> bool:
        async with self.sessions.begin() as s:
            return await insert_new(s, TenantOwnerRow.__table__, {
                "tenant_id": tenant, "owner": owner, "owner_user_id": user_owner(owner), "created_at": utcnow(),
                "source": source}, ["tenant_id"])

    async def backfill(self, default_tenant: str) -> dict[str, str]:
        """At start: the default tenant is the system's, and every tenant holding rows without an owner
        record gets its first writer (see first_writer), before any request can claim it."""
        await self._record(default_tenant, SYSTEM, "upgrade")
        async with self.sessions() as s:
            known = set((await s.execute(select(TenantOwnerRow.tenant_id))).scalars())
        missing = await tenants_with_rows(self.sessions, None) - known
        found = await first_writers(self.sessions, missing) if missing else {}
        for tenant, owner in sorted(found.items()):
            await self._record(tenant, owner, "upgrade")
        return found

    async def owned_by(self, user_id: str) -> list[str]:
        async with self.sessions() as s:
            return list((await s.execute(select(TenantOwnerRow.tenant_id).where(
                TenantOwnerRow.owner_user_id == user_id).order_by(TenantOwnerRow.tenant_id))).scalars())

    async def granted_to(self, user_id: str) -> list[str]:
        async with self.sessions() as s:
            return list((await s.execute(select(TenantGrantRow.tenant_id).where(
                TenantGrantRow.user_id == user_id).order_by(TenantGrantRow.tenant_id))).scalars())

    async def is_granted(self, tenant: str, user_id: str) -> bool:
        async with self.sessions() as s:
            return await s.get(TenantGrantRow, (tenant, user_id)) is not None

    async def grantees(self, tenants: list[str]) -> dict[str, list[str]]:
        """The users granted each of `tenants` (only tenants with grants appear)."""
        out: dict[str, list[str]] = {}
        if not tenants:
            return out
        async with self.sessions() as s:
            rows = (await s.execute(select(TenantGrantRow.tenant_id, TenantGrantRow.user_id).where(
                TenantGrantRow.tenant_id.in_(tenants)).order_by(TenantGrantRow.tenant_id,
                                                                TenantGrantRow.user_id))).all()
        for tenant, user_id in rows:
            out.setdefault(tenant, []).append(user_id)
        return out

    async def grant(self, tenant: str, user_id: str, granted_by: str) -> bool:
        """True when the grant is new (granting twice is harmless)."""
        async with self.sessions.begin() as s:
            return await insert_new(s, TenantGrantRow.__table__, {
                "tenant_id": tenant, "user_id": user_id, "granted_by": granted_by, "created_at": utcnow()},
                ["tenant_id", "user_id"])

    async def revoke(self, tenant: str | None, user_id: str) -> int:
        """Remove a user's grant on `tenant` (None: on every tenant); how many went."""
        stmt = delete(TenantGrantRow).where(TenantGrantRow.user_id == user_id)
        if tenant is not None:
            stmt = stmt.where(TenantGrantRow.tenant_id == tenant)
        async with self.sessions.begin() as s:
            return int((await s.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def drop_grants_on(self, tenants: list[str]) -> None:
        async with self.sessions.begin() as s:
            await s.execute(delete(TenantGrantRow).where(TenantGrantRow.tenant_id.in_(tenants)))

    async def page(self, limit: int, offset: int) -> tuple[list[TenantInfo], int]:
        """Owned tenants by name, with their grants, and how many there are."""
        async with self.sessions() as s:
            total = int((await s.execute(select(func.count()).select_from(TenantOwnerRow))).scalar_one())
            rows = (await s.execute(select(TenantOwnerRow).order_by(TenantOwnerRow.tenant_id)
                                    .limit(limit).offset(offset))).scalars().all()
        grants = await self.grantees([r.tenant_id for r in rows])
        return [TenantInfo(r.tenant_id, r.owner, r.source, as_utc(r.created_at), grants.get(r.tenant_id, []))
                for r in rows], total
