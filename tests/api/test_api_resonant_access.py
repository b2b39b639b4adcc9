"""Who may use the single-user Resonant Engine routes, their audit entries, and their OpenAPI entries."""

from __future__ import annotations

import httpx
from api_server import ApiServer
from seed_clients import MemoryMeshClient, create_api_key, login, register_user, store_message

SESSION = {"user_id": "hiroaki", "metadata": {"client": "web"}}


async def _mesh_user(api: ApiServer) -> tuple[str, str]:
    """A Memory Mesh user that owns the tenant `resonant`: its token and one of its API keys."""
    async with httpx.AsyncClient(base_url=api.base_url) as client:
        await register_user(client, "mika@example.com", "mika", "SecurePass123")
        token = (await login(client, "mika@example.com", "SecurePass123"))["access_token"]
    async with MemoryMeshClient(api.base_url, access_token=token) as mesh:
        await store_message(mesh, "resonant", "c1", "user", "このテナントは私のもの")  # claims the tenant
        key = (await create_api_key(mesh, "mika-key"))["key"]
    return token, key


async def test_only_the_admin_key_or_a_key_granted_resonant_may_call(api: ApiServer) -> None:
    granted = await api.new_key(tenants=["resonant"])
    granted_too = await api.new_key(tenants=["default", "resonant"])
    refused = {"all tenants": await api.new_key(), "default only": await api.new_key(tenants=["default"]),
               "persona resonant": await api.new_key(personas=["resonant"])}
    token, user_key = await _mesh_user(api)

    for key in (api.admin_key, granted, granted_too):
        async with api.client(key) as c:
            made = await c.post("/api/memory/sessions", json=SESSION)
            assert made.status_code == 200, made.text
            assert (await c.get(f"/api/memory/sessions/{made.json()['session_id']}")).status_code == 200
    sid = made.json()["session_id"]

    async with api.client() as c:
        assert (await c.get("/api/memory/health")).json()["service"] == "memory_management"  # public, as health is
        assert (await c.post("/api/memory/sessions", json=SESSION)).status_code == 401
    callers = {name: {"X-API-Key": key} for name, key in refused.items()}
    callers |= {"mesh token": {"Authorization": f"Bearer {token}"}, "mesh user's key": {"X-API-Key": user_key}}
    async with httpx.AsyncClient(base_url=api.base_url) as c:
        for name, headers in callers.items():
            for method, path, body in (("POST", "/api/memory/sessions", SESSION),
                                       ("GET", f"/api/memory/sessions/{sid}", None),
                                       ("GET", "/api/memory/intents", None)):
                r = await c.request(method, path, json=body, headers=headers)
                assert r.status_code == 403, (name, path, r.text)
                assert "resonant" in r.json()["detail"] and r.json()["error_type"] == "Forbidden"
    async with api.client(api.admin_key) as c:
        listed = (await c.get("/api/memory/intents", params={"session_id": sid})).json()
        assert listed == {"intents": [], "total": 0}  # the refused calls left nothing behind


async def test_resonant_writes_are_audited_and_reads_are_not(api: ApiServer) -> None:
    key = await api.new_key(name="resonant-web", tenants=["resonant"])
    async with api.client(key) as c:
        sid = (await c.post("/api/memory/sessions", json=SESSION)).json()["session_id"]
        intent = (await c.post("/api/memory/intents", json={"session_id": sid, "intent_text": "設計",
                                                            "intent_type": "feature_request"})).json()
        await c.put(f"/api/memory/intents/{intent['intent_id']}/complete", json={"outcome": {"done": True}})
        twice = await c.put(f"/api/memory/intents/{intent['intent_id']}/complete", json={"outcome": {}})
        assert twice.status_code == 400 and "already completed" in twice.json()["detail"]
        await c.post("/api/memory/query", json={"session_id": sid, "query": {"type": "intents"}})
        await c.get("/api/memory/intents", params={"session_id": sid})
    async with api.client(api.admin_key) as c:
        entries = (await c.get("/admin/audit", params={"actor": f"key:{await _key_id(api, key)}"})).json()["entries"]
    assert [(e["method"], e["path"].removeprefix("/api/memory"), e["status"], e["target"]) for e in entries] == [
        ("PUT", f"/intents/{intent['intent_id']}/complete", 400, None),
        ("PUT", f"/intents/{intent['intent_id']}/complete", 200, None),
        ("POST", "/intents", 200, f"intent {intent['intent_id']}"),
        ("POST", "/sessions", 200, f"session {sid}"),
    ]


async def _key_id(api: ApiServer, key: str) -> str:
    from bot.api.auth.secrets import display_prefix  # the listing names keys by prefix, never the key

    async with api.client(api.admin_key) as c:
        keys = (await c.get("/admin/api-keys")).json()["keys"]
    return next(k["id"] for k in keys if k["prefix"] == display_prefix(key))


async def test_resonant_routes_are_in_the_openapi_document(api: ApiServer) -> None:
    async with api.client() as c:
        spec = (await c.get("/openapi.json")).json()
    paths = spec["paths"]
    resonant = {p for p in paths if p.startswith("/api/memory/") and "character" not in p}
    assert len({(p, m) for p in resonant for m in paths[p]}) == 23  # every route of seed 004
    decide = paths["/api/memory/choice-points/{choice_point_id}/decide"]["put"]
    assert decide["parameters"][0]["schema"]["format"] == "uuid"
    assert decide["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/DecideChoiceRequest")
    assert {"400", "403", "404", "422"} <= set(decide["responses"])
    tags = paths["/api/memory/snapshots"]["get"]["parameters"]
    assert [p["name"] for p in tags] == ["session_id", "tags"] and tags[0]["schema"]["format"] == "uuid"
    assert paths["/api/memory/health"]["get"]["security"] == []
    assert "detail" in spec["components"]["schemas"]["ErrorBody"]["required"]
