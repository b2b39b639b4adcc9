"""What the bot process owns and hands to the cogs and the API: built once at start."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

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

    @classmethod
    async def start(cls, settings: Settings) -> "Services":
        lock = DataDirLock(settings.data_dir).acquire()
        try:
            engine = await MemoryEngine.open(EngineOptions.from_settings(settings))
        except BaseException:
            lock.release()
            raise
        services = cls(settings=settings, engine=engine, lock=lock)
        if settings.jobs_enabled:
            services.jobs = JobScheduler(services).start()
        return services

    async def close(self) -> None:
        try:
            if self.jobs is not None:
                await self.jobs.shutdown()
            await self.engine.close()
        finally:
            if self.lock is not None:
                self.lock.release()
