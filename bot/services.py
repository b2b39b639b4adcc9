"""What the bot process owns and hands to the cogs and the API: built once at start."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bot.conversation import ConversationService
from bot.discord.desk import MemoryDesk
from bot.discord.prefs import Preferences
from bot.llm.client import LLMClient
from bot.personas import PersonaRegistry
from bot.scheduler import JobScheduler
from bot.telemetry.observer import ENGINE_OBSERVER
from config import Settings
from memory.engine import MemoryEngine
from memory.lockfile import DataDirLock
from memory.options import EngineOptions


@dataclass
class Services:
    settings: Settings
    engine: MemoryEngine
    started_at: float = field(default_factory=time.time)
    jobs: JobScheduler | None = None  # the scheduled jobs (None when JOBS_ENABLED is off)
    lock: DataDirLock | None = None  # held while the process owns DATA_DIR (restore refuses meanwhile)
    # chat side (cogs, terminal chat, livestream hook); built from settings + engine when not given
    personas: PersonaRegistry = None  # type: ignore[assignment]
    prefs: Preferences = None  # type: ignore[assignment]
    llm: LLMClient | None = None
    conversation: ConversationService = None  # type: ignore[assignment]
    desk: MemoryDesk = None  # type: ignore[assignment]
    discord: Any = None  # the Discord client once made (readiness and metrics read its state)

    def __post_init__(self) -> None:
        s = self.settings
        self.engine.watch(ENGINE_OBSERVER)  # engine metrics and spans (bot.telemetry)
        if self.personas is None:
            self.personas = PersonaRegistry.load(s.personas_dir, s.default_persona)
        if self.prefs is None:
            self.prefs = Preferences(self.engine.db)
        if self.llm is None:
            self.llm = LLMClient.from_settings(s)
        if self.conversation is None:
            self.conversation = ConversationService.from_settings(self.engine, self.llm, s)
        if self.desk is None:
            self.desk = MemoryDesk(self.engine)

    @classmethod
    async def start(cls, settings: Settings) -> Services:
        personas = PersonaRegistry.load(settings.personas_dir, settings.default_persona)  # fail before the model loads
        lock = DataDirLock(settings.data_dir).acquire()
        try:
            engine = await MemoryEngine.open(EngineOptions.from_settings(settings))
        except BaseException:
            lock.release()
            raise
        services = cls(settings=settings, engine=engine, lock=lock, personas=personas)
        await services.prefs.create_tables()
        if settings.jobs_enabled:
            services.jobs = JobScheduler(services).start()
        return services

    async def close(self) -> None:
        try:
            if self.jobs is not None:
                await self.jobs.shutdown()
            await self.conversation.drain()
            if self.llm is not None:
                await self.llm.close()
            await self.engine.close()
        finally:
            if self.lock is not None:
                self.lock.release()
