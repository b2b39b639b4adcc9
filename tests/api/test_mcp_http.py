"""MCP over streamable HTTP at /mcp on the side API, driven by the official SDK client."""

from __future__ import annotations

import json

import httpx
import pytest
from api_server import ApiServer
from mcp.shared.exceptions import MCPError
from mcp_helpers import call, http_mcp

from bot.api.state import STATE
from memory.types import MemoryFilter

ALL_TOOLS = ["memory_store", "memory_search", "memory_get", "memory_update", "memory_delete", "memory_list"]


async def test_tools_are_listed_with_descriptions_for_a_model(api: ApiServer) -> None:
    async with http_mcp(api.base_url, api.admin_key) as client:
        tools = (await client.list_tools()).tools
    assert [t.name for t in tools] == ALL_TOOLS
    store = tools[0]
    assert store.input_schema["required"] == ["content"] and store.input_schema["additionalProperties"] is False
    assert "ユーザー" in (store.description or "")  # Japanese examples for the model
    assert tools[1].annotations and tools[1].annotations.read_only_hint is True


async def test_store_search_get_update_delete_in_japanese(api: ApiServer) -> None:
    async with http_mcp(api.base_url, api.admin_key) as client:
        cat = await call(client, "memory_store", content="ユーザーの猫の名前はモチで、三毛猫です", tags=["pets"])
        await call(client, "memory_store", content="ユーザーは毎朝コーヒーを飲む", tags=["habits"])
        assert set(cat) == {"id", "content", "memory_tier", "created_at"} and cat["memory_tier"] == "long_term"

        found = await call(client, "memory_search", query="飼っている猫の名前", top_k=2)
        assert found["results"][0]["id"] == cat["id"] and found["results"][0]["tags"] == ["pets"]

        got = await call(client, "memory_get", id=cat["id"])
        assert got["content"] == "ユーザーの猫の名前はモチで、三毛猫です" and got["expires_at"] is None

        updated = await call(client, "memory_update", id=cat["id"], content="ユーザーの猫の名前はモチ、二歳",
                             tags=["pets", "cat"])
        assert updated["updated"] is True
        assert (await call(client, "memory_get", id=cat["id"]))["tags"] == ["pets", "cat"]

        listed = await call(client, "memory_list", tags=["pets"])
        assert [m["id"] for m in listed["memories"]] == [cat["id"]] and listed["total"] == 1

        gone = await call(client, "memory_delete", id=cat["id"])
        assert gone == {"deleted_count": 1, "deleted_ids": [cat["id"]]}
        missing = await client.call_tool("memory_get", {"id": cat["id"]})
    assert missing.is_error and json.loads(missing.content[0].text)["error_type"] == "NotFoundError"  # type: ignore[union-attr]


async def test_memories_stored_over_mcp_are_the_http_tools_memories(api: ApiServer) -> None:
    async with http_mcp(api.base_url, api.admin_key) as client:
        stored = await call(client, "memory_store", content="User prefers dark mode", agent_id="alice")
    async with api.client(api.admin_key) as c:
        got = (await c.post("/v1/tools/memory_get", json={"id": stored["id"]})).json()
    assert got["content"] == "User prefers dark mode"


@pytest.mark.parametrize(("arguments", "field"), [
    ({"content": ""}, "content"),
    ({"content": "x", "memory_tier": "forever"}, "memory_tier"),
    ({"content": "x", "ttl_seconds": -1}, "ttl_seconds"),
    ({"content": "x", "importance": 0.9}, "importance"),
    ({}, "content"),
])
async def test_bad_arguments_are_a_tool_error_naming_the_field(api: ApiServer, arguments: dict, field: str) -> None:
    async with http_mcp(api.base_url, api.admin_key) as client:
        result = await client.call_tool("memory_store", arguments)
        assert result.is_error
        error = json.loads(result.content[0].text)  # type: ignore[union-attr]
        assert error["error"] is True and error["error_type"] == "ValidationError" and error["field"] == field
        assert field in error["message"]
        assert (await call(client, "memory_list"))["total"] == 0  # nothing stored, the connection still works


async def test_a_scoped_key_cannot_reach_another_tenant(api: ApiServer) -> None:
    async with http_mcp(api.base_url, api.admin_key, **{"X-Tenant-ID": "acme"}) as client:
        secret = await call(client, "memory_store", content="acme の合言葉は「山と川」")
    other = await api.new_key(tenants=["globex"])
    async with http_mcp(api.base_url, other) as client:
        assert (await call(client, "memory_search", query="合言葉"))["total"] == 0
        assert (await call(client, "memory_get", id=secret["id"]))["error_type"] == "NotFoundError"
        assert (await call(client, "memory_delete", ids=[secret["id"]]))["deleted_count"] == 0
    with pytest.raises(BaseExceptionGroup):  # asking for the other tenant: refused before any tool runs
        async with http_mcp(api.base_url, other, **{"X-Tenant-ID": "acme"}) as client:
            await client.list_tools()
    async with api.client(other, **{"X-Tenant-ID": "acme", "Authorization": f"Bearer {other}"}) as c:
        r = await c.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert r.status_code == 403 and "acme" in r.json()["message"]
    async with http_mcp(api.base_url, api.admin_key, **{"X-Tenant-ID": "acme"}) as client:
        assert (await call(client, "memory_get", id=secret["id"]))["content"] == "acme の合言葉は「山と川」"


