"""Keys, scopes, admin-only routes, rate limits, body limits, the audit log and secret hygiene."""

from __future__ import annotations

import logging
import os
import stat
from datetime import timedelta

import pytest
from api_server import ApiServer, MakeApi

from bot.api.state import STATE
from memory.clock import utcnow


async def test_every_route_but_health_needs_a_valid_key(api: ApiServer) -> None:
    async with api.client() as anon, api.client("omo_not-a-real-key") as wrong:
        assert (await anon.get("/health/")).status_code == 200
        for path in ("/memories?user_id=u", "/v1/tools", "/api/memory/characters", "/admin/stats",
                     "/v1/memory/search?tenant_id=t&query=q"):
            r = await anon.get(path)
            assert r.status_code == 401 and r.json()["error_type"] == "Unauthorized", path
            assert "Bearer" in r.headers["WWW-Authenticate"]
            assert (await wrong.get(path)).json()["message"] == "unknown API key"
        bad_jwt = await anon.get("/v1/tools", headers={"Authorization": "Bearer not.a.jwt"})
        assert bad_jwt.status_code == 401 and "invalid access token" in bad_jwt.json()["message"]


async def test_admin_key_is_written_once_with_mode_0600(make_api: MakeApi, capsys: pytest.CaptureFixture) -> None:
    first = await make_api()
    path = first.settings.data_dir / "admin.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.admin_key in capsys.readouterr().out  # printed once...
    second = await make_api()  # ...and not again on the next start
    assert second.admin_key == first.admin_key and first.admin_key not in capsys.readouterr().out
    assert (first.settings.data_dir / "jwt.secret").stat().st_mode & 0o077 == 0


async def test_a_tenant_scoped_key_never_reads_outside_its_tenant(api: ApiServer) -> None:
    key_a, key_b = await api.new_key(tenants=["shop-a"]), await api.new_key(tenants=["shop-b"])
    async with api.client(key_a) as a, api.client(key_b) as b, api.client(api.admin_key) as admin:
        saved = (await a.post("/save", json={"user_message": "注文した本はまだ届きません", "user_id": "u1"})).json()
        await a.post("/v1/tools/memory_store", json={"content": "shop-a keeps its prices secret"})
        # b works in its own tenant and sees nothing of a's
        assert (await b.post("/search", json={"query": "注文した本", "user_id": "u1"})).json()["results"] == []
        assert (await b.get("/memories", params={"user_id": "u1"})).json()["total"] == 0
        assert (await b.post("/v1/tools/memory_get", json={"id": saved["memory_id"]})).status_code == 404
        assert (await b.post("/v1/tools/memory_list", json={})).json()["total"] == 0
        assert (await b.post("/v1/tools/memory_delete", json={"id": saved["memory_id"]})).status_code == 404
        # asking for a's tenant explicitly is refused
        for call in (b.post("/search", json={"query": "本", "user_id": "u1"}, headers={"X-Tenant-ID": "shop-a"}),
                     b.get("/api/memory/characters", headers={"X-Tenant-ID": "shop-a"}),
                     b.get("/v1/memory/search", params={"tenant_id": "shop-a", "query": "本"}),
                     b.get("/admin/users/u1/export")):
            assert (await call).status_code == 403
        # the admin reaches any tenant; a itself still sees its memory
        hit = await admin.post("/search", json={"query": "注文した本", "user_id": "u1"},
                               headers={"X-Tenant-ID": "shop-a"})
        assert [r["memory_id"] for r in hit.json()["results"]] == [saved["memory_id"]]
        assert (await a.get("/memories", params={"user_id": "u1"})).json()["total"] == 1


async def test_revoked_and_expired_keys_stop_working(api: ApiServer) -> None:
    st = api.app[STATE]
    info, expired = await st.keys.create("old", expires_at=utcnow() - timedelta(seconds=1))
    key = await api.new_key()
    async with api.client(key) as c, api.client(expired) as old, api.client(api.admin_key) as admin:
        assert (await c.get("/v1/tools")).status_code == 200
        keys = (await admin.get("/admin/api-keys")).json()["keys"]
        mine = next(k for k in keys if key.startswith(k["prefix"]) and k["id"] != info.id)
        assert all("key" not in k for k in keys)
        assert (await admin.delete(f"/admin/api-keys/{mine['id']}")).json()["revoked_at"]
        r = await c.get("/v1/tools")
        assert r.status_code == 401 and "revoked" in r.json()["message"]
        r = await old.get("/v1/tools")
        assert r.status_code == 401 and "expired" in r.json()["message"]
        assert (await c.get("/admin/stats")).status_code == 401
        admin_id = next(k["id"] for k in keys if k["admin"])
        assert (await admin.delete(f"/admin/api-keys/{admin_id}")).status_code == 409  # no self-lockout


async def test_admin_routes_need_an_admin_key(api: ApiServer) -> None:
    key = await api.new_key()
    async with api.client(key) as c:
        for method, path in (("GET", "/admin/stats"), ("GET", "/admin/settings"), ("POST", "/admin/reindex"),
                             ("DELETE", "/admin/users/u1"), ("GET", "/admin/api-keys")):
            r = await c.request(method, path)
            assert r.status_code == 403 and r.json()["error_type"] == "Forbidden", path


