"""What the bot process owns and hands to the cogs and the API: built once at start."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from config import Settings
from memory.engine import MemoryEngine
from memory.options import EngineOptions


@dataclass
class Services:
    settings: Settings
    engine: MemoryEngine
    started_at: float = field(default_factory=time.time)

    @classmethod
    async def start(cls, settings: Settings) -> "Services":
        engine = await MemoryEngine.open(EngineOptions.from_settings(settings))
        return cls(settings=settings, engine=engine)

    async def close(self) -> None:
        await self.engine.close()
