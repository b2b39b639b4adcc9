"""Who owns a tenant: its first writer (Mesh user or API key), for good; what an admin may grant."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from api_server import ApiServer, MakeApi
from mesh_accounts import account, as_user, bearer, connected, message, ws_url
from sqlalchemy import text

from bot.api.state import STATE
from memory.types import MemoryInput, Scope


async def _refused_everywhere(api: ApiServer, auth: dict, tenant: str, conversation: str) -> None:
    """The user neither writes, lists, searches, reads a conversation of nor listens to `tenant`."""
    async with as_user(api, auth) as c:
        for call in (c.post("/v1/messages", json=message(tenant, "this is mine now")),
                     c.post("/v1/conversations", json={"tenant_id": tenant, "conversation_id": "mine"}),
                     c.get("/v1/conversations", params={"tenant_id": tenant}),
                     c.get("/v1/memory/search", params={"tenant_id": tenant, "query": "order"}),
                     c.get(f"/v1/conversations/{conversation}", params={"tenant_id": tenant})):
            r = await call
            assert r.status_code == 403, r.text
        assert (await c.get(f"/v1/conversations/{conversation}")).status_code == 404
    with pytest.raises(websockets.InvalidStatus) as info:
        async with websockets.connect(ws_url(api, tenant),
                                      additional_headers={"Authorization": f"Bearer {auth['access_token']}"}):
            pass
    assert info.value.response.status_code == 403


async def test_a_tenant_a_key_started_with_a_conversation_is_never_claimed_by_a_user(api: ApiServer) -> None:
    key = await api.new_key(tenants=["shop"])
    async with api.client(key) as shop:
        r = await shop.post("/v1/conversations", json={"tenant_id": "shop", "conversation_id": "order-1"})
        assert r.status_code == 201, r.text
    mallory = await account(api, "mallory")
    await _refused_everywhere(api, mallory, "shop", "order-1")
    async with api.client(key) as shop:  # the key keeps writing and reading its tenant
        r = await shop.post("/v1/messages", json=message("shop", "order 1 shipped today", "order-1"))
        assert r.status_code == 201, r.text
        listed = (await shop.get("/v1/conversations", params={"tenant_id": "shop"})).json()
        assert [c["conversation_id"] for c in listed["conversations"]] == ["order-1"]


async def test_a_tenant_whose_memories_were_all_deleted_stays_with_its_owner(api: ApiServer) -> None:
    key = await api.new_key()
    async with api.client(key, **{"X-Tenant-ID": "diary"}) as diary:
        saved = (await diary.post("/save", json={"user_message": "today I bought a red bike", "user_id": "u1"})).json()
        gone = await diary.post("/v1/tools/memory_delete", json={"id": saved["memory_id"]})
        assert gone.status_code == 200, gone.text
    mallory = await account(api, "mallory")
    await _refused_everywhere(api, mallory, "diary", "u1")


async def test_five_users_creating_the_same_tenant_at_once_get_one_owner_and_no_500(api: ApiServer) -> None:
    users = [await account(api, f"racer{i}") for i in range(5)]
    async with connected(api, [bearer(u) for u in users]) as clients:
        for n in range(3):  # the first round of a fresh server tends to arrive one by one; later ones overlap
            tenant = f"race{n}"
            answers = await asyncio.gather(*(c.post("/v1/conversations", json={"tenant_id": tenant,
                                                                              "conversation_id": f"from-{i}"})
                                             for i, c in enumerate(clients)))
            assert sorted(r.status_code for r in answers) == [201, 403, 403, 403, 403], [r.text for r in answers]
            winner = next(i for i, r in enumerate(answers) if r.status_code == 201)
            loser = next(i for i, r in enumerate(answers) if r.status_code == 403)
            assert tenant in answers[loser].json()["message"]
            mine = (await clients[winner].get("/v1/conversations", params={"tenant_id": tenant})).json()
            assert [c["conversation_id"] for c in mine["conversations"]] == [f"from-{winner}"]
            assert (await clients[loser].get("/v1/conversations", params={"tenant_id": tenant})).status_code == 403


async def test_a_users_tenant_is_reached_by_admin_keys_and_keys_naming_it_not_by_unscoped_keys(
        api: ApiServer) -> None:
    alice = await account(api, "alice")
    async with as_user(api, alice) as a:
        assert (await a.post("/v1/messages", json=message("alice-app", "my secret plan is to learn Rust"))
                ).status_code == 201
    unscoped, naming = await api.new_key(), await api.new_key(tenants=["alice-app"])
    async with api.client(unscoped) as c:
        r = await c.get("/v1/memory/search", params={"tenant_id": "alice-app", "query": "secret plan"})
        assert r.status_code == 403 and "alice-app" in r.json()["message"]
        assert (await c.get("/v1/conversations/c1")).status_code == 404
        assert (await c.post("/search", json={"query": "secret plan", "user_id": "c1"},
                             headers={"X-Tenant-ID": "alice-app"})).status_code == 403
    for key in (naming, api.admin_key):
        async with api.client(key) as c:
            r = await c.get("/v1/memory/search", params={"tenant_id": "alice-app", "query": "secret plan"})
            assert r.status_code == 200 and r.json()["results"][0]["content"] == "my secret plan is to learn Rust"


async def test_admin_grants_a_user_a_tenant_and_revoking_it_closes_their_websocket(api: ApiServer) -> None:
    alice, bob = await account(api, "alice"), await account(api, "bob")
    async with as_user(api, alice) as a:
        assert (await a.post("/v1/conversations", json={"tenant_id": "team", "conversation_id": "plan"})
                ).status_code == 201
    async with as_user(api, bob) as b, api.client(api.admin_key) as admin:
        assert (await b.get("/v1/conversations", params={"tenant_id": "team"})).status_code == 403
        users = (await admin.get("/admin/mesh-users")).json()["users"]
        assert sorted(u["username"] for u in users) == ["alice", "bob"]
        granted = await admin.post("/admin/tenants/team/grants", json={"user_id": bob["user"]["id"]})
        assert granted.status_code == 201, granted.text
        assert granted.json()["tenant_id"] == "team" and granted.json()["user_id"] == bob["user"]["id"]
        assert (await admin.post("/admin/tenants/nobody-has-this/grants", json={"user_id": bob["user"]["id"]})
                ).status_code == 404
        tenants = {t["tenant_id"]: t for t in (await admin.get("/admin/tenants")).json()["tenants"]}
        assert tenants["team"]["owner"] == f"user:{alice['user']['id']}"
        assert tenants["team"]["grants"] == [bob["user"]["id"]]
        assert (await b.post("/v1/messages", json=message("team", "bob joins the plan", "plan"))).status_code == 201
        headers = {"Authorization": f"Bearer {bob['access_token']}"}
        async with websockets.connect(ws_url(api, "team"), additional_headers=headers) as ws:
            assert json.loads(await ws.recv())["type"] == "subscribed"
            revoked = await admin.delete(f"/admin/tenants/team/grants/{bob['user']['id']}")
            assert revoked.status_code == 200, revoked.text
            with pytest.raises(websockets.ConnectionClosed):
                while True:  # the server closes the socket: no more of alice's messages reach bob
                    await asyncio.wait_for(ws.recv(), 10)
        assert (await b.get("/v1/conversations", params={"tenant_id": "team"})).status_code == 403
        assert (await admin.delete(f"/admin/tenants/team/grants/{bob['user']['id']}")).status_code == 404


@pytest.mark.sqlite_only
async def test_tenants_from_before_owner_records_get_their_first_writer_at_upgrade(make_api: MakeApi) -> None:
    old = await make_api()
    st = old.app[STATE]
    early = await account(old, "early")
    key = await old.new_key()
    key_id = next(k["id"] for k in (await _keys(old)) if key.startswith(k["prefix"]))
    async with old.client(key) as c:  # a key's tenant that only has a conversation
        assert (await c.post("/v1/conversations", json={"tenant_id": "conv-only", "conversation_id": "x"})
                ).status_code == 201
    async with as_user(old, early) as c:
        assert (await c.post("/v1/messages", json=message("early-app", "early bird notes"))).status_code == 201
    await st.engine.save(MemoryInput(scope=Scope("engine-app", "default", "u1"), content="written by the engine",
                                     actor=f"key:{key_id}"))
    # the database as the previous version left it: no owner records, user claims in api_tenants (and,
    # from before schema migrations, no alembic_version: the next start adopts it and adds the tables)
    async with st.store.sessions.begin() as s:
        for table in ("api_tenant_owners", "api_tenant_grants", "api_tenants", "alembic_version"):
            await s.execute(text(f"DROP TABLE IF EXISTS {table}"))
        await s.execute(text("CREATE TABLE api_tenants (tenant_id VARCHAR(128) PRIMARY KEY, "
                             "owner_user_id VARCHAR(36), created_at DATETIME)"))
        await s.execute(text("INSERT INTO api_tenants VALUES ('early-app', :u, '2024-01-01 00:00:00')"),
                        {"u": early["user"]["id"]})

    new = await make_api()
    mallory = await account(new, "mallory")
    for tenant in ("conv-only", "engine-app", "early-app"):
        async with as_user(new, mallory) as c:
            r = await c.post("/v1/messages", json=message(tenant, "mine now"))
            assert r.status_code == 403, (tenant, r.text)
    async with as_user(new, early) as c:
        assert (await c.get("/v1/memory/search", params={"tenant_id": "early-app", "query": "notes"})
                ).status_code == 200
        assert (await c.get("/v1/conversations", params={"tenant_id": "conv-only"})).status_code == 403
    async with new.client(new.admin_key) as admin:
        owners = {t["tenant_id"]: t["owner"] for t in (await admin.get("/admin/tenants")).json()["tenants"]}
    assert owners["conv-only"] == owners["engine-app"] == f"key:{key_id}"
    assert owners["early-app"] == f"user:{early['user']['id']}"
    assert owners["default"] == "system"


async def _keys(api: ApiServer) -> list[dict]:
    async with api.client(api.admin_key) as admin:
        return (await admin.get("/admin/api-keys")).json()["keys"]
