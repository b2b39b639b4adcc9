"""Bot preferences kept in the engine's database: per-channel persona and learning, per-guild default
persona and time zone, per-user privacy opt-out, language and time zone. Own tables (own declarative
base), made by the schema migrations (memory/db/migrations) like the rest of the database.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, DateTime, String, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from memory.db.migrate import upgrade


class PrefsBase(DeclarativeBase):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


class ChannelPrefRow(PrefsBase):
    __tablename__ = "bot_channel_prefs"
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    guild_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    persona: Mapped[str | None] = mapped_column(String(32))
    learning: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class GuildPrefRow(PrefsBase):
    __tablename__ = "bot_guild_prefs"
    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    persona: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class UserPrefRow(PrefsBase):
    __tablename__ = "bot_user_prefs"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class Preferences:
    """Small async accessors; every write is its own short transaction."""

    def __init__(self, db: AsyncEngine) -> None:
        self.db = db
        self.sessions = async_sessionmaker(db, expire_on_commit=False)
        self._ready = False
        self._lock = asyncio.Lock()

    async def create_tables(self) -> None:
        async with self._lock:
            if not self._ready:
                await upgrade(self.db)  # one read when start has upgraded the schema already
                self._ready = True

    # -- channels -----------------------------------------------------------------------------------
    async def channel(self, channel_id: int) -> ChannelPrefRow | None:
        await self.create_tables()
        async with self.sessions() as s:
            return await s.get(ChannelPrefRow, channel_id)

    async def _upsert_channel(self, channel_id: int, guild_id: int | None, **values: object) -> None:
        await self.create_tables()
        async with self.sessions.begin() as s:
            row = await s.get(ChannelPrefRow, channel_id)
            if row is None:
                row = ChannelPrefRow(channel_id=channel_id, guild_id=guild_id, learning=False)
                s.add(row)
            for key, value in values.items():
                setattr(row, key, value)

    async def set_channel_persona(self, channel_id: int, guild_id: int | None, persona: str) -> None:
        await self._upsert_channel(channel_id, guild_id, persona=persona)

    async def set_learning(self, channel_id: int, guild_id: int | None, enabled: bool) -> None:
        await self._upsert_channel(channel_id, guild_id, learning=enabled)

    async def learning_enabled(self, channel_id: int) -> bool:
        row = await self.channel(channel_id)
        return bool(row and row.learning)

    async def learning_channels(self, guild_id: int) -> list[int]:
        await self.create_tables()
        async with self.sessions() as s:
            rows = await s.execute(select(ChannelPrefRow.channel_id).where(ChannelPrefRow.guild_id == guild_id,
                                                                          ChannelPrefRow.learning.is_(True)))
            return list(rows.scalars())

    # -- guilds -------------------------------------------------------------------------------------
    async def guild_persona(self, guild_id: int) -> str | None:
        await self.create_tables()
        async with self.sessions() as s:
            row = await s.get(GuildPrefRow, guild_id)
            return row.persona if row else None

    async def set_guild_persona(self, guild_id: int, persona: str) -> None:
        await self.create_tables()
        async with self.sessions.begin() as s:
            row = await s.get(GuildPrefRow, guild_id)
            if row is None:
                s.add(GuildPrefRow(guild_id=guild_id, persona=persona))
            else:
                row.persona = persona

    async def guild_timezone(self, guild_id: int) -> str | None:
        await self.create_tables()
        async with self.sessions() as s:
            row = await s.get(GuildPrefRow, guild_id)
            return row.timezone if row else None

    async def set_guild_timezone(self, guild_id: int, timezone: str | None) -> None:
        await self.create_tables()
        async with self.sessions.begin() as s:
            row = await s.get(GuildPrefRow, guild_id)
            if row is None:
                s.add(GuildPrefRow(guild_id=guild_id, timezone=timezone))
            else:
                row.timezone = timezone

    # -- users --------------------------------------------------------------------------------------
    async def user(self, user_id: int) -> UserPrefRow | None:
        await self.create_tables()
        async with self.sessions() as s:
            return await s.get(UserPrefRow, user_id)

    async def _upsert_user(self, user_id: int, **values: object) -> None:
        await self.create_tables()
        async with self.sessions.begin() as s:
            row = await s.get(UserPrefRow, user_id)
            if row is None:
                row = UserPrefRow(user_id=user_id, opted_out=False)
                s.add(row)
            for key, value in values.items():
                setattr(row, key, value)

    async def opted_out(self, user_id: int) -> bool:
        row = await self.user(user_id)
        return bool(row and row.opted_out)

    async def set_opted_out(self, user_id: int, opted_out: bool) -> None:
        await self._upsert_user(user_id, opted_out=opted_out)

    async def user_locale(self, user_id: int) -> str | None:
        row = await self.user(user_id)
        return row.locale if row else None

    async def set_user_locale(self, user_id: int, locale: str | None) -> None:
        await self._upsert_user(user_id, locale=locale)

    async def user_timezone(self, user_id: int) -> str | None:
        row = await self.user(user_id)
        return row.timezone if row else None

    async def set_user_timezone(self, user_id: int, timezone: str | None) -> None:
        await self._upsert_user(user_id, timezone=timezone)

    async def forget_user(self, user_id: int) -> None:
        """Drop a user's stored language and time zone; the opt-out flag is kept so it keeps being honoured."""
        await self.create_tables()
        async with self.sessions.begin() as s:
            row = await s.get(UserPrefRow, user_id)
            if row is not None and not row.opted_out:
                await s.execute(delete(UserPrefRow).where(UserPrefRow.user_id == user_id))
            elif row is not None:
                row.locale = None
                row.timezone = None
