"""Admin routes for operations: the scheduled jobs (bot.scheduler) and the snapshots (memory.snapshots)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.api.schemas.common import Name, Request


class JobOut(BaseModel):
    id: str
    description: str
    interval_seconds: int
    next_run_at: datetime | None = Field(description="When the scheduler runs it next (null: not scheduled)")
    running: bool
    runs: int = Field(description="Runs since the process started, scheduled or on request")
    failures: int
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_duration_ms: float | None
    last_result: dict[str, Any] | None = Field(description="What the last successful run did (job-specific)")
    last_error: str | None = Field(description="Why the last run failed; null once a run succeeds again")


class JobList(BaseModel):
    enabled: bool = Field(description="false when JOBS_ENABLED is off: nothing is scheduled or runnable")
    leader: bool = Field(False, description="true when this process runs the schedule; with PostgreSQL one process "
                                            "leads, the others stand by (a run started here runs here)")
    jobs: list[JobOut]


class SnapshotOut(BaseModel):
    name: str = Field(description="The folder under DATA_DIR/snapshots: what `python -m bot restore` takes")
    created_at: datetime
    kind: str = Field(description="scheduled (the snapshot job), manual (CLI or admin API), resonant "
                                  "(a Resonant Engine restore point)")
    description: str | None
    tags: list[str]
    counts: dict[str, int] = Field(description="Rows per table in the copy")
    size_bytes: int


class SnapshotList(BaseModel):
    snapshots: list[SnapshotOut] = Field(description="Newest first")
    total: int


class SnapshotCreate(Request):
    description: str | None = Field(None, max_length=1000, description="A note kept in the manifest")
    tags: list[Name] = Field(default_factory=list, max_length=20)


class SnapshotTaken(SnapshotOut):
    removed: list[str] = Field(description="Older snapshots removed by retention (SNAPSHOT_KEEP_COUNT/DAYS)")


class SnapshotQuery(Request):
    verify: bool = Field(False, description="Check every file's size and SHA-256 against the manifest")


class SnapshotDetail(SnapshotOut):
    manifest: dict[str, Any] = Field(description="manifest.json as written: versions, counts, files with sizes "
                                                 "and SHA-256")
    verified: bool | None = Field(description="With ?verify=true: whether every file matches; null otherwise")
    problem: str | None = Field(None, description="With ?verify=true: the first file that does not match")
