"""The scheduler inside the bot process: jobs run on schedule, can be run now, and never take the bot down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.scheduler import JobBusyError, JobScheduler
from bot.services import Services
from config import load_settings
from memory.clock import ManualClock, utcnow
from memory.engine import MemoryEngine
from memory.errors import NotFoundError
from memory.snapshots import list_snapshots
from memory.types import MemoryFilter, Scope

S = Scope(tenant="t", cube="c", user_id="u")


def _services(engine: MemoryEngine, **settings: Any) -> Services:
    return Services(settings=load_settings(data_dir=engine.options.data_dir, **settings), engine=engine)


async def _until(jobs: JobScheduler, check: Callable[[], bool]) -> None:
    """Wait for scheduled runs to make `check` true; the limit guards against hanging, it times nothing."""
    await asyncio.wait_for(jobs.wait_until(check), 90)


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # settings come from the test, not from a developer's .env


@pytest.mark.sqlite_only
async def test_a_failing_job_is_logged_retried_and_never_stops_the_bot(
        engine: MemoryEngine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="omoide.jobs")
    services = _services(engine, snapshot_interval_seconds=1, ttl_sweep_interval_seconds=1)
    blocker = engine.options.data_dir / "snapshots"
    blocker.write_text("a file where the snapshots folder should be")
    jobs = JobScheduler(services).start()
    try:
        await _until(jobs, lambda: jobs.status("snapshot").failures >= 2 and jobs.status("ttl_sweep").runs >= 2)
        failed = jobs.status("snapshot")
        assert failed.last_error and "snapshots" in failed.last_error and failed.last_result is None
        logged = [r for r in caplog.records if "job snapshot failed" in r.getMessage()]
        assert logged and logged[0].levelno == logging.ERROR and logged[0].exc_info
        saved = await engine.store(S, "the bot keeps working while a job fails")
        assert (await engine.search("keeps working", MemoryFilter(tenant="t"), top_k=1))[0].memory.id == saved.memory.id
        blocker.unlink()  # fixed: the next scheduled run succeeds without anyone restarting anything
        await _until(jobs, lambda: jobs.status("snapshot").last_error is None)
        ok = jobs.status("snapshot")
        assert ok.last_result and ok.last_result["memories"] == 1
        assert (blocker / ok.last_result["snapshot"] / "manifest.json").exists()
    finally:
        await jobs.shutdown()


@pytest.mark.sqlite_only
async def test_registry_lists_jobs_and_runs_one_now(engine: MemoryEngine, clock: ManualClock) -> None:
    services = _services(engine, snapshot_keep_count=2)
    jobs = JobScheduler(services).start()
    try:
        listed = jobs.list()
        assert [j.id for j in listed] == ["ttl_sweep", "importance_decay", "working_memory", "index_maintenance",
                                          "snapshot"]
        assert all(j.next_run_at and j.next_run_at > utcnow() and j.runs == 0 for j in listed)
        gone = await engine.store(S, "a note for one second", tier="short_term", ttl_seconds=1)
        assert (await jobs.run_now("ttl_sweep")).last_result == {"deleted": 0}  # still alive
        clock.advance(1)  # the job reads the engine's clock
        status = await jobs.run_now("ttl_sweep")
        assert status.last_result == {"deleted": 1} and status.runs == 2 and status.last_error is None
        assert [h["actor"] for h in await engine.history(gone.memory.id)][-1] == "ttl-sweep"
        for _ in range(3):
            status = await jobs.run_now("snapshot")
        assert len(status.last_result["removed"]) == 1  # type: ignore[index]
        assert len(list_snapshots(engine.options.data_dir / "snapshots")) == 2
        with pytest.raises(NotFoundError, match="ttl_sweep") as info:
            await jobs.run_now("defrag")
        assert info.value.field == "job_id"
    finally:
        await jobs.shutdown()


async def test_a_job_runs_one_at_a_time(engine: MemoryEngine) -> None:
    await engine.store(S, "something to snapshot")
    jobs = JobScheduler(_services(engine))
    first = asyncio.create_task(jobs.run_now("snapshot"))
    await asyncio.sleep(0)
    with pytest.raises(JobBusyError):
        await jobs.run_now("snapshot")
    assert (await first).runs == 1
    await jobs.shutdown()
