"""Scheduled jobs run in one process: the jobs leader holds a PostgreSQL advisory lock on its own session.

Real contenders on a real database: one leads, the other waits; when the leader's session ends (its
backend terminated, or the process killed with SIGKILL) the other takes over.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.cluster.dsn import asyncpg_dsn
from bot.cluster.leader import AdvisoryLockLeader
from bot.jobs import JobSpec
from bot.scheduler import JobScheduler

pytestmark = pytest.mark.both_stores  # PostgreSQL by itself: runs once, in the SQLite run of the suite

ROOT = Path(__file__).resolve().parent.parent.parent
POLL = 0.05
WAIT = 60.0  # a guard against hanging, not a measured time


class Contender:
    """A leader election running in a task, with events for what it was told."""

    def __init__(self, dsn: str) -> None:
        self.leader = AdvisoryLockLeader(dsn, poll_seconds=POLL, name="contender")
        self.elected, self.lost = asyncio.Event(), asyncio.Event()
        self.task = asyncio.create_task(self.leader.run(self.elected.set, self.lost.set))

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@pytest.fixture
async def admin(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(pg_url))
    yield conn
    await conn.close()


async def tried(admin: asyncpg.Connection, who: Contender | AdvisoryLockLeader) -> None:
    """Wait until `who` has a session that asked for the lock at least once."""
    while True:
        pid = (who.leader if isinstance(who, Contender) else who).backend_pid
        if pid is not None:
            query = await admin.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
            if query and "pg_try_advisory_lock" in query:
                return
        await asyncio.sleep(POLL)


async def test_one_leads_and_the_other_takes_over_when_its_session_ends(pg_url: str,
                                                                        admin: asyncpg.Connection) -> None:
    dsn = asyncpg_dsn(pg_url)
    first = Contender(dsn)
    await asyncio.wait_for(first.elected.wait(), WAIT)
    second = Contender(dsn)
    try:
        await asyncio.wait_for(tried(admin, second), WAIT)
        assert first.leader.is_leader and not second.leader.is_leader
        assert not second.elected.is_set()

        await admin.execute("SELECT pg_terminate_backend($1)", first.leader.backend_pid)  # the leader's session dies
        await asyncio.wait_for(second.elected.wait(), WAIT)
        await asyncio.wait_for(first.lost.wait(), WAIT)
        assert second.leader.is_leader and not first.leader.is_leader

        await asyncio.wait_for(tried(admin, first), WAIT)  # the old leader contends again, and waits
        assert not first.leader.is_leader
    finally:
        await first.stop()
        await second.stop()


LEADER_SCRIPT = """
import asyncio, sys
from bot.cluster.leader import AdvisoryLockLeader

async def main():
    leader = AdvisoryLockLeader(sys.argv[1], poll_seconds=0.05)
    await leader.run(lambda: print("leader", flush=True), lambda: None)

asyncio.run(main())
"""


async def test_a_leader_killed_with_sigkill_is_replaced(pg_url: str, admin: asyncpg.Connection) -> None:
    dsn = asyncpg_dsn(pg_url)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", LEADER_SCRIPT, dsn, cwd=ROOT,
                                                stdout=asyncio.subprocess.PIPE)
    contender: Contender | None = None
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), WAIT)
        assert line.decode().strip() == "leader"
        contender = Contender(dsn)
        await asyncio.wait_for(tried(admin, contender), WAIT)
        assert not contender.leader.is_leader

        proc.send_signal(signal.SIGKILL)  # no clean-up runs: only the server sees the session end
        await proc.wait()
        await asyncio.wait_for(contender.elected.wait(), WAIT)
        assert contender.leader.is_leader
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        if contender is not None:
            await contender.stop()


async def test_only_the_leaders_schedule_runs(pg_url: str, admin: asyncpg.Connection) -> None:
    """Two processes' schedulers, each following its own election: the job runs in the leader only."""
    dsn = asyncpg_dsn(pg_url)
    runs = {"a": 0, "b": 0}

    def scheduler(name: str) -> JobScheduler:
        async def tick(_services: object) -> dict[str, int]:
            runs[name] += 1
            return {"runs": runs[name]}

        spec = JobSpec("tick", "counts its runs", 1, tick)
        return JobScheduler(None, [spec]).start(paused=True)  # type: ignore[arg-type]

    jobs_a, jobs_b = scheduler("a"), scheduler("b")
    lead_a = AdvisoryLockLeader(dsn, poll_seconds=POLL)
    task_a = asyncio.create_task(lead_a.run(jobs_a.lead, jobs_a.follow))
    try:
        await asyncio.wait_for(jobs_a.wait_until(lambda: runs["a"] >= 2), WAIT)
        lead_b = AdvisoryLockLeader(dsn, poll_seconds=POLL)
        task_b = asyncio.create_task(lead_b.run(jobs_b.lead, jobs_b.follow))
        await asyncio.wait_for(tried(admin, lead_b), WAIT)
        await asyncio.wait_for(jobs_a.wait_until(lambda: runs["a"] >= 4), WAIT)
        assert runs["b"] == 0 and jobs_a.leading and not jobs_b.leading

        task_a.cancel()  # process a stops: its session ends, b's schedule starts
        await asyncio.gather(task_a, return_exceptions=True)
        assert not jobs_a.leading
        await asyncio.wait_for(jobs_b.wait_until(lambda: runs["b"] >= 1), WAIT)
        assert jobs_b.leading
        task_b.cancel()
        await asyncio.gather(task_b, return_exceptions=True)
    finally:
        task_a.cancel()
        await asyncio.gather(task_a, return_exceptions=True)
        await jobs_a.shutdown()
        await jobs_b.shutdown()
