"""Memory Mesh accounts: register, log in (email + password), refresh with one-use refresh tokens."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.api.auth.secrets import check_password, hash_password
from bot.api.auth.tokens import TokenPair, Tokens
from bot.api.errors import ApiError, unauthorized
from bot.api.tables import MeshUserRow, RefreshTokenRow
from memory.clock import as_utc, utcnow

_DUMMY_HASH = hash_password("not a real password")


class Users:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], tokens: Tokens) -> None:
        self.sessions = sessions
        self.tokens = tokens

    async def register(self, email: str, username: str, password: str) -> MeshUserRow:
        hashed = await asyncio.to_thread(hash_password, password)
        async with self.sessions.begin() as s:
            clash = (await s.execute(select(MeshUserRow).where(
                or_(MeshUserRow.email == email.lower(), MeshUserRow.username == username)))).scalars().first()
            if clash is not None:
                which = "email" if clash.email == email.lower() else "username"
                raise ApiError(409, "ConflictError", f"a user with this {which} already exists", field=which)
            row = MeshUserRow(id=str(uuid.uuid4()), email=email.lower(), username=username, password_hash=hashed,
                              created_at=utcnow())
            s.add(row)
        return row

    async def login(self, email: str, password: str) -> TokenPair:
        async with self.sessions() as s:
            user = (await s.execute(select(MeshUserRow).where(MeshUserRow.email == email.lower()))).scalar_one_or_none()
        stored = user.password_hash if user else _DUMMY_HASH  # same work either way: no user enumeration
        ok = await asyncio.to_thread(check_password, password, stored)
        if user is None or not ok:
            raise unauthorized("wrong email or password")
        return await self._issue(user.id)

    async def refresh(self, refresh_token: str) -> TokenPair:
        claims = self.tokens.verify(refresh_token, "refresh")
        now = utcnow()
        async with self.sessions.begin() as s:
            row = await s.get(RefreshTokenRow, claims["jti"])
            if row is None or row.user_id != claims["sub"]:
                raise unauthorized("unknown refresh token")
            if row.used_at is not None:
                raise unauthorized("this refresh token was already used; log in again")
            if (as_utc(row.expires_at) or now) <= now:
                raise unauthorized("the refresh token has expired")
            row.used_at = now
            if await s.get(MeshUserRow, row.user_id) is None:
                raise unauthorized("the user of this token no longer exists")
        return await self._issue(claims["sub"])

    async def _issue(self, user_id: str) -> TokenPair:
        pair = self.tokens.issue(user_id)
        async with self.sessions.begin() as s:
            s.add(RefreshTokenRow(jti=pair.refresh_jti, user_id=user_id, expires_at=pair.refresh_expires_at))
        return pair

    async def get(self, user_id: str) -> MeshUserRow | None:
        async with self.sessions() as s:
            return await s.get(MeshUserRow, user_id)
