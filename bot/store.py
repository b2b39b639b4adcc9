"""The bot's own tables (preferences, API keys, Memory Mesh users and tokens, tenant owners and grants,
conversations, the audit log, Resonant) on the engine's database URL, through an async engine and
sessions of their own: the memory engine's sessions stay the engine's, so its storage can change
without the bot noticing. Built once by bot.services.Services (or a command that runs without it) and
closed there."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from memory.db.migrate import upgrade
from memory.db.session import create_engine, make_sessionmaker
from memory.options import EngineOptions


class BotStore:
    def __init__(self, url: str, *, synchronous: str = "NORMAL") -> None:
        # no connection is made until the first query: building one is cheap and needs no event loop
        self.db: AsyncEngine = create_engine(url, synchronous=synchronous)
        self.sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(self.db)
        self._schema_ready = False
        self._schema_lock = asyncio.Lock()

    @classmethod
    def beside(cls, options: EngineOptions) -> BotStore:
        """On the same database as the engine opened with these options (WAL, same pragmas)."""
        return cls(options.url, synchronous=options.sqlite_synchronous)

    async def ensure_schema(self) -> None:
        """The bot's tables at this release's revision (memory.db.migrate: one migration makes the engine's
        and the bot's), checked once per store however many parts of the process ask."""
        async with self._schema_lock:
            if not self._schema_ready:
                await upgrade(self.db)
                self._schema_ready = True

    async def close(self) -> None:
        await self.db.dispose()