async def test_admin_export_forget_reindex_settings_and_audit(make_api: MakeApi) -> None:
    api = await make_api(discord_token="MTIz.secret-discord-token.value")
    async with api.client(api.admin_key) as c:
        saved = [(await c.post("/save", json={"user_message": f"思い出その{i}です", "user_id": "leaver"})).json()
                 for i in range(3)]
        await c.post("/save", json={"user_message": "残る人の思い出", "user_id": "stayer"})
        export = await c.get("/admin/users/leaver/export")
        assert export.headers["Content-Type"].startswith("application/x-ndjson")
        lines = [line for line in export.text.splitlines() if line]
        assert sorted(__import__("json").loads(x)["id"] for x in lines) == sorted(s["memory_id"] for s in saved)
        forgot = (await c.delete("/admin/users/leaver")).json()
        assert forgot["deleted_count"] == 3
        assert (await c.get("/memories", params={"user_id": "leaver"})).json()["total"] == 0
        assert (await c.get("/memories", params={"user_id": "stayer"})).json()["total"] == 1
        assert (await c.post("/admin/reindex")).json()["cubes_rebuilt"] == 1
        assert (await c.get("/admin/stats")).json()["memories"] == 1

        settings = (await c.get("/admin/settings")).json()["settings"]
        assert settings["discord_token"] == "***" and "secret-discord-token" not in str(settings)
        assert settings["api_rate_limit_per_minute"] == 600

        audit = (await c.get("/admin/audit", params={"limit": 100})).json()
        actions = [(e["method"], e["path"], e["status"]) for e in audit["entries"]]
        assert ("DELETE", "/admin/users/leaver", 200) in actions and ("POST", "/save", 200) in actions
        assert all(e["actor"].startswith("key:") for e in audit["entries"])
        assert not any(("GET", "/memories") == a[:2] for a in actions)  # reads are not audited
        assert api.admin_key not in str(audit)


async def test_rate_limit_answers_429_with_retry_after_per_key(make_api: MakeApi) -> None:
    api = await make_api(api_rate_limit_per_minute=1, api_rate_limit_burst=3)  # refills 1 a minute
    other = await api.new_key()  # the admin spent one request here
    async with api.client(api.admin_key) as c, api.client(other) as o:
        statuses = [(await c.get("/v1/tools")).status_code for _ in range(3)]
        assert statuses[:2] == [200, 200] and statuses[2] == 429
        r = await c.get("/v1/tools")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.json()["error_type"] == "RateLimitExceeded"
        assert (await o.get("/v1/tools")).status_code == 200  # another key has its own budget
        assert (await c.get("/health/")).status_code == 200  # health is never limited


async def test_body_limit_is_413_json(make_api: MakeApi) -> None:
    api = await make_api(api_max_body_bytes=2048)
    async with api.client(api.admin_key) as c:
        r = await c.post("/save", json={"user_message": "あ" * 2000, "user_id": "u"})
        assert r.status_code == 413 and r.json()["error_type"] == "PayloadTooLarge" and "2048" in r.json()["message"]

        async def chunks():
            for _ in range(4):
                yield b'{"x": "' + b"a" * 1000 + b'"}'

        r = await c.post("/save", content=chunks())  # no Content-Length: caught while reading
        assert r.status_code == 413
        assert (await c.post("/save", json={"user_message": "short", "user_id": "u"})).status_code == 200


async def test_logs_never_carry_keys_or_tokens(api: ApiServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key = await api.new_key()
    async with api.client(key) as c:
        await c.post("/save", json={"user_message": "ログのテスト", "user_id": "u"})
        await c.get("/v1/tools", headers={"Authorization": "Bearer " + "x" * 40})
        await c.post("/v1/auth/register", json={"email": "a@b.co", "username": "abc", "password": "SecurePass123"})
        tokens = (await c.post("/v1/auth/login", json={"email": "a@b.co", "password": "SecurePass123"})).json()
    text = caplog.text
    for secret in (key, api.admin_key, tokens["access_token"], tokens["refresh_token"], "SecurePass123"):
        assert secret not in text


def test_token_bucket_refills_at_the_configured_rate() -> None:
    from bot.api.ratelimit import RateLimiter

    bucket = RateLimiter(per_minute=60, burst=2)
    assert bucket.take("k", now=0.0) == 0 and bucket.take("k", now=0.0) == 0
    assert bucket.take("k", now=0.0) == 1  # empty: one token a second, so Retry-After: 1
    assert bucket.take("other", now=0.0) == 0  # each caller has its own bucket
    assert bucket.take("k", now=1.0) == 0 and bucket.take("k", now=1.0) == 1
    assert bucket.take("k", now=100.0) == 0 and bucket.take("k", now=100.0) == 0  # refills up to the burst only
    assert bucket.take("k", now=100.0) == 1
    assert RateLimiter(per_minute=0, burst=1).take("k", now=0.0) == 0  # 0 = unlimited
