"""Admin routes for scheduled jobs and snapshots, over HTTP, with the process's real JobScheduler."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from api_server import ApiServer, MakeApi

from bot.api.app import SERVICES
from bot.jobs import JobSpec
from bot.scheduler import JobScheduler
from bot.services import Services

OPS_ROUTES = [("GET", "/admin/jobs"), ("POST", "/admin/jobs/snapshot/run"), ("GET", "/admin/snapshots"),
              ("POST", "/admin/snapshots"), ("GET", "/admin/snapshots/20240101T000000Z")]


@pytest.fixture
async def with_jobs(api: ApiServer) -> AsyncIterator[ApiServer]:
    """The server's services with the default jobs scheduled, as `python -m bot` starts them."""
    services: Services = api.app[SERVICES]
    services.jobs = JobScheduler(services).start()
    yield api
    await services.jobs.shutdown()
    services.jobs = None


@pytest.mark.sqlite_only
async def test_jobs_are_listed_and_run_now_with_their_result(with_jobs: ApiServer) -> None:
    api = with_jobs
    async with api.client(api.admin_key) as c:
        await c.post("/save", json={"user_message": "夏祭りで金魚すくいをした", "user_id": "u1"})
        listed = (await c.get("/admin/jobs")).json()
        assert listed["enabled"] is True and listed["leader"] is True  # one process (SQLite) always leads
        jobs = {j["id"]: j for j in listed["jobs"]}
        assert set(jobs) == {"ttl_sweep", "importance_decay", "working_memory", "index_maintenance", "snapshot"}
        snap_job = jobs["snapshot"]
        assert snap_job["interval_seconds"] == api.settings.snapshot_interval_seconds
        assert datetime.fromisoformat(snap_job["next_run_at"]) > datetime.now(UTC)
        assert (snap_job["runs"], snap_job["last_result"], snap_job["last_error"]) == (0, None, None)

        ran = await c.post("/admin/jobs/snapshot/run")
        assert ran.status_code == 200, ran.text
        done = ran.json()
        assert done["runs"] == 1 and not done["running"] and done["last_error"] is None
        assert done["last_result"]["memories"] == 1 and done["last_duration_ms"] >= 0
        assert (await c.get("/admin/jobs")).json()["jobs"][-1]["runs"] == 1  # the registry remembers it

        snaps = (await c.get("/admin/snapshots")).json()
        assert [(s["name"], s["kind"]) for s in snaps["snapshots"]] == [(done["last_result"]["snapshot"], "scheduled")]

        missing = await c.post("/admin/jobs/vacuum/run")
        assert missing.status_code == 404 and missing.json()["field"] == "job_id"
        assert "ttl_sweep" in missing.json()["message"]  # says which jobs exist


async def test_a_running_job_is_409_and_a_failing_one_reports_its_error(api: ApiServer) -> None:
    services: Services = api.app[SERVICES]
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(_: Services) -> dict[str, Any]:
        started.set()
        await release.wait()
        return {"waited": True}

    async def broken(_: Services) -> dict[str, Any]:
        raise RuntimeError("disk on fire")

    services.jobs = JobScheduler(services, [JobSpec("slow", "waits", 3600, slow),
                                            JobSpec("broken", "fails", 3600, broken)]).start()
    try:
        async with api.client(api.admin_key) as c:
            first = asyncio.create_task(c.post("/admin/jobs/slow/run"))
            await asyncio.wait_for(started.wait(), 60)
            assert (await c.get("/admin/jobs")).json()["jobs"][0]["running"] is True
            busy = await c.post("/admin/jobs/slow/run")
            assert busy.status_code == 409 and busy.json()["error_type"] == "ConflictError", busy.text
            release.set()
            assert (await first).json()["last_result"] == {"waited": True}

            failed = (await c.post("/admin/jobs/broken/run")).json()
            assert (failed["failures"], failed["last_error"]) == (1, "RuntimeError: disk on fire")
            audit = (await c.get("/admin/audit")).json()["entries"]
            assert [(e["path"], e["status"]) for e in audit if e["path"].startswith("/admin/jobs")] == [
                ("/admin/jobs/broken/run", 200), ("/admin/jobs/slow/run", 200), ("/admin/jobs/slow/run", 409)]
    finally:
        release.set()
        await services.jobs.shutdown()
        services.jobs = None


