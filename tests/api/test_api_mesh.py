"""Memory Mesh (seed 002) with its own client functions: accounts, messages, search, conversations, WebSocket."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from api_server import ApiServer
from seed_clients import (
    MemoryMeshClient,
    batch_create_messages,
    create_api_key,
    create_conversation,
    get_conversation,
    list_conversations,
    login,
    refresh_token,
    register_user,
    search_messages,
    store_message,
)


async def _account(api: ApiServer, name: str) -> dict:
    async with httpx.AsyncClient(base_url=api.base_url) as client:
        user = await register_user(client, f"{name}@example.com", name, "SecurePass123")
        auth = await login(client, f"{name}@example.com", "SecurePass123")
    return {"user": user, **auth}


async def test_register_login_refresh_and_user_api_keys(api: ApiServer) -> None:
    async with httpx.AsyncClient(base_url=api.base_url) as client:
        user = await register_user(client, "user@example.com", "testuser", "SecurePass123")
        assert user["username"] == "testuser" and "password" not in json.dumps(user)
        again = await client.post("/v1/auth/register", json={"email": "USER@example.com", "username": "other",
                                                               "password": "SecurePass123"})
        assert again.status_code == 409 and again.json()["field"] == "email"
        wrong = await client.post("/v1/auth/login", json={"email": "user@example.com", "password": "nope-nope"})
        assert wrong.status_code == 401
        auth = await login(client, "user@example.com", "SecurePass123")
        assert auth["token_type"] == "bearer" and auth["expires_in"] == 30 * 60
        fresh = await refresh_token(client, auth["refresh_token"])
        assert fresh["access_token"] != auth["access_token"]
        reused = await client.post("/v1/auth/refresh", json={"refresh_token": auth["refresh_token"]})
        assert reused.status_code == 401 and "already used" in reused.json()["message"]
        as_access = await client.post("/v1/auth/refresh", json={"refresh_token": auth["access_token"]})
        assert as_access.status_code == 401
        # the reuse revoked that login's whole token family, the fresh pair included: log in again
        assert (await client.post("/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
                ).status_code == 401
        fresh = await login(client, "user@example.com", "SecurePass123")

    async with MemoryMeshClient(api.base_url, access_token=fresh["access_token"]) as mesh:
        key = await create_api_key(mesh, "ci", expires_days=30)
        assert key["key"].startswith("omo_") and key["expires_at"]
        await store_message(mesh, "my-app", "user-123", "user", "I need help with Python programming")
    async with MemoryMeshClient(api.base_url, api_key=key["key"]) as by_key:  # the key acts as the user
        results = await search_messages(by_key, "my-app", "Python programming help")
        assert results[0]["content"] == "I need help with Python programming"
        listed = (await by_key.client.get("/v1/auth/api-keys")).json()["keys"]
        assert [k["id"] for k in listed] == [key["id"]] and "key" not in listed[0]
        assert (await by_key.client.delete(f"/v1/auth/api-keys/{key['id']}")).status_code == 200
        assert (await by_key.client.get("/v1/auth/api-keys")).status_code == 401  # revoked


async def test_messages_batches_search_and_conversations(api: ApiServer) -> None:
    auth = await _account(api, "alice")
    async with MemoryMeshClient(api.base_url, access_token=auth["access_token"]) as client:
        conv = await create_conversation(client, "my-app", "support-1", title="Python help",
                                         metadata={"channel": "web"})
        assert conv["title"] == "Python help" and conv["message_count"] == 0
        dup = await client.client.post("/v1/conversations",
                                       json={"tenant_id": "my-app", "conversation_id": "support-1"})
        assert dup.status_code == 409
        message = await store_message(client, "my-app", "support-1", "user", "I need help with Python programming",
                                      importance=0.8, metadata={"source": "web", "session_id": "abc123"})
        assert message["id"] and message["role"] == "user" and message["importance"] == 0.8
        result = await batch_create_messages(client, [
            {"tenant_id": "my-app", "conversation_id": "user-123", "role": "user", "content": "Hello, how are you?"},
            {"tenant_id": "my-app", "conversation_id": "user-123", "role": "assistant",
             "content": "I'm doing well, thank you! Shall we plan your trip to Kyoto?", "importance": 0.3},
        ])
        assert len(result["created"]) == 2 and result["failed"] == []

        results = await search_messages(client, "my-app", "Python programming help", top_k=10)
        assert results[0]["id"] == message["id"] and results[0]["role"] == "user"
        assert all(0.0 <= r["score"] <= 1.0 for r in results)
        only = await search_messages(client, "my-app", "trip", conversation_id="user-123")
        assert {r["conversation_id"] for r in only} == {"user-123"}
        important = await search_messages(client, "my-app", "help", min_importance=0.7)
        assert [r["id"] for r in important] == [message["id"]]

        page = await list_conversations(client, "my-app", limit=1)
        assert page["total"] == 2 and len(page["conversations"]) == 1
        got = await get_conversation(client, "support-1")
        assert got["message_count"] == 1 and got["metadata"] == {"channel": "web"}
        auto = await get_conversation(client, "user-123")  # created by its first message
        assert auto["message_count"] == 2
        missing = await client.client.get("/v1/conversations/nope")
        assert missing.status_code == 404

        bad = await client.client.post("/v1/messages/batch", json={"messages": [
            {"tenant_id": "my-app", "conversation_id": "c", "role": "user", "content": "ok"},
            {"tenant_id": "my-app", "conversation_id": "c", "role": "robot", "content": "no"}]})
        assert bad.status_code == 422 and bad.json()["field"] == "messages.1.role"


async def test_tenants_belong_to_their_user(api: ApiServer) -> None:
    alice, bob = await _account(api, "alice"), await _account(api, "bob")
    async with MemoryMeshClient(api.base_url, access_token=alice["access_token"]) as a:
        await store_message(a, "alice-app", "c1", "user", "my secret plan is to learn Rust")
    async with MemoryMeshClient(api.base_url, access_token=bob["access_token"]) as b:
        for call in (b.client.get("/v1/memory/search", params={"tenant_id": "alice-app", "query": "secret plan"}),
                     b.client.post("/v1/messages", json={"tenant_id": "alice-app", "conversation_id": "c1",
                                                         "role": "user", "content": "hi"}),
                     b.client.get("/v1/conversations", params={"tenant_id": "alice-app"}),
                     b.client.get("/v1/conversations/c1", params={"tenant_id": "alice-app"})):
            r = await call
            assert r.status_code == 403, r.text
        assert (await b.client.get("/v1/conversations/c1")).status_code == 404  # not among bob's tenants
        default = await b.client.post("/v1/messages", json={"tenant_id": "default", "conversation_id": "c",
                                                              "role": "user", "content": "claim the default"})
        assert default.status_code == 403


async def test_websocket_pushes_new_messages_to_the_tenants_listeners(api: ApiServer) -> None:
    auth = await _account(api, "carol")
    headers = {"Authorization": f"Bearer {auth['access_token']}"}
    ws_url = api.base_url.replace("http://", "ws://")
    async with MemoryMeshClient(api.base_url, access_token=auth["access_token"]) as client:
        await create_conversation(client, "live", "room")  # claims both tenants for carol
        await create_conversation(client, "quiet", "room")
        async with websockets.connect(f"{ws_url}/ws/messages/live", additional_headers=headers) as live, \
                websockets.connect(f"{ws_url}/ws/messages/quiet", additional_headers=headers) as quiet:
            assert json.loads(await live.recv())["type"] == "subscribed"
            assert json.loads(await quiet.recv())["type"] == "subscribed"
            sent = await store_message(client, "live", "room", "user", "配信が始まりました！")
            pushed = json.loads(await asyncio.wait_for(live.recv(), 10))
            assert pushed["type"] == "message.created" and pushed["data"]["id"] == sent["id"]
            assert pushed["data"]["content"] == "配信が始まりました！"
            await batch_create_messages(client, [
                {"tenant_id": "live", "conversation_id": "room", "role": "user", "content": f"コメント{i}番目です"}
                for i in range(3)])
            contents = [json.loads(await asyncio.wait_for(live.recv(), 10))["data"]["content"] for _ in range(3)]
            assert contents == [f"コメント{i}番目です" for i in range(3)]
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(quiet.recv(), 0.5)  # the other tenant heard nothing


async def test_websocket_needs_credentials_for_that_tenant(api: ApiServer) -> None:
    ws_url = api.base_url.replace("http://", "ws://")
    with pytest.raises(websockets.InvalidStatus) as info:
        async with websockets.connect(f"{ws_url}/ws/messages/live"):
            pass
    assert info.value.response.status_code == 401
    dave = await _account(api, "dave")
    async with MemoryMeshClient(api.base_url, access_token=dave["access_token"]) as client:
        await create_conversation(client, "dave-app", "room")
    eve = await _account(api, "eve")
    with pytest.raises(websockets.InvalidStatus) as info:
        async with websockets.connect(f"{ws_url}/ws/messages/dave-app",
                                      additional_headers={"Authorization": f"Bearer {eve['access_token']}"}):
            pass
    assert info.value.response.status_code == 403
    async with websockets.connect(f"{ws_url}/ws/messages/dave-app?token={dave['access_token']}") as ws:
        assert json.loads(await ws.recv())["type"] == "subscribed"  # browsers pass the token in the query
