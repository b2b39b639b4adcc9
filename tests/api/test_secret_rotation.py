"""`python -m bot rotate-admin-key` and `rotate-jwt-secret`, run as a user runs them, against a real API."""

from __future__ import annotations

import os
import stat

import pytest
from api_server import MakeApi
from botproc import run_cli
from seed_clients import login, register_user


@pytest.mark.sqlite_only
async def test_rotate_admin_key_revokes_every_admin_key_and_writes_the_new_one(make_api: MakeApi) -> None:
    before = await make_api()
    second_admin = await before.new_key(admin=True)  # as a leaked admin key could have made
    done = run_cli(before.settings.data_dir, "rotate-admin-key")
    assert done.returncode == 0, done.stderr
    path = before.settings.data_dir / "admin.key"
    new_key = path.read_text().strip()
    assert new_key != before.admin_key and done.stdout.count(new_key) == 1  # shown once
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    after = await make_api()  # a fresh key cache, as after 5 s or a restart
    for old in (before.admin_key, second_admin):
        async with after.client(old) as c:
            assert (await c.get("/admin/stats")).status_code == 401
    async with after.client(new_key) as c:
        assert (await c.get("/admin/stats")).status_code == 200
        audit = (await c.get("/admin/audit", params={"actor": "cli"})).json()["entries"]
    assert audit[0]["path"] == "rotate-admin-key"


async def test_rotate_jwt_secret_ends_every_session_at_the_next_start(make_api: MakeApi) -> None:
    before = await make_api()
    async with before.client() as anon:
        await register_user(anon, "rot@example.com", "rot", "correct horse battery")
        tokens = await login(anon, "rot@example.com", "correct horse battery")
    done = run_cli(before.settings.data_dir, "rotate-jwt-secret")
    assert done.returncode == 0 and "log in again" in done.stdout, done.stderr
    assert stat.S_IMODE(os.stat(before.settings.data_dir / "jwt.secret").st_mode) == 0o600
    after = await make_api()  # the secret is read at start
    async with after.client(Authorization=f"Bearer {tokens['access_token']}") as old:
        assert (await old.get("/v1/auth/api-keys")).status_code == 401
        refreshed = await old.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 401
    async with after.client() as anon:
        fresh = await login(anon, "rot@example.com", "correct horse battery")
    async with after.client(Authorization=f"Bearer {fresh['access_token']}") as new:
        assert (await new.get("/v1/auth/api-keys")).status_code == 200