async def test_mcp_needs_an_api_key(api: ApiServer) -> None:
    async with httpx.AsyncClient(base_url=api.base_url) as c:
        r = await c.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert r.status_code == 401 and r.json()["error_type"] == "Unauthorized"


async def test_a_read_only_key_sees_and_runs_only_the_reading_tools(api: ApiServer) -> None:
    async with http_mcp(api.base_url, api.admin_key) as client:
        kept = await call(client, "memory_store", content="ユーザーは京都に住んでいる")
    reader = await api.new_key(read_only=True)
    async with http_mcp(api.base_url, reader) as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["memory_search", "memory_get", "memory_list"]
        assert (await call(client, "memory_search", query="どこに住んでいる"))["results"][0]["id"] == kept["id"]
        refused = await call(client, "memory_store", content="書けないはず")
        assert refused["error_type"] == "Forbidden" and "read-only" in refused["message"]
        assert (await call(client, "memory_delete", id=kept["id"]))["error_type"] == "Forbidden"
        assert (await call(client, "memory_list"))["total"] == 1
    async with api.client(reader) as c:  # the HTTP routes hold the same line
        assert (await c.post("/v1/tools/memory_store", json={"content": "x"})).status_code == 403
        assert (await c.post("/save", json={"user_id": "u", "user_message": "x", "ai_message": "y"})).status_code == 403
        names = [t["function"]["name"] for t in (await c.get("/v1/tools")).json()["tools"]]
        assert names == ["memory_search", "memory_get", "memory_list"]


async def test_a_user_scoped_connection_stays_with_its_user(api: ApiServer) -> None:
    key = await api.new_key(personas=["cocoro"])
    async with http_mcp(api.base_url, key, **{"X-User-ID": "bob"}) as client:
        bobs = await call(client, "memory_store", content="ボブは辛いものが苦手")
    async with http_mcp(api.base_url, key, **{"X-User-ID": "alice"}) as client:
        await call(client, "memory_store", content="アリスは辛いものが大好き")
        found = await call(client, "memory_search", query="辛いもの")
        assert [r["content"] for r in found["results"]] == ["アリスは辛いものが大好き"]
        assert (await call(client, "memory_get", id=bobs["id"]))["error_type"] == "NotFoundError"
        with pytest.raises(MCPError):
            await client.read_resource("omoide://user/bob/recent")
    stored = await api.app[STATE].engine.list(MemoryFilter(cube="user_user_cocoro_cube"))  # the key's only persona
    assert sorted(m.scope.user_id or "" for m in stored.memories) == ["alice", "bob"]


async def test_resources_and_the_recall_prompt(api: ApiServer) -> None:
    key = await api.new_key(personas=["cocoro"])
    async with http_mcp(api.base_url, key) as client:
        await call(client, "memory_store", content="ハナは来週大阪に引っ越す", agent_id="hana")
        kept = await call(client, "memory_store", content="ハナの好きな食べ物はたこ焼き", agent_id="hana")
        await call(client, "memory_store", content="ケンはギターを弾く", agent_id="ken")

        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        assert templates == ["omoide://memory/{id}", "omoide://user/{user_id}/recent"]
        listed = [r.uri for r in (await client.list_resources()).resources]
        assert f"omoide://memory/{kept['id']}" in [str(u) for u in listed]

        one = (await client.read_resource(f"omoide://memory/{kept['id']}")).contents[0]
        assert json.loads(one.text)["content"] == "ハナの好きな食べ物はたこ焼き"  # type: ignore[union-attr]
        recent = json.loads((await client.read_resource("omoide://user/hana/recent")).contents[0].text)  # type: ignore[union-attr]
        assert [m["content"] for m in recent["memories"]] == ["ハナの好きな食べ物はたこ焼き",
                                                              "ハナは来週大阪に引っ越す"]
        with pytest.raises(MCPError):
            await client.read_resource("omoide://memory/00000000-0000-0000-0000-000000000000")

        assert [p.name for p in (await client.list_prompts()).prompts] == ["recall_user"]
        prompt = await client.get_prompt("recall_user", {"user_id": "hana", "message": "おすすめの食べ物ある？"})
        text = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert "ハナの好きな食べ物はたこ焼き" in text and "ハナは来週大阪に引っ越す" in text
    assert "ギター" not in text and "おすすめの食べ物ある？" in text
