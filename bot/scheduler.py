"""The job scheduler of the bot process (APScheduler 3.11, AsyncIOScheduler) and its job registry.

Every job runs on the bot's event loop, coalesced (missed runs collapse into one) and one instance at a
time. A job that fails is logged with its error, remembered as the job's `last_error`, and simply runs
again at its next time: nothing a job raises reaches the scheduler or stops the bot.

Across processes sharing PostgreSQL the jobs run in one of them: every process schedules them paused
and the jobs leader (bot.cluster.leader) resumes its schedule (`lead`), pausing it again if it stops
leading (`follow`). With SQLite the one process leads from the start.

The admin API uses `JobScheduler.list()`, `.status(job_id)` and `await .run_now(job_id)`; a caller that
needs a job's state to change (a test waiting for a scheduled run) awaits `.wait_until(check)`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs import JobSpec, default_jobs
from memory.clock import utcnow
from memory.errors import NotFoundError, OmoideError

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("omoide.jobs")
MISFIRE_GRACE_SECONDS = 300


class JobBusyError(OmoideError):
    """The job is running right now; try again when it has finished (HTTP 409)."""

    error_type = "ConflictError"


@dataclass(slots=True)
class JobStatus:
    """What the admin API shows for one job."""

    id: str
    description: str
    interval_seconds: int
    next_run_at: datetime | None = None
    running: bool = False
    runs: int = 0
    failures: int = 0
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_duration_ms: float | None = None
    last_result: dict[str, Any] | None = None
    last_error: str | None = None


@dataclass(slots=True)
class _Job:
    spec: JobSpec
    status: JobStatus
    task: asyncio.Task[None] | None = field(default=None)


class JobScheduler:
    """Owns the APScheduler instance and each job's state; build it with `JobScheduler(services)`."""

    def __init__(self, services: Services, specs: Sequence[JobSpec] | None = None) -> None:
        self.services = services
        specs = list(specs) if specs is not None else default_jobs(services.settings)
        self._jobs = {s.id: _Job(s, JobStatus(s.id, s.description, s.interval_seconds)) for s in specs}
        self._scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS})
        self._run_ended = asyncio.Event()  # set, then replaced, each time a run ends
        self.leading = False  # True while this process's schedule runs (it is the jobs leader)

    def start(self, *, paused: bool = False) -> JobScheduler:
        """Schedule every job (first run one interval from now); needs a running event loop. `paused`: nothing
        runs on schedule until `lead()`."""
        for job in self._jobs.values():
            self._scheduler.add_job(self._scheduled, IntervalTrigger(seconds=job.spec.interval_seconds),
                                    args=[job.spec.id], id=job.spec.id, name=job.spec.id)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own lines say what ran and how it went
        self._scheduler.start(paused=paused)
        self.leading = not paused
        log.info("scheduler started%s: %s", " (standing by until this process leads)" if paused else "",
                 ", ".join(f"{j.spec.id} every {j.spec.interval_seconds}s" for j in self._jobs.values()))
        return self

    def lead(self) -> None:
        """This process became the jobs leader: its schedule runs (a run overdue by the takeover runs now)."""
        self.leading = True
        if self._scheduler.running:
            self._scheduler.resume()

    def follow(self) -> None:
        """Another process leads now: nothing more starts here on schedule (a run under way finishes)."""
        self.leading = False
        if self._scheduler.running:
            self._scheduler.pause()

    # `timeout` is a grace period, not a deadline on the call: what still runs after it is cancelled and
    # awaited, which an asyncio.timeout around the call would skip (hence the noqa)
    async def shutdown(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Stop scheduling, then let running jobs finish (a snapshot half-taken is cancelled after `timeout`)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        tasks = [j.task for j in self._jobs.values() if j.task is not None and not j.task.done()]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    # -- registry ---------------------------------------------------------------------------------
    def list(self) -> list[JobStatus]:
        return [self.status(job_id) for job_id in self._jobs]

    def status(self, job_id: str) -> JobStatus:
        job = self._get(job_id)
        aps = self._scheduler.get_job(job_id) if self._scheduler.running else None
        next_run = getattr(aps, "next_run_time", None) if aps is not None else None
        job.status.next_run_at = next_run.astimezone(UTC) if next_run else None
        return job.status

    async def run_now(self, job_id: str) -> JobStatus:
        """Run a job at once and wait for it; its schedule is unchanged. Refused while it runs."""
        job = self._get(job_id)
        if job.status.running:
            raise JobBusyError(f"job {job_id} is running; try again when it has finished", field="job_id")
        job.status.running = True  # claimed now, before the task starts
        task = asyncio.create_task(self._execute(job), name=f"job-{job_id}")
        await asyncio.shield(task)  # a caller that goes away does not cancel the job half-way
        return self.status(job_id)

    async def wait_until(self, check: Callable[[], bool]) -> None:
        """Return once `check()` holds, tested again each time a job run ends."""
        while not check():
            await self._run_ended.wait()

    def _get(self, job_id: str) -> _Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id!r}; jobs are: {', '.join(self._jobs)}", field="job_id")
        return job

    # -- running ----------------------------------------------------------------------------------
    async def _scheduled(self, job_id: str) -> None:
        job = self._jobs[job_id]
        if job.status.running:  # started by run_now a moment ago
            log.info("job %s is still running; this run is skipped", job_id)
            return
        await self._execute(job)

    async def _execute(self, job: _Job) -> None:
        st = job.status
        st.running, st.last_started_at = True, utcnow()
        job.task = asyncio.current_task()
        t0 = time.perf_counter()
        try:
            st.last_result = await job.spec.run(self.services)
            st.last_error = None
            log.info("job %s done in %.0f ms: %s", job.spec.id, (time.perf_counter() - t0) * 1000, st.last_result)
        except asyncio.CancelledError:
            st.last_error = "cancelled at shutdown"
            raise
        except Exception as exc:  # a job never takes the bot down: log it, retry at the next run
            st.failures += 1
            st.last_error = f"{type(exc).__name__}: {exc}"
            log.error("job %s failed (retried at its next run): %s", job.spec.id, st.last_error, exc_info=True)
        finally:
            st.runs += 1
            st.running, st.last_finished_at = False, utcnow()
            st.last_duration_ms = round((time.perf_counter() - t0) * 1000, 1)
            job.task = None
            ended, self._run_ended = self._run_ended, asyncio.Event()
            ended.set()
