"""Admin routes for operations (admin API key only): the scheduled jobs and the snapshots.

Jobs are the process's `JobScheduler` (`services.jobs`): list them with their next run, last result and
last error, or run one now (the request waits for it; 409 while it runs). Snapshots are
`memory.snapshots` folders under DATA_DIR/snapshots: list, take one now (retention applied, as the CLI
does), or read one's manifest and optionally verify its checksums. Restoring stays on the command line
(`python -m bot restore`): it needs the bot stopped, so no route of the running bot can do it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re

from aiohttp import web

from bot.api.errors import not_found
from bot.api.registry import Api
from bot.api.schemas.ops import (
    JobList,
    JobOut,
    SnapshotCreate,
    SnapshotDetail,
    SnapshotList,
    SnapshotOut,
    SnapshotQuery,
    SnapshotTaken,
)
from bot.api.state import audit, state
from bot.scheduler import JobScheduler, JobStatus
from memory.restore import verify_snapshot
from memory.snapshots import (
    SnapshotError,
    SnapshotInfo,
    list_snapshots,
    prune_snapshots,
    read_snapshot,
    snapshot_engine,
    snapshots_root,
)

TAG = "Admin"
SNAPSHOT_NAME = re.compile(r"\d{8}T\d{6}Z(-\d{1,3})?")  # what memory.snapshots names its folders


def _job_out(status: JobStatus) -> JobOut:
    return JobOut.model_validate(dataclasses.asdict(status))


def _scheduler(request: web.Request) -> JobScheduler | None:
    return state(request).services.jobs


async def list_jobs(request: web.Request) -> JobList:
    jobs = _scheduler(request)
    return JobList(enabled=jobs is not None, leader=jobs is not None and jobs.leading,
                   jobs=[_job_out(s) for s in jobs.list()] if jobs else [])


async def run_job(request: web.Request) -> JobOut:
    """Runs the job and answers when it has finished; a job that fails is a 200 with its `last_error`
    (the run happened), an unknown job is 404 and a job already running is 409."""
    job_id = request.match_info["job_id"]
    jobs = _scheduler(request)
    if jobs is None:
        raise not_found(f"job {job_id!r}: scheduled jobs are off (JOBS_ENABLED=false)", field="job_id")
    audit(request, target=f"job {job_id}")
    return _job_out(await jobs.run_now(job_id))


def _snapshot_out(info: SnapshotInfo) -> dict[str, object]:
    return {"name": info.name, "created_at": info.created_at, "kind": info.kind, "description": info.description,
            "tags": info.tags, "counts": info.counts, "size_bytes": info.size_bytes}


async def snapshots(request: web.Request) -> SnapshotList:
    root = snapshots_root(state(request).settings.data_dir)
    found = await asyncio.to_thread(list_snapshots, root)
    return SnapshotList(snapshots=[SnapshotOut.model_validate(_snapshot_out(s)) for s in found], total=len(found))


async def take_snapshot(request: web.Request, body: SnapshotCreate) -> SnapshotTaken:
    st = state(request)
    settings = st.settings
    info = await snapshot_engine(st.engine, kind="manual", description=body.description, tags=body.tags)
    audit(request, target=f"snapshot {info.name}")
    removed = await asyncio.to_thread(prune_snapshots, snapshots_root(settings.data_dir),
                                      settings.snapshot_keep_count, settings.snapshot_keep_days)
    return SnapshotTaken.model_validate({**_snapshot_out(info), "removed": removed})


async def snapshot(request: web.Request, query: SnapshotQuery) -> SnapshotDetail:
    name = request.match_info["name"]
    path = snapshots_root(state(request).settings.data_dir) / name
    if not SNAPSHOT_NAME.fullmatch(name) or not (path / "manifest.json").is_file():
        raise not_found(f"snapshot {name!r} (GET /admin/snapshots lists them)", field="name")
    info = await asyncio.to_thread(read_snapshot, path)
    verified: bool | None = None
    problem: str | None = None
    if query.verify:
        try:
            await asyncio.to_thread(verify_snapshot, path)
            verified = True
        except SnapshotError as exc:
            verified, problem = False, exc.message
    return SnapshotDetail.model_validate({**_snapshot_out(info), "manifest": info.manifest, "verified": verified,
                                          "problem": problem})


def setup(app: web.Application) -> None:
    add = Api(app).add
    add("GET", "/admin/jobs", list_jobs, summary="Scheduled jobs: next run, last result, last error", tag=TAG,
        response=JobList, admin=True)
    add("POST", "/admin/jobs/{job_id}/run", run_job, summary="Run a scheduled job now and wait for it", tag=TAG,
        response=JobOut, admin=True, errors=(404, 409))
    add("GET", "/admin/snapshots", snapshots, summary="Snapshots of the database and indexes, newest first",
        tag=TAG, response=SnapshotList, admin=True)
    add("POST", "/admin/snapshots", take_snapshot, summary="Take a snapshot now (then apply retention)", tag=TAG,
        body=SnapshotCreate, response=SnapshotTaken, status=201, admin=True, errors=(409,))
    add("GET", "/admin/snapshots/{name}", snapshot, summary="A snapshot's manifest; ?verify=true checks its files",
        tag=TAG, query=SnapshotQuery, response=SnapshotDetail, admin=True, errors=(404,))
