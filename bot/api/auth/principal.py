"""Who is calling (an API key or a Memory Mesh user) and what they may reach."""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.api.auth.keys import KeyInfo, KeyStore
from bot.api.auth.secrets import key_hash
from bot.api.auth.tokens import Tokens
from bot.api.errors import forbidden, unauthorized
from bot.api.tables import MeshUserRow, TenantRow
from memory.clock import utcnow
from memory.engine import MemoryEngine
from memory.types import MemoryFilter

CACHE_SECONDS = 5.0


def persona_cube(memory_id: str) -> str:
    """CocoroCore2's cube naming: one cube per character (persona)."""
    return f"user_user_{memory_id}_cube"


def persona_of_cube(cube: str) -> str | None:
    if cube.startswith("user_user_") and cube.endswith("_cube") and len(cube) > len("user_user__cube"):
        return cube[len("user_user_"):-len("_cube")]
    return None


@dataclass(frozen=True)
class Principal:
    id: str  # "key:<uuid>" or "user:<uuid>": what audit and rate limits name, never a secret
    name: str
    admin: bool = False
    tenants: frozenset[str] | None = None  # None: any tenant
    personas: frozenset[str] | None = None  # None: any persona/cube
    user_id: str | None = None  # a Memory Mesh user (their token or one of their keys)
    read_only: bool = False  # reads only: writes answer 403 (HTTP) or a Forbidden tool error (MCP)

    @classmethod
    def of_key(cls, key: KeyInfo) -> Principal:
        return cls(id=f"key:{key.id}", name=key.name, admin=key.admin,
                   tenants=frozenset(key.tenants) if key.tenants is not None else None,
                   personas=frozenset(key.personas) if key.personas is not None else None,
                   user_id=key.owner_user_id, read_only=key.read_only)

    def cube_allowed(self, cube: str) -> bool:
        if self.admin or self.personas is None:
            return True
        return cube in self.personas or persona_of_cube(cube) in self.personas


class Access:
    """Resolves credentials to a Principal and checks tenants; caches key lookups for a few seconds."""

    def __init__(self, keys: KeyStore, tokens: Tokens, sessions: async_sessionmaker[AsyncSession], engine: MemoryEngine,
                 default_tenant: str) -> None:
        self.keys = keys
        self.tokens = tokens
        self.sessions = sessions
        self.engine = engine
        self.default_tenant_name = default_tenant
        self._cache: dict[str, tuple[float, KeyInfo | None]] = {}

    def forget_cached(self) -> None:
        self._cache.clear()

    async def _key(self, key: str) -> KeyInfo | None:
        digest = key_hash(key)  # the cache holds hashes, never keys
        hit = self._cache.get(digest)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        info = await self.keys.find(key)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (time.monotonic(), info)
        return info

    async def resolve(self, api_key: str | None, bearer: str | None) -> Principal:
        if api_key:
            info = await self._key(api_key)
            if info is None:
                raise unauthorized("unknown API key")
            if info.revoked_at is not None:
                raise unauthorized("this API key has been revoked")
            if not info.usable(utcnow()):
                raise unauthorized("this API key has expired")
            return Principal.of_key(info)
        if bearer:
            if bearer.startswith("omo_"):  # an API key sent as a bearer token
                return await self.resolve(bearer, None)
            claims = self.tokens.verify(bearer, "access")
            async with self.sessions() as s:
                user = await s.get(MeshUserRow, claims["sub"])
            if user is None:
                raise unauthorized("the user of this token no longer exists")
            return Principal(id=f"user:{user.id}", name=user.username, user_id=user.id)
        raise unauthorized("authentication required: send X-API-Key or Authorization: Bearer <token>")

    async def resolve_request(self, request: web.Request) -> Principal:
        api_key = request.headers.get("X-API-Key") or request.query.get("api_key")
        auth = request.headers.get("Authorization", "")
        bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else request.query.get("token")
        return await self.resolve(api_key, bearer)

    def default_tenant(self, p: Principal, request: web.Request) -> str:
        """The tenant of the single-store families: X-Tenant-ID, else the key's only tenant, else default."""
        wanted = request.headers.get("X-Tenant-ID")
        if wanted:
            return wanted
        if p.tenants is not None and len(p.tenants) >= 1:
            return sorted(p.tenants)[0]
        return self.default_tenant_name

    async def require_tenant(self, p: Principal, tenant: str, *, claim: bool = False) -> None:
        """403 unless `p` may use `tenant`; a Mesh user's write claims a free, empty tenant."""
        if p.admin:
            return
        if p.tenants is not None and tenant not in p.tenants:
            raise forbidden(f"this key is not allowed to use tenant {tenant!r}")
        if p.user_id is None:
            return
        async with self.sessions() as s:
            row = await s.get(TenantRow, tenant)
        if row is not None and row.owner_user_id == p.user_id:
            return
        if row is None and claim and tenant != self.default_tenant_name and await self._tenant_is_empty(tenant):
            async with self.sessions.begin() as s:
                if await s.get(TenantRow, tenant) is None:
                    s.add(TenantRow(tenant_id=tenant, owner_user_id=p.user_id, created_at=utcnow()))
                    return
            return await self.require_tenant(p, tenant)
        raise forbidden(f"tenant {tenant!r} does not belong to this user")

    async def _tenant_is_empty(self, tenant: str) -> bool:
        return (await self.engine.list(MemoryFilter(tenant=tenant), limit=1)).total == 0

    async def tenants_of(self, p: Principal) -> list[str] | None:
        """Tenants `p` may read (None: all)."""
        if p.admin:
            return None
        if p.user_id is not None:
            async with self.sessions() as s:
                owned = list((await s.execute(select(TenantRow.tenant_id)
                                              .where(TenantRow.owner_user_id == p.user_id))).scalars())
            return [t for t in owned if p.tenants is None or t in p.tenants]
        return sorted(p.tenants) if p.tenants is not None else None

    def require_cube(self, p: Principal, cube: str) -> None:
        if not p.cube_allowed(cube):
            raise forbidden(f"this key is not allowed to use persona/cube {cube!r}")

    def require_admin(self, p: Principal) -> None:
        if not p.admin:
            raise forbidden("this route needs an admin API key")