async def test_jobs_off_lists_nothing_and_runs_nothing(api: ApiServer) -> None:
    async with api.client(api.admin_key) as c:
        assert (await c.get("/admin/jobs")).json() == {"enabled": False, "leader": False, "jobs": []}
        off = await c.post("/admin/jobs/snapshot/run")
        assert off.status_code == 404 and "JOBS_ENABLED" in off.json()["message"]


@pytest.mark.sqlite_only
async def test_snapshots_taken_listed_verified_and_retained(make_api: MakeApi) -> None:
    api = await make_api(snapshot_keep_count=2)
    async with api.client(api.admin_key) as c:
        for i in range(3):
            trip = ("沖縄の海で泳いだ", "京都でお寺を巡った", "北海道でスキーをした")[i]  # distinct: no dedup
            await c.post("/save", json={"user_message": f"旅行の思い出: {trip}", "user_id": "u1"})
        taken = []
        for i in range(3):
            r = await c.post("/admin/snapshots", json={"description": f"before upgrade {i}", "tags": ["v2"]})
            assert r.status_code == 201, r.text
            taken.append(r.json())
        first = taken[0]
        assert (first["kind"], first["description"], first["tags"]) == ("manual", "before upgrade 0", ["v2"])
        assert first["counts"]["memories"] == 3 and first["size_bytes"] > 0 and first["removed"] == []
        assert taken[2]["removed"] == [first["name"]]  # SNAPSHOT_KEEP_COUNT=2

        listed = (await c.get("/admin/snapshots")).json()
        assert [s["name"] for s in listed["snapshots"]] == [taken[2]["name"], taken[1]["name"]]

        name = taken[2]["name"]
        plain = (await c.get(f"/admin/snapshots/{name}")).json()
        assert plain["verified"] is None and "omoide.db" in plain["manifest"]["files"]
        assert plain["manifest"]["counts"] == plain["counts"]
        assert (await c.get(f"/admin/snapshots/{name}", params={"verify": "true"})).json()["verified"] is True

        db_copy = api.settings.data_dir / "snapshots" / name / "omoide.db"
        db_copy.write_bytes(db_copy.read_bytes() + b"tampered")
        bad = (await c.get(f"/admin/snapshots/{name}", params={"verify": "true"})).json()
        assert bad["verified"] is False and "omoide.db" in bad["problem"]

        for unknown in (first["name"], "20990101T000000Z", "..", "manifest.json"):
            r = await c.get(f"/admin/snapshots/{unknown}")
            assert r.status_code == 404 and r.json()["error"] is True, unknown
        assert (await c.post("/admin/snapshots", json={"tags": [""]})).json()["field"] == "tags.0"

        audit = (await c.get("/admin/audit")).json()["entries"]
        assert [e["target"] for e in audit if e["path"] == "/admin/snapshots" and e["status"] == 201] == [
            f"snapshot {t['name']}" for t in reversed(taken)]


async def test_ops_routes_need_an_admin_key(with_jobs: ApiServer) -> None:
    api = with_jobs
    key = await api.new_key()
    async with api.client(key) as c:
        for method, path in OPS_ROUTES:
            r = await c.request(method, path, json={} if method == "POST" else None)
            assert r.status_code == 403 and r.json()["error_type"] == "Forbidden", path
    async with api.client() as c:
        assert all([(await c.request(m, p)).status_code == 401 for m, p in OPS_ROUTES])
    assert not (api.settings.data_dir / "snapshots").exists()  # nothing was taken
