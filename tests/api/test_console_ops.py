"""The console's operations pages over plain HTTP: admin only, keys, jobs, snapshots, settings, audit log."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from api_server import ApiServer, MakeApi
from console_helpers import csrf_of, login

from bot.api.app import SERVICES
from bot.jobs import JobSpec
from bot.scheduler import JobScheduler
from bot.services import Services

PAGES = ["/console/ops/keys", "/console/ops/jobs", "/console/ops/snapshots", "/console/ops/settings",
         "/console/ops/audit"]


def browser(api: ApiServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=api.base_url, timeout=60.0)


@asynccontextmanager
async def admin(api: ApiServer) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(api) as c:
        await login(c, api.admin_key)
        yield c


async def test_a_scoped_key_gets_403_on_every_operations_page(api: ApiServer) -> None:
    key = await api.new_key(personas=["cocoro"])
    async with browser(api) as c:
        await login(c, key)
        home = (await c.get("/console")).text
        token = csrf_of(home)
        seen = [(await c.get(path)).status_code for path in PAGES]
        create = await c.post("/console/ops/keys", data={"csrf": token, "name": "sneaky", "admin": "1"})
        snap = await c.post("/console/ops/snapshots", data={"csrf": token})
    assert seen == [403] * len(PAGES) and create.status_code == 403 and snap.status_code == 403
    assert "/console/ops/keys" not in home  # no links to pages it cannot open
    async with api.client(api.admin_key) as c:
        names = [k["name"] for k in (await c.get("/admin/api-keys")).json()["keys"]]
    assert "sneaky" not in names


async def test_an_admin_creates_a_scoped_key_that_works_and_revokes_it(api: ApiServer) -> None:
    async with admin(api) as c:
        page = (await c.get("/console/ops/keys")).text
        made = await c.post("/console/ops/keys", data={"csrf": csrf_of(page), "name": "stream bot",
                                                       "personas": "cocoro", "read_only": "1"})
        assert made.status_code == 201
        key = re.search(r'id="new-key-value" readonly value="(omo_[^"]+)"', made.text)
        assert key, made.text
        async with api.client(key.group(1)) as scoped:
            assert (await scoped.get("/admin/api-keys")).status_code == 403
            assert (await scoped.get("/api/livestream/cocoro/stats")).status_code == 200
            assert (await scoped.get("/api/livestream/nova/stats")).status_code == 403
        key_id = re.search(r'<tr data-key-id="([^"]+)"><th scope="row">stream bot', made.text)
        assert key_id
        listed = (await c.get("/console/ops/keys")).text
        assert key.group(1) not in listed  # shown once, never listed
        bad = await c.post("/console/ops/keys", data={"csrf": csrf_of(listed), "name": "", "expires_days": "x"})
        revoked = await c.post(f"/console/ops/keys/{key_id.group(1)}/revoke", data={"csrf": csrf_of(listed)})
        assert revoked.status_code == 303
        after = (await c.get(revoked.headers["location"])).text
        async with api.client(key.group(1)) as scoped:
            assert (await scoped.get("/api/livestream/cocoro/stats")).status_code == 401
    assert bad.status_code == 422 and 'data-field="name"' in bad.text
    assert "Revoked key" in after or "無効にしました" in after


async def test_the_admin_key_cannot_revoke_itself_from_the_console(api: ApiServer) -> None:
    async with admin(api) as c:
        page = (await c.get("/console/ops/keys")).text
        own = re.search(r'<tr data-key-id="([^"]+)"><th scope="row">admin', page)
        assert own and f"/console/ops/keys/{own.group(1)}/revoke" not in page
        refused = await c.post(f"/console/ops/keys/{own.group(1)}/revoke", data={"csrf": csrf_of(page)})
        assert refused.status_code == 409
        assert (await c.get("/console/ops/keys")).status_code == 200


async def test_jobs_are_listed_and_run_now_with_their_error(api: ApiServer) -> None:
    services: Services = api.app[SERVICES]
    async with admin(api) as c:
        off = (await c.get("/console/ops/jobs")).text
        assert 'id="jobs-off"' in off

        async def fine(_: Services) -> dict[str, Any]:
            return {"swept": 3}

        async def broken(_: Services) -> dict[str, Any]:
            raise RuntimeError("disk on fire")

        services.jobs = JobScheduler(services, [JobSpec("fine", "works", 3600, fine),
                                                JobSpec("broken", "fails", 3600, broken)]).start()
        try:
            page = (await c.get("/console/ops/jobs")).text
            assert 'data-job-id="fine"' in page and 'data-job-id="broken"' in page
            for job in ("fine", "broken"):
                ran = await c.post(f"/console/ops/jobs/{job}/run", data={"csrf": csrf_of(page)})
                assert ran.status_code == 303
            missing = await c.post("/console/ops/jobs/vacuum/run", data={"csrf": csrf_of(page)})
            after = (await c.get("/console/ops/jobs")).text
        finally:
            await services.jobs.shutdown()
            services.jobs = None
    assert missing.status_code == 404 and "fine" in missing.text
    fine_row = after.split('data-job-id="fine"')[1].split("</tr>")[0]
    broken_row = after.split('data-job-id="broken"')[1].split("</tr>")[0]
    assert "1 / 0" in fine_row and "swept" in fine_row
    assert "1 / 1" in broken_row and "disk on fire" in broken_row


@pytest.mark.sqlite_only
async def test_a_snapshot_is_taken_and_listed(api: ApiServer) -> None:
    async with admin(api) as c:
        page = (await c.get("/console/ops/snapshots")).text
        assert 'id="snapshots"' not in page
        taken = await c.post("/console/ops/snapshots", data={"csrf": csrf_of(page), "description": "before upgrade"})
        assert taken.status_code == 303
        listed = (await c.get(taken.headers["location"])).text
    async with api.client(api.admin_key) as c:
        [snap] = (await c.get("/admin/snapshots")).json()["snapshots"]
    assert snap["description"] == "before upgrade" and snap["kind"] == "manual"
    assert snap["name"] in listed and "before upgrade" in listed


async def test_settings_show_with_secrets_redacted(make_api: MakeApi) -> None:
    api = await make_api(twitch_oauth_token="oauth:very-secret-token", twitch_nick="omoide_bot")
    async with admin(api) as c:
        page = (await c.get("/console/ops/settings")).text
    assert "very-secret-token" not in page
    row = page.split("<code>TWITCH_OAUTH_TOKEN</code>")[1].split("</tr>")[0]
    assert "***" in row
    assert "<code>API_PORT</code>" in page


@pytest.mark.parametrize("bad", ["0", "x", "-1"])
async def test_a_bad_audit_page_is_400_naming_page(api: ApiServer, bad: str) -> None:
    async with admin(api) as c:
        r = await c.get(f"/console/ops/audit?page={bad}")
    assert r.status_code == 400 and 'data-field="page"' in r.text


async def test_the_audit_log_pages_through_writes(api: ApiServer) -> None:
    for n in range(55):
        await api.new_key(name=f"k{n}")
    async with admin(api) as c:
        first = (await c.get("/console/ops/audit")).text
        second = (await c.get("/console/ops/audit?page=2")).text
    assert first.count("POST /admin/api-keys") == 50 and 'rel="next"' in first
    assert second.count("POST /admin/api-keys") == 5 and 'rel="prev"' in second and 'rel="next"' not in second
