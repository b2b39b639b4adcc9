"""What the bot process owns and hands to the cogs and the API: built once at start."""

from __future__ import annotations

import asyncio
import time
from dataclasses import InitVar, dataclass, field

from bot.cluster import Cluster, is_postgres, open_cluster
from bot.conversation import ConversationService
from bot.discord.desk import MemoryDesk
from bot.discord.prefs import Preferences
from bot.discord.status import DiscordStatus
from bot.llm.client import LLMClient
from bot.llm.detect import client_at_start
from bot.personas import PersonaRegistry
from bot.scheduler import JobScheduler
from bot.store import BotStore
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
    # how this process works with the others on the same database (bot.cluster); one process: local
    cluster: Cluster = field(default_factory=Cluster.local)
    owns_engine: bool = False  # opened by `start`, so `close` closes it; an engine handed in stays open
    store: BotStore = field(init=False)  # the bot's own tables, beside the engine's (bot.store)
    discord_status: DiscordStatus = field(default_factory=DiscordStatus)  # the connection, for /health
    # chat side (cogs, terminal chat, livestream hook): built from settings + engine
    personas: PersonaRegistry = field(init=False)
    prefs: Preferences = field(init=False)
    llm: LLMClient | None = field(init=False)
    conversation: ConversationService = field(init=False)
    desk: MemoryDesk = field(init=False)
    loaded_personas: InitVar[PersonaRegistry | None] = None  # read already (start: before the model loads)
    # the model client made already: start's (LLM_BASE_URL or a local server found), or a caller's own
    loaded_llm: InitVar[LLMClient | None] = None
    _leading: asyncio.Task[None] | None = field(default=None, init=False)  # contends for the jobs (leader.py)

    def __post_init__(self, loaded_personas: PersonaRegistry | None, loaded_llm: LLMClient | None) -> None:
        s = self.settings
        self.engine.watch(ENGINE_OBSERVER)  # engine metrics and spans (bot.telemetry)
        self.personas = (loaded_personas if loaded_personas is not None
                         else PersonaRegistry.load(s.personas_dir, s.default_persona))
        self.store = BotStore.beside(self.engine.options)
        self.prefs = Preferences(self.store.db)
        self.llm = loaded_llm if loaded_llm is not None else LLMClient.from_settings(s)
        self.conversation = ConversationService.from_settings(self.engine, self.llm, s)
        self.desk = MemoryDesk(self.engine)

    @classmethod
    async def start(cls, settings: Settings, *, jobs_first: bool = False, name: str = "this process") -> Services:
        """Open everything; `jobs_first`: this is a dedicated jobs process (`python -m bot jobs`)."""
        personas = PersonaRegistry.load(settings.personas_dir, settings.default_persona)  # fail before the model loads
        llm = await client_at_start(settings)  # LLM_BASE_URL, else a local server (reported; used when opted in)
        # SQLite: one process owns DATA_DIR. PostgreSQL: any number share the database (bot.cluster)
        lock = None if is_postgres(settings.database_url) else DataDirLock(settings.data_dir).acquire()
        cluster: Cluster | None = None
        engine: MemoryEngine | None = None
        try:
            # the engine first: it opens whatever DATABASE_URL names, migrates it, and says what to fix
            # when it cannot (memory.store); the cluster's own connections then reach the same database
            engine = await MemoryEngine.open(EngineOptions.from_settings(settings))
            cluster = await open_cluster(settings, jobs_first=jobs_first, name=name)
        except BaseException:
            if engine is not None:
                await engine.close()
            if lock is not None:
                lock.release()
            raise
        services = cls(settings=settings, engine=engine, lock=lock, owns_engine=True, loaded_personas=personas,
                       loaded_llm=llm, cluster=cluster)
        await services.prefs.create_tables()
        if settings.jobs_enabled:
            # PostgreSQL: paused until this process leads (bot.cluster.leader); SQLite: it always does
            jobs = services.jobs = JobScheduler(services).start(paused=cluster.shared)
            services._leading = asyncio.create_task(cluster.leadership.run(jobs.lead, jobs.follow),
                                                    name="jobs-leadership")
        return services

    async def close(self) -> None:
        """Stop and close what this object opened (the engine only if `start` opened it)."""
        try:
            if self._leading is not None:
                self._leading.cancel()
                await asyncio.gather(self._leading, return_exceptions=True)
            if self.jobs is not None:
                await self.jobs.shutdown()
            await self.conversation.drain()
            await self.conversation.close()
            if self.llm is not None:
                await self.llm.close()
            await self.store.close()
            if self.owns_engine:
                await self.engine.close()
                await self.cluster.close()
        finally:
            if self.lock is not None:
                self.lock.release()
