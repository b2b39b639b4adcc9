"""Who is calling (an API key or a Memory Mesh user) and what they may reach."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.api.auth.keys import KeyInfo, KeyStore
from bot.api.auth.owners import TenantOwners, user_owner
from bot.api.auth.secrets import key_hash
from bot.api.auth.tokens import Tokens
from bot.api.errors import forbidden, unauthorized
from bot.api.tables import MeshUserRow, TenantOwnerRow, TokenFamilyRow
from memory.clock import utcnow

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
    signed_only: bool = False  # the key takes only signed requests (X-Signature)

    @classmethod
    def of_key(cls, key: KeyInfo) -> Principal:
        return cls(id=f"key:{key.id}", name=key.name, admin=key.admin,
                   tenants=frozenset(key.tenants) if key.tenants is not None else None,
                   personas=frozenset(key.personas) if key.personas is not None else None,
                   user_id=key.owner_user_id, read_only=key.read_only, signed_only=key.require_signature)

    @property
    def as_owner(self) -> str:
        """What owns the tenants this principal creates: the user for a user's token or keys, else the key."""
        return f"user:{self.user_id}" if self.user_id is not None else self.id

    def cube_allowed(self, cube: str) -> bool:
        if self.admin or self.personas is None:
            return True
        return cube in self.personas or persona_of_cube(cube) in self.personas


def credentials(request: web.Request) -> tuple[str | None, str | None]:
    """(API key, bearer token) as the request sent them: headers, or the query for WebSocket clients."""
    api_key = request.headers.get("X-API-Key") or request.query.get("api_key")
    auth = request.headers.get("Authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else request.query.get("token")
    return api_key, bearer


def presented_key(request: web.Request) -> str | None:
    """The API key of the request, sent as X-API-Key (or api_key) or as `Bearer omo_...`."""
    api_key, bearer = credentials(request)
    if api_key:
        return api_key
    return bearer if bearer and bearer.startswith("omo_") else None


class Access:
    """Resolves credentials to a Principal and checks tenants; caches key lookups for a few seconds.

    Who reaches a tenant: admin keys, every tenant; an admin-made key, the tenants its `tenants` name,
    or with `tenants: null` every tenant but those owned by Mesh users; a Mesh user (its token or its
    keys), the tenants it owns and those an admin granted it. A write to a tenant without an owner
    makes the writer its owner (TenantOwners.claim), except that users never get the default tenant.
    """

    def __init__(self, keys: KeyStore, tokens: Tokens, sessions: async_sessionmaker[AsyncSession], owners: TenantOwners,
                 default_tenant: str) -> None:
        self.keys = keys
        self.tokens = tokens
        self.sessions = sessions
        self.owners = owners
        self.default_tenant_name = default_tenant
        self._cache: dict[str, tuple[float, KeyInfo | None]] = {}

    def forget_cached(self) -> None:
        self._cache.clear()

    async def _key(self, key: str) -> KeyInfo | None:
        digest = key_hash(key)  # the cache holds hashes, never keys
        hit = self._cache.get(digest)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        info = await self._owner_alive(await self.keys.find(key))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (time.monotonic(), info)
        return info

    async def _owner_alive(self, info: KeyInfo | None) -> KeyInfo | None:
        """The key as revoked when its Memory Mesh user is gone: a deleted user's keys die with it, revoked or
        not (a key the user made while being deleted), by value and by id (a console session) alike."""
        if info is not None and info.owner_user_id is not None and info.revoked_at is None:
            async with self.sessions() as s:
                if await s.get(MeshUserRow, info.owner_user_id) is None:
                    return replace(info, revoked_at=utcnow())
        return info

    async def key_by_id(self, key_id: str) -> KeyInfo | None:
        """A key by its id (a console session names it), cached like a key by value: revoking clears both."""
        hit = self._cache.get(f"id:{key_id}")
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        info = await self._owner_alive(await self.keys.get(key_id))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[f"id:{key_id}"] = (time.monotonic(), info)
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
                family = await s.get(TokenFamilyRow, claims["fam"]) if "fam" in claims else None
            if user is None:
                raise unauthorized("the user of this token no longer exists")
            if family is not None and family.revoked_at is not None:
                raise unauthorized("this login was revoked (a refresh token was used twice); log in again")
            return Principal(id=f"user:{user.id}", name=user.username, user_id=user.id)
        raise unauthorized("authentication required: send X-API-Key or Authorization: Bearer <token>")

    async def resolve_request(self, request: web.Request) -> Principal:
        return await self.resolve(*credentials(request))

    def default_tenant(self, p: Principal, request: web.Request) -> str:
        """The tenant of the single-store families: X-Tenant-ID, else the key's only tenant, else default."""
        wanted = request.headers.get("X-Tenant-ID")
        if wanted:
            return wanted
        if p.tenants is not None and len(p.tenants) >= 1:
            return sorted(p.tenants)[0]
        return self.default_tenant_name

    async def require_tenant(self, p: Principal, tenant: str, *, claim: bool = False) -> None:
        """403 unless `p` may use `tenant`; `claim`: the request writes, so a tenant without an owner gets one."""
        if p.tenants is not None and tenant not in p.tenants and not p.admin:
            raise forbidden(f"this key is not allowed to use tenant {tenant!r}")
        owner = await self.owners.owner(tenant)
        if owner is None and claim:
            if p.user_id is not None and tenant == self.default_tenant_name:
                raise forbidden(f"tenant {tenant!r} is the server's default tenant; Memory Mesh users cannot own it")
            owner = await self.owners.claim(tenant, p.as_owner)
        if p.admin:
            return
        if p.user_id is not None:
            if owner is not None and (owner == p.as_owner or await self.owners.is_granted(tenant, p.user_id)):
                return
            raise forbidden(f"tenant {tenant!r} does not belong to this user")
        if p.tenants is None and owner is not None and user_owner(owner) is not None:
            raise forbidden(f"tenant {tenant!r} belongs to a Memory Mesh user: only admin keys and keys whose "
                            "`tenants` name it reach it")

    async def tenants_of(self, p: Principal) -> list[str] | None:
        """Tenants `p` may read (None: all, or all but users' tenants: see `hides_user_tenants`)."""
        if p.admin:
            return None
        if p.user_id is not None:
            mine = await self.owners.owned_by(p.user_id) + await self.owners.granted_to(p.user_id)
            return sorted(t for t in set(mine) if p.tenants is None or t in p.tenants)
        return sorted(p.tenants) if p.tenants is not None else None

    @staticmethod
    def hides_user_tenants(p: Principal) -> bool:
        """True for an admin-made key for every tenant: those of Mesh users stay out of its reach."""
        return not p.admin and p.user_id is None and p.tenants is None

    @staticmethod
    def user_tenants() -> Select[Any]:
        return select(TenantOwnerRow.tenant_id).where(TenantOwnerRow.owner_user_id.is_not(None))

    def require_cube(self, p: Principal, cube: str) -> None:
        if not p.cube_allowed(cube):
            raise forbidden(f"this key is not allowed to use persona/cube {cube!r}")

    def require_admin(self, p: Principal) -> None:
        if not p.admin:
            raise forbidden("this route needs an admin API key")
