"""The scheduled jobs of the bot process: each is a thin call into an engine-level operation.

`default_jobs(settings)` lists them with their intervals; `bot.scheduler.JobScheduler` runs them.
"""

from __future__ import annotations

from bot.cluster.dsn import is_postgres
from bot.jobs.base import JobSpec
from bot.jobs.memory import importance_decay, index_maintenance, ttl_sweep, working_memory
from bot.jobs.snapshot import snapshot
from config import Settings

__all__ = ["JobSpec", "default_jobs"]


def default_jobs(settings: Settings) -> list[JobSpec]:
    """Every job; with PostgreSQL no snapshot job: a snapshot copies a SQLite file and its index files, and
    PostgreSQL is backed up with its own tools (pg_dump, base backups), which the README names."""
    s = settings
    jobs = [
        JobSpec("ttl_sweep", "Delete short_term memories whose TTL has passed (history kept).",
                s.ttl_sweep_interval_seconds, ttl_sweep),
        JobSpec("importance_decay", "Lower the importance of memories not recalled for a while; reinforce "
                "recalled ones (never deletes).", s.decay_interval_seconds, importance_decay),
        JobSpec("working_memory", "Clear the working memory of sessions idle longer than WORKING_IDLE_SECONDS.",
                s.working_sweep_interval_seconds, working_memory),
        JobSpec("index_maintenance", "Save changed indexes; rebuild those whose deleted share passes "
                "INDEX_REBUILD_DELETED_SHARE.", s.index_maintenance_interval_seconds, index_maintenance),
    ]
    if not is_postgres(s.database_url):
        jobs.append(JobSpec("snapshot", "Snapshot the database and indexes into DATA_DIR/snapshots, then apply "
                            "retention.", s.snapshot_interval_seconds, snapshot))
    return jobs
