"""What the bot process owns and hands to the cogs and the API: built once at start."""

from __future__ import annotations

import time
from dataclasses import InitVar, dataclass, field

from bot.conversation import ConversationService
from bot.discord.desk import MemoryDesk
from bot.discord.prefs import Preferences
from bot.discord.status import DiscordStatus
from bot.llm.client import LLMClient
from bot.personas import PersonaRegistry
from bot.scheduler import JobScheduler
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
    discord_status: DiscordStatus = field(default_factory=DiscordStatus)  # the connection, for /health
    # chat side (cogs, terminal chat, livestream hook): built from settings + engine
    personas: PersonaRegistry = field(init=False)
    prefs: Preferences = field(init=False)
    llm: LLMClient | None = field(init=False)
    conversation: ConversationService = field(init=False)
    desk: MemoryDesk = field(init=False)
    loaded_personas: InitVar[PersonaRegistry | None] = None  # read already (start: before the model loads)

    def __post_init__(self, loaded_personas: PersonaRegistry | None) -> None:
        s = self.settings
        self.personas = (loaded_personas if loaded_personas is not None
                         else PersonaRegistry.load(s.personas_dir, s.default_persona))
        self.prefs = Preferences(self.engine.db)
        self.llm = LLMClient.from_settings(s)
        self.conversation = ConversationService.from_settings(self.engine, self.llm, s)
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
        services = cls(settings=settings, engine=engine, lock=lock, loaded_personas=personas)
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
