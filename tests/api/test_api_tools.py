"""Memory Tools (seed 003): the six tools as an LLM calls them, and the unified error format."""

from __future__ import annotations

import httpx
import pytest
from api_server import ApiServer
from seed_clients import call_tool


@pytest.fixture
async def c(api: ApiServer):
    async with api.client(api.admin_key) as client:
        yield client


async def test_tools_are_listed_as_function_definitions(c: httpx.AsyncClient) -> None:
    tools = (await c.get("/v1/tools")).json()["tools"]
    names = [t["function"]["name"] for t in tools]
    assert names == ["memory_store", "memory_search", "memory_get", "memory_update", "memory_delete", "memory_list"]
    store = tools[0]["function"]
    assert tools[0]["type"] == "function" and store["description"]
    params = store["parameters"]
    assert params["type"] == "object" and params["required"] == ["content"]
    assert params["properties"]["memory_tier"]["enum"] == ["short_term", "long_term", "working"]
    assert params["properties"]["content_type"]["enum"] == ["text", "image", "code", "json", "yaml"]
    assert "$defs" not in str(tools) and "anyOf" not in str(params["properties"]["ttl_seconds"])


async def test_store_search_get_update_list_delete(c: httpx.AsyncClient) -> None:
    stored = (await call_tool(c, "memory_store", content="User prefers dark mode and large font sizes",
                              memory_tier="long_term", tags=["preferences", "ui"],
                              metadata={"source": "settings_page"})).json()
    assert set(stored) == {"id", "content", "memory_tier", "created_at"} and stored["memory_tier"] == "long_term"
    other = (await call_tool(c, "memory_store", content="def add(a, b):\n    return a + b", content_type="code",
                             memory_tier="working", tags=["snippet"])).json()

    found = (await call_tool(c, "memory_search", query="user interface preferences", top_k=5,
                             memory_tier="long_term", min_similarity=0.5)).json()
    assert [r["id"] for r in found["results"]] == [stored["id"]] and found["total"] == 1
    assert 0.5 <= found["results"][0]["similarity"] <= 1.0 and found["results"][0]["tags"] == ["preferences", "ui"]

    got = (await call_tool(c, "memory_get", id=stored["id"])).json()
    assert got["metadata"] == {"source": "settings_page"} and got["content_type"] == "text"
    assert got["expires_at"] is None and got["updated_at"]

    upd = (await call_tool(c, "memory_update", id=stored["id"], tags=["preferences", "ui", "theme"],
                           metadata={"checked": True})).json()
    assert upd["id"] == stored["id"] and upd["updated"] is True
    got = (await call_tool(c, "memory_get", id=stored["id"])).json()
    assert got["tags"] == ["preferences", "ui", "theme"]
    assert got["metadata"] == {"source": "settings_page", "checked": True}  # merged

    listed = (await call_tool(c, "memory_list", tags=["preferences"], created_after="2025-01-01T00:00:00Z")).json()
    assert [m["id"] for m in listed["memories"]] == [stored["id"]] and (listed["limit"], listed["offset"]) == (50, 0)
    everything = (await call_tool(c, "memory_list", limit=1)).json()
    assert everything["total"] == 2 and len(everything["memories"]) == 1

    gone = (await call_tool(c, "memory_delete", memory_tier="working")).json()
    assert gone == {"deleted_count": 1, "deleted_ids": [other["id"]]}
    gone = (await call_tool(c, "memory_delete", ids=[stored["id"], "00000000-0000-0000-0000-000000000000"])).json()
    assert gone["deleted_count"] == 1
    missing = await call_tool(c, "memory_get", id=stored["id"])
    assert missing.status_code == 404 and missing.json()["error_type"] == "NotFoundError"


async def test_short_term_memories_get_a_ttl(c: httpx.AsyncClient) -> None:
    stored = (await call_tool(c, "memory_store", content="the user is on a train right now",
                              memory_tier="short_term", ttl_seconds=600)).json()
    got = (await call_tool(c, "memory_get", id=stored["id"])).json()
    assert got["expires_at"] is not None and got["memory_tier"] == "short_term"
    promoted = await call_tool(c, "memory_update", id=stored["id"], memory_tier="long_term")
    assert promoted.status_code == 200
    assert (await call_tool(c, "memory_get", id=stored["id"])).json()["memory_tier"] == "long_term"


@pytest.mark.parametrize(("name", "params", "status", "error_type", "field"), [
    ("memory_store", {"content": ""}, 422, "ValidationError", "content"),
    ("memory_store", {"content": "x", "ttl_seconds": -1}, 422, "ValidationError", "ttl_seconds"),
    ("memory_store", {"content": "x", "memory_tier": "forever"}, 422, "ValidationError", "memory_tier"),
    ("memory_store", {"content": "x", "content_type": "video"}, 422, "ValidationError", "content_type"),
    ("memory_search", {"query": "x", "top_k": 1001}, 422, "ValidationError", "top_k"),
    ("memory_search", {"query": "x", "min_similarity": 1.5}, 422, "ValidationError", "min_similarity"),
    ("memory_get", {}, 422, "ValidationError", "id"),
    ("memory_update", {"id": "no-such-id", "tags": ["a"]}, 404, "NotFoundError", "id"),
    ("memory_delete", {}, 422, "ValidationError", "id"),
    ("memory_delete", {"id": "no-such-id"}, 404, "NotFoundError", "id"),
    ("memory_list", {"limit": 5000}, 422, "ValidationError", "limit"),
    ("memory_list", {"created_after": "yesterday"}, 422, "ValidationError", "created_after"),
    ("memory_teleport", {}, 404, "NotFoundError", "name"),
])
async def test_errors_use_the_unified_body(c: httpx.AsyncClient, name: str, params: dict, status: int,
                                           error_type: str, field: str) -> None:
    r = await call_tool(c, name, **params)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] is True and body["error_type"] == error_type and body["field"] == field
    assert body["message"]
