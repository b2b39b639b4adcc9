"""Hostile input on every route family: each bad value is a 4xx naming what to fix, never a 500, and a
record stored before the limits existed never takes a listing down."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

import httpx
import pytest
from api_server import ApiServer

from memory.json_limits import MAX_JSON_BYTES, MAX_JSON_DEPTH

EDGE_DATES = ["9999-12-31T23:59:59.999999-23:59", "0001-01-01T00:00:00+23:59"]


def nested(depth: int) -> dict[str, Any]:
    """A metadata object `depth` levels deep."""
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def deep_body(body: Any, depth: int) -> str:
    """`body` as JSON text with its "DEEP" placeholder replaced by an object `depth` levels deep (written
    out by hand: the json module cannot encode what is deeper than its recursion limit)."""
    return json.dumps(body).replace('"DEEP"', '{"a":' * depth + '"leaf"' + "}" * depth)


def assert_names(r: httpx.Response, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["field"] == field, r.text


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]


@pytest.fixture
async def c(api: ApiServer):
    async with api.client(api.admin_key) as client:
        yield client


# -- free-form JSON: bounded at the edge ---------------------------------------------------------------
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 256, 400, 5000])
async def test_deep_metadata_is_refused_by_name_on_every_family_and_nothing_is_stored(
        c: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, depth: int) -> None:
    meta = "DEEP"
    cases = [
        ("/save", {"user_message": "hello", "user_id": "u1", "metadata": meta}, "metadata"),
        ("/batch-save", [{"user_message": "hello", "user_id": "u1", "metadata": meta}], None),
        ("/v1/messages", {"tenant_id": "t1", "conversation_id": "c1", "role": "user", "content": "hi",
                          "metadata": meta}, "metadata"),
        ("/v1/messages/batch", {"messages": [{"tenant_id": "t1", "conversation_id": "c1", "role": "user",
                                              "content": "hi", "metadata": meta}]}, "messages"),
        ("/v1/conversations", {"tenant_id": "t1", "conversation_id": "c2", "metadata": meta}, "metadata"),
        ("/v1/tools/memory_store", {"content": "hi", "metadata": meta}, "metadata"),
    ]
    for path, body, field in cases:
        r = await c.post(path, content=deep_body(body, depth))
        if path == "/batch-save" and r.status_code == 200:  # a batch reports the bad item by index
            assert r.json()["successful_saves"] == 0 and r.json()["failed_items"][0]["field"], r.text
            continue
        too_deep_to_parse = depth > 900  # past what the JSON parser itself reads: the body is unreadable, 400
        assert r.status_code == (400 if too_deep_to_parse else 422), (path, r.text)
        assert r.json()["field"].startswith("body" if too_deep_to_parse else field or ""), (path, r.text)
        assert "nested deeper than" in r.json()["message"], (path, r.text)
    assert (await c.get("/memories", params={"user_id": "u1"})).json()["total"] == 0
    assert (await c.post("/v1/tools/memory_list", json={})).json()["total"] == 0
    assert (await c.get("/v1/conversations", params={"tenant_id": "t1"})).json()["total"] == 0
    no_tracebacks(caplog)


async def test_metadata_at_the_limits_is_kept_and_larger_is_refused(c: httpx.AsyncClient) -> None:
    ok = await c.post("/v1/tools/memory_store", json={"content": "deep but fine", "metadata": nested(MAX_JSON_DEPTH)})
    assert ok.status_code == 200, ok.text
    got = (await c.post("/v1/tools/memory_get", json={"id": ok.json()["id"]})).json()
    assert got["metadata"] == nested(MAX_JSON_DEPTH)
    big = {"blob": "x" * MAX_JSON_BYTES}
    r = await c.post("/v1/tools/memory_store", json={"content": "too big", "metadata": big})
    assert_names(r, 422, "metadata")
    assert "KiB" in r.json()["message"]
    # merging many small updates cannot grow a record past the limit either
    half = {"k1": "y" * (MAX_JSON_BYTES // 2)}
    assert (await c.post("/v1/tools/memory_update", json={"id": ok.json()["id"], "metadata": half})).status_code == 200
    r = await c.post("/v1/tools/memory_update", json={"id": ok.json()["id"], "metadata": {"k2": half["k1"]}})
    assert_names(r, 422, "metadata")


async def test_resonant_free_form_fields_are_bounded(c: httpx.AsyncClient) -> None:
    r = await c.post("/api/memory/sessions", json={"user_id": "hiroaki", "metadata": nested(40)})
    assert_names(r, 422, "metadata")
    session = (await c.post("/api/memory/sessions", json={"user_id": "hiroaki"})).json()["session_id"]
    r = await c.post("/api/memory/contexts", json={"session_id": session, "agent_type": "yuno",
                                                   "context_data": nested(MAX_JSON_DEPTH + 1)})
    assert_names(r, 422, "context_data")
    intent = (await c.post("/api/memory/intents", json={"session_id": session, "intent_text": "plan",
                                                        "intent_type": "feature_request"})).json()["intent_id"]
    r = await c.post("/api/memory/choice-points", json={
        "session_id": session, "intent_id": intent, "question": "which?",
        "choices": [{"id": "a", "description": "A", "implications": nested(MAX_JSON_DEPTH + 1)},
                    {"id": "b", "description": "B"}]})
    assert r.status_code == 422 and "choices[0].implications" in r.json()["detail"], r.text


# -- records stored before the limits: served, cut, logged once ------------------------------------------
def _poison(api: ApiServer, memory_id: str, depth: int) -> None:
    """Write a record the way an older version let through: straight into the real database."""
    con = sqlite3.connect(api.settings.data_dir / "omoide.db")
    try:
        con.execute("UPDATE memories SET metadata = ? WHERE id = ?", (json.dumps(nested(depth)), memory_id))
        con.commit()
    finally:
        con.close()


@pytest.mark.sqlite_only
async def test_a_poisoned_record_already_stored_does_not_take_reads_down(
        api: ApiServer, c: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    saved = (await c.post("/save", json={"user_message": "I love green tea", "user_id": "u1"})).json()
    stored = (await c.post("/v1/tools/memory_store", json={"content": "green tea in Kyoto"})).json()
    msg = (await c.post("/v1/messages", json={"tenant_id": "default", "conversation_id": "c1", "role": "user",
                                              "content": "green tea please"})).json()
    for memory_id in (saved["memory_id"], stored["id"], msg["id"]):
        _poison(api, memory_id, 400)
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            listed = await c.get("/memories", params={"user_id": "u1"})
            assert listed.status_code == 200, listed.text
            assert listed.json()["memories"][0]["metadata"]["a"]["a"]  # the first levels are still there
            got = await c.post("/v1/tools/memory_get", json={"id": stored["id"]})
            assert got.status_code == 200, got.text
            found = await c.get("/v1/memory/search", params={"tenant_id": "default", "query": "green tea"})
            assert found.status_code == 200 and found.json()["total"] >= 1, found.text
            searched = await c.post("/search", json={"query": "green tea", "user_id": "u1"})
            assert searched.status_code == 200, searched.text
    assert "omitted" in json.dumps(got.json()["metadata"])
    warned = [r for r in caplog.records if saved["memory_id"] in r.getMessage()]
    assert len(warned) == 1 and "deeper than" in warned[0].getMessage()  # once, however often it is read
    no_tracebacks(caplog)


# -- dates at the edge of the calendar -------------------------------------------------------------------
@pytest.mark.parametrize("when", EDGE_DATES)
async def test_dates_at_the_edge_of_the_calendar_are_a_422_naming_the_field(
        c: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, when: str) -> None:
    cases = [
        ("/search", {"query": "q", "user_id": "u1", "start_date": when}, "start_date"),
        ("/search", {"query": "q", "user_id": "u1", "end_date": when}, "end_date"),
        ("/v1/tools/memory_list", {"created_after": when}, "created_after"),
        ("/v1/tools/memory_list", {"created_before": when}, "created_before"),
        ("/v1/tools/memory_delete", {"older_than": when}, "older_than"),
    ]
    for path, body, field in cases:
        r = await c.post(path, json=body)
        if r.status_code == 200:  # a date-only reading of the value (00:00 time) is fine too
            continue
        assert_names(r, 422, field)
        assert "UTC" in r.json()["message"]
    r = await c.post("/api/livestream/cocoro/events", json={"platform": "youtube", "viewer_id": "UC1",
                                                           "viewer_name": "A", "message": "hi", "timestamp": when})
    assert_names(r, 422, "timestamp")
    no_tracebacks(caplog)


async def test_the_overflowing_datetimes_themselves_are_refused(c: httpx.AsyncClient) -> None:
    r = await c.post("/v1/tools/memory_list", json={"created_after": EDGE_DATES[0]})
    assert_names(r, 422, "created_after")
    r = await c.post("/search", json={"query": "q", "user_id": "u1", "end_date": EDGE_DATES[0]})
    assert_names(r, 422, "end_date")


# -- headers ---------------------------------------------------------------------------------------------
async def test_header_bytes_that_are_not_text_are_a_400_naming_the_header(
        api: ApiServer, caplog: pytest.LogCaptureFixture) -> None:
    async with httpx.AsyncClient(base_url=api.base_url) as raw:
        r = await raw.get("/memories", params={"user_id": "u"},
                          headers={"X-API-Key": api.admin_key, "X-Tenant-ID": b"\xff\xfe"})
        assert_names(r, 400, "X-Tenant-ID")
        for value in (b"Bearer \xff", b"Bearer eyJ\xc3\x28.e30.x", "Bearer 日本".encode()):
            r = await raw.get("/memories", params={"user_id": "u"}, headers={"Authorization": value})
            assert_names(r, 400, "Authorization")
        r = await raw.get("/memories", params={"user_id": "u"}, headers={"X-API-Key": b"omo_\xff"})
        assert_names(r, 400, "X-API-Key")
        for garbage in ("abc", "a.b.c", "e30.e30.", "x" * 5000):  # malformed but ASCII: not authenticated
            r = await raw.get("/memories", params={"user_id": "u"}, headers={"Authorization": f"Bearer {garbage}"})
            assert r.status_code == 401, r.text
    no_tracebacks(caplog)


async def test_an_oversized_or_unprintable_tenant_header_is_a_400(c: httpx.AsyncClient) -> None:
    for tenant in ("x" * 8000, "x" * 129, "a\tb", "evil\u202etxt", "zero\u200bwidth"):
        r = await c.post("/v1/tools/memory_list", json={}, headers={"X-Tenant-ID": tenant.encode()})
        assert_names(r, 400, "X-Tenant-ID")
    r = await c.post("/v1/tools/memory_list", json={}, headers={"X-Tenant-ID": "x" * 128})
    assert r.status_code == 200, r.text


# -- identifiers: one rule on every route family ----------------------------------------------------------
LONG = "u" * 8000


async def test_oversized_ids_are_refused_by_name_on_every_family(c: httpx.AsyncClient) -> None:
    session = (await c.post("/api/memory/sessions", json={"user_id": "hiroaki"})).json()["session_id"]
    bodies = [
        ("POST", "/save", {"user_message": "hi", "user_id": LONG}, "user_id"),
        ("POST", "/save", {"user_message": "hi", "user_id": "u", "session_id": "s" * 257}, "session_id"),
        ("POST", "/search", {"query": "hi", "user_id": LONG}, "user_id"),
        ("GET", "/memories", {"user_id": LONG}, "user_id"),
        ("POST", "/v1/messages", {"tenant_id": LONG, "conversation_id": "c", "role": "user", "content": "x"},
         "tenant_id"),
        ("POST", "/v1/messages", {"tenant_id": "t", "conversation_id": "c" * 257, "role": "user", "content": "x"},
         "conversation_id"),
        ("GET", "/v1/memory/search", {"tenant_id": LONG, "query": "x"}, "tenant_id"),
        ("POST", "/v1/conversations", {"tenant_id": "t", "conversation_id": "c\nd"}, "conversation_id"),
        ("POST", "/v1/tools/memory_store", {"content": "x", "agent_id": LONG}, "agent_id"),
        ("POST", "/api/memory/sessions", {"user_id": LONG}, "user_id"),
        ("POST", "/api/livestream/cocoro/events", {"platform": "youtube", "viewer_id": "v" * 101, "viewer_name": "A",
                                                   "message": "hi"}, "viewer_id"),
        ("POST", "/admin/api-keys", {"name": "k", "tenants": [LONG]}, "tenants.0"),
        ("POST", "/admin/api-keys", {"name": "k", "personas": ["a\x07b"]}, "personas.0"),
        ("GET", "/admin/users/u/export", {"tenant_id": LONG}, "tenant_id"),
    ]
    for method, path, body, field in bodies:
        if method == "GET":
            r = await c.get(path, params=body)
        else:
            r = await c.post(path, json=body)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["field"] == field, (path, r.text)
    paths = [
        ("GET", f"/api/memory/character/{LONG[:300]}/stats", "memory_id"),
        ("DELETE", f"/api/memory/character/{LONG[:300]}/all", "memory_id"),
        ("GET", f"/api/livestream/{LONG[:300]}/stats", "persona"),
        ("GET", f"/v1/conversations/{'c' * 300}", "conversation_id"),
        ("GET", f"/admin/users/{LONG[:300]}/export", "user_id"),
        ("DELETE", f"/admin/users/{LONG[:300]}", "user_id"),
        ("GET", f"/ws/messages/{LONG[:300]}", "tenant_id"),
    ]
    for method, path, field in paths:
        r = await c.request(method, path)
        assert_names(r, 422, field)
    assert session  # the Resonant ids are UUIDs, checked as such


async def test_the_id_formats_clients_already_send_are_accepted(c: httpx.AsyncClient) -> None:
    """From the design documents: snowflakes, UUIDs, user_123, my-app, session_<user>_<time>, names."""
    users = ["123456789012345678", "550e8400-e29b-41d4-a716-446655440000", "user_123", "secure_user_123",
             "hiroaki", "test_user", "youtube:UC42", "ひろあき", "user@example.com", "Hiro Aki"]
    for user in users:
        r = await c.post("/save", json={"user_message": "hello there", "user_id": user,
                                        "session_id": f"session_{user}_20240101_120000"})
        assert r.status_code == 200, (user, r.text)
    for tenant, conversation in [("my-app", "user-123"), ("my-app", "support-1"), ("テナント", "会話 1")]:
        r = await c.post("/v1/messages", json={"tenant_id": tenant, "conversation_id": conversation, "role": "user",
                                               "content": "hello"})
        assert r.status_code == 201, (tenant, r.text)
    r = await c.post("/v1/tools/memory_list", json={}, headers={"X-Tenant-ID": "my-app"})
    assert r.status_code == 200, r.text
