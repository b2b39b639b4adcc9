"""Memory Mesh accounts: register, log in (email + password), refresh with one-use refresh tokens.

Each login starts a token family (TokenFamilyRow); access and refresh tokens carry its id (`fam`), so
revoking the family (a refresh token reused, the user deleted) ends every token of that login at once.
Tokens from before families existed carry none: they work until they expire, are one-use, and the pair
a refresh gives for one starts a family.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.api.auth.secrets import check_password, hash_password
from bot.api.auth.tokens import TokenPair, Tokens
from bot.api.errors import ApiError, unauthorized
from bot.api.tables import MeshUserRow, RefreshTokenRow, TokenFamilyRow
from memory.clock import as_utc, utcnow

_DUMMY_HASH = hash_password("not a real password")


class Users:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], tokens: Tokens) -> None:
        self.sessions = sessions
        self.tokens = tokens

    async def register(self, email: str, username: str, password: str) -> MeshUserRow:
        hashed = await asyncio.to_thread(hash_password, password)
        row = MeshUserRow(id=str(uuid.uuid4()), email=email.lower(), username=username, password_hash=hashed,
                          created_at=utcnow())
        try:
            async with self.sessions.begin() as s:
                s.add(row)
        except IntegrityError:  # the email or username is taken (the unique indexes decide, also under races)
            async with self.sessions() as s:
                clash = (await s.execute(select(MeshUserRow).where(
                    or_(MeshUserRow.email == email.lower(), MeshUserRow.username == username)))).scalars().first()
            which = "email" if clash is None or clash.email == email.lower() else "username"
            raise ApiError(409, "ConflictError", f"a user with this {which} already exists", field=which) from None
        return row

    async def login(self, email: str, password: str) -> TokenPair:
        async with self.sessions() as s:
            user = (await s.execute(select(MeshUserRow).where(MeshUserRow.email == email.lower()))).scalar_one_or_none()
        stored = user.password_hash if user else _DUMMY_HASH  # same work either way: no user enumeration
        ok = await asyncio.to_thread(check_password, password, stored)
        if user is None or not ok:
            raise unauthorized("wrong email or password")
        family = secrets.token_hex(16)
        async with self.sessions.begin() as s:
            s.add(TokenFamilyRow(id=family, user_id=user.id, created_at=utcnow()))
        return await self._issue(user.id, family)

    async def password_matches(self, user_id: str, password: str) -> bool:
        user = await self.get(user_id)
        ok = await asyncio.to_thread(check_password, password, user.password_hash if user else _DUMMY_HASH)
        return user is not None and ok

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Trade a refresh token for a new pair, once: one conditional UPDATE spends it, so of concurrent
        requests exactly one wins. Presenting a spent token again revokes its whole family (whoever holds
        the newer tokens, a thief or the user, has to log in again)."""
        claims = self.tokens.verify(refresh_token, "refresh")
        jti, user_id, family = claims["jti"], claims["sub"], claims.get("fam")
        now = utcnow()
        async with self.sessions.begin() as s:
            spent = await s.execute(update(RefreshTokenRow).where(
                RefreshTokenRow.jti == jti, RefreshTokenRow.user_id == user_id, RefreshTokenRow.used_at.is_(None))
                .values(used_at=now))
            row = await s.get(RefreshTokenRow, jti)
            reused = spent.rowcount != 1 and row is not None and row.used_at is not None  # type: ignore[attr-defined]
            if reused and family is not None:
                await s.execute(update(TokenFamilyRow).where(TokenFamilyRow.id == family,
                                                             TokenFamilyRow.revoked_at.is_(None))
                                .values(revoked_at=now, revoked_why="refresh token reused"))
            # read in the same transaction as the spend: on PostgreSQL the concurrent losers wait for this
            # one's row lock and revoke the family only after it commits, so the winner is still honoured
            fam = await s.get(TokenFamilyRow, family) if family is not None and not reused else None
            user = await s.get(MeshUserRow, user_id)
        if row is None or row.user_id != user_id:
            raise unauthorized("unknown refresh token")
        if reused:
            raise unauthorized("this refresh token was already used; every token of this login has been revoked, "
                               "log in again")
        if (as_utc(row.expires_at) or now) <= now:
            raise unauthorized("the refresh token has expired")
        if fam is not None and fam.revoked_at is not None:
            raise unauthorized("this login was revoked; log in again")
        if user is None:
            raise unauthorized("the user of this token no longer exists")
        if family is None:  # a token from before families: its chain gets one from now on
            family = secrets.token_hex(16)
            async with self.sessions.begin() as s:
                s.add(TokenFamilyRow(id=family, user_id=user_id, created_at=now))
        return await self._issue(user_id, family)

    async def _issue(self, user_id: str, family: str) -> TokenPair:
        pair = self.tokens.issue(user_id, family)
        async with self.sessions.begin() as s:
            s.add(RefreshTokenRow(jti=pair.refresh_jti, user_id=user_id, expires_at=pair.refresh_expires_at))
        return pair

    async def get(self, user_id: str) -> MeshUserRow | None:
        async with self.sessions() as s:
            return await s.get(MeshUserRow, user_id)
