"""Memory Mesh accounts: one-use refresh tokens under concurrency, deleting a user, a user's export."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import httpx
import pytest
import websockets
from api_server import ApiServer
from mesh_accounts import PASSWORD, account, as_user, connected, message, ws_url


async def _refresh(api: ApiServer, token: str) -> httpx.Response:
    async with api.client() as c:
        return await c.post("/v1/auth/refresh", json={"refresh_token": token})


async def test_eight_concurrent_refreshes_honour_one_and_the_reuse_revokes_the_family(api: ApiServer) -> None:
    auth = await account(api, "twin")
    async with connected(api, [{}] * 8) as clients:
        answers = await asyncio.gather(*(c.post("/v1/auth/refresh", json={"refresh_token": auth["refresh_token"]})
                                         for c in clients))
    assert sorted(r.status_code for r in answers) == [200] + [401] * 7, [r.text for r in answers]
    winner = next(r.json() for r in answers if r.status_code == 200)
    # the seven reuses revoked the whole family: the pair the winner got is dead too
    again = await _refresh(api, winner["refresh_token"])
    assert again.status_code == 401 and "revoked" in again.json()["message"]
    async with api.client(Authorization=f"Bearer {winner['access_token']}") as c:
        assert (await c.get("/v1/auth/api-keys")).status_code == 401
    fresh = await account_login(api, "twin")  # logging in again starts a new family
    assert (await _refresh(api, fresh["refresh_token"])).status_code == 200


async def test_reusing_a_spent_refresh_token_later_revokes_the_pair_it_was_traded_for(api: ApiServer) -> None:
    auth = await account(api, "slow")
    first = await _refresh(api, auth["refresh_token"])
    assert first.status_code == 200
    stolen = await _refresh(api, auth["refresh_token"])  # a thief replays the old token
    assert stolen.status_code == 401
    assert (await _refresh(api, first.json()["refresh_token"])).status_code == 401


async def account_login(api: ApiServer, name: str) -> dict:
    async with api.client() as c:
        r = await c.post("/v1/auth/login", json={"email": f"{name}@example.com", "password": PASSWORD})
        assert r.status_code == 200, r.text
        return r.json()


async def _leaver(api: ApiServer) -> tuple[dict, str]:
    """A user with a key, a message in their tenant and a conversation; returns (auth, key)."""
    auth = await account(api, "leaver")
    async with as_user(api, auth) as c:
        key = (await c.post("/v1/auth/api-keys", json={"name": "bot"})).json()["key"]
        assert (await c.post("/v1/messages", json=message("leaver-app", "my cat is called Mochi"))).status_code == 201
        assert (await c.post("/v1/conversations", json={"tenant_id": "leaver-app", "conversation_id": "c2",
                                                        "title": "second"})).status_code == 201
    return auth, key


async def _gone(api: ApiServer, auth: dict, key: str) -> None:
    """Nothing of the user works any more and their tenant is empty and not claimable."""
    async with api.client(key) as by_key, as_user(api, auth) as by_token:
        for c in (by_key, by_token):
            r = await c.get("/v1/conversations", params={"tenant_id": "leaver-app"})
            assert r.status_code == 401, r.text
    assert (await _refresh(api, auth["refresh_token"])).status_code == 401
    async with api.client() as c:
        r = await c.post("/v1/auth/login", json={"email": "leaver@example.com", "password": PASSWORD})
        assert r.status_code == 401
    async with api.client(api.admin_key) as admin:
        hits = await admin.get("/v1/memory/search", params={"tenant_id": "leaver-app", "query": "cat Mochi"})
        assert hits.json()["results"] == []
        assert (await admin.get("/v1/conversations", params={"tenant_id": "leaver-app"})).json()["total"] == 0
        keys = [k for k in (await admin.get("/admin/api-keys")).json()["keys"] if key.startswith(k["prefix"])]
        assert keys and keys[0]["revoked_at"]
    taker = await account(api, "taker")
    async with as_user(api, taker) as c:
        assert (await c.post("/v1/messages", json=message("leaver-app", "mine now"))).status_code == 403


async def test_a_user_deletes_themselves_with_their_password(api: ApiServer) -> None:
    auth, key = await _leaver(api)
    headers = {"Authorization": f"Bearer {auth['access_token']}"}
    async with websockets.connect(ws_url(api, "leaver-app"), additional_headers=headers) as ws:
        assert json.loads(await ws.recv())["type"] == "subscribed"
        async with as_user(api, auth) as c:
            wrong = await c.request("DELETE", "/v1/auth/me", json={"password": "not-my-password"})
            assert wrong.status_code == 403 and wrong.json()["field"] == "password"
            bye = await c.request("DELETE", "/v1/auth/me", json={"password": PASSWORD})
            assert bye.status_code == 200, bye.text
            assert bye.json()["deleted_tenants"] == ["leaver-app"] and bye.json()["revoked_api_keys"] == 1
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 10)
    await _gone(api, auth, key)


async def test_an_admin_deletes_a_user_and_their_keys_stop_working(api: ApiServer) -> None:
    auth, key = await _leaver(api)
    async with api.client(api.admin_key) as admin:
        r = await admin.delete(f"/admin/mesh-users/{auth['user']['id']}")
        assert r.status_code == 200 and r.json()["deleted_tenants"] == ["leaver-app"], r.text
        assert (await admin.delete(f"/admin/mesh-users/{auth['user']['id']}")).status_code == 404
    await _gone(api, auth, key)


async def test_deleting_a_user_whose_tenant_is_shared_is_refused_until_the_grant_goes(api: ApiServer) -> None:
    owner, guest = await account(api, "owner"), await account(api, "guest")
    async with as_user(api, owner) as c:
        assert (await c.post("/v1/messages", json=message("shared", "the shared plan"))).status_code == 201
    async with api.client(api.admin_key) as admin, as_user(api, owner) as c:
        assert (await admin.post("/admin/tenants/shared/grants", json={"user_id": guest["user"]["id"]})
                ).status_code == 201
        refused = await c.request("DELETE", "/v1/auth/me", json={"password": PASSWORD})
        assert refused.status_code == 409 and "shared" in refused.json()["message"], refused.text
        async with as_user(api, guest) as g:  # nothing was deleted
            hits = await g.get("/v1/memory/search", params={"tenant_id": "shared", "query": "plan"})
            assert hits.json()["total"] == 1
        assert (await admin.delete(f"/admin/tenants/shared/grants/{guest['user']['id']}")).status_code == 200
        assert (await c.request("DELETE", "/v1/auth/me", json={"password": PASSWORD})).status_code == 200
    async with as_user(api, guest) as g:  # the guest's own account is untouched
        assert (await g.get("/v1/auth/api-keys")).status_code == 200


async def test_a_user_exports_everything_kept_about_them_as_jsonl(api: ApiServer) -> None:
    auth, key = await _leaver(api)
    other = await account(api, "other")
    async with as_user(api, other) as c:
        assert (await c.post("/v1/messages", json=message("other-app", "not the leaver's"))).status_code == 201
    async with as_user(api, auth) as c:
        r = await c.get("/v1/auth/me/export")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/x-ndjson")
    assert "attachment" in r.headers["Content-Disposition"]
    lines = [json.loads(line) for line in r.text.splitlines() if line]
    by_format: dict[str, list[dict]] = {}
    for line in lines:
        by_format.setdefault(line["format"], []).append(line)
    assert [u["username"] for u in by_format["omoide.mesh_user"]] == ["leaver"]
    assert [k["name"] for k in by_format["omoide.api_key"]] == ["bot"]
    assert [t["tenant_id"] for t in by_format["omoide.tenant"]] == ["leaver-app"]
    assert sorted(c["conversation_id"] for c in by_format["omoide.conversation"]) == ["c1", "c2"]
    assert [m["content"] for m in by_format["omoide.memory"]] == ["my cat is called Mochi"]
    text = r.text
    assert key not in text and "scrypt" not in text and "not the leaver's" not in text and "embedding\"" not in text


async def test_who_am_i_gives_the_account_with_the_time_it_was_made_in_utc(api: ApiServer) -> None:
    auth = await account(api, "whoami")
    async with as_user(api, auth) as c:
        assert (await c.post("/v1/messages", json=message("whoami-app", "hello"))).status_code == 201
        me = await c.get("/v1/auth/me")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["id"] == auth["user"]["id"] and body["username"] == "whoami"
    assert body["owned_tenants"] == ["whoami-app"] and body["granted_tenants"] == []
    # the same instant the registration answered, and marked as UTC (a naive time reads as local in browsers)
    made = datetime.fromisoformat(body["created_at"].replace("Z", "+00:00"))
    assert made.utcoffset() == timedelta(0), body["created_at"]
    assert made == datetime.fromisoformat(auth["user"]["created_at"].replace("Z", "+00:00"))
