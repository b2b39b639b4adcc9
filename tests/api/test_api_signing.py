"""Signed requests (seed 000's security section): X-Signature, X-Timestamp, X-Request-ID, over loopback."""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx
import pytest
from api_server import ApiServer
from seed_clients import SecureEmotionMemClient, login, register_user

from bot.api.auth.signing import ReplayGuard, sign
from bot.api.errors import ApiError


async def send_signed(client: httpx.AsyncClient, method: str, url: str, key: str, *, timestamp: float | None = None,
                      request_id: str | None = None, sign_path: str | None = None, **kw: Any) -> httpx.Response:
    """Sign exactly what httpx is about to send: its raw path (query included) and its body bytes."""
    request = client.build_request(method, url, **kw)
    stamp = str(int(time.time() if timestamp is None else timestamp))
    path = sign_path if sign_path is not None else request.url.raw_path.decode()
    request.headers["X-Timestamp"] = stamp
    request.headers["X-Request-ID"] = request_id or secrets.token_hex(16)
    request.headers["X-Signature"] = sign(key, method, path, request.content.decode(), stamp)
    return await client.send(request)


async def memory_count(api: ApiServer, user_id: str) -> int:
    async with api.client(api.admin_key) as admin:
        return (await admin.get("/memories", params={"user_id": user_id})).json()["total"]


async def test_the_seed_secure_client_is_accepted(api: ApiServer) -> None:
    """It signs `json.dumps(payload, sort_keys=True)` while httpx sends a compact form: both verify."""
    client = SecureEmotionMemClient(api.base_url, await api.new_key())
    saved = await client.save_memory_secure("来週の発表がとても不安です", "きっと大丈夫、練習しよう", "secure_user_123")
    found = await client.search_memories_secure("発表の不安", "secure_user_123")
    assert [r["memory_id"] for r in found["results"]][:1] == [saved["memory_id"]]


async def test_a_tampered_request_or_another_key_is_refused(api: ApiServer) -> None:
    key, other = await api.new_key(), await api.new_key()
    body = {"user_message": "合言葉は青いりんご", "user_id": "u1"}
    async with api.client(key) as c:
        request = c.build_request("POST", "/save", json=body)
        stamp = str(int(time.time()))
        good = sign(key, "POST", "/save", request.content.decode(), stamp)
        tampered = await c.post("/save", json={**body, "user_message": "合言葉は赤いりんご"},
                                headers={"X-Timestamp": stamp, "X-Signature": good})
        by_other = await send_signed(c, "POST", "/save", other, json=body)
        not_hex = await c.post("/save", json=body, headers={b"X-Timestamp": stamp.encode(),
                                                            b"X-Signature": ("ｚ" * 64).encode()})
    for r in (tampered, by_other, not_hex):
        assert r.status_code == 401 and r.json()["field"] == "X-Signature", r.text
    assert "POST|/save|<body>|" in tampered.json()["message"]  # says what to sign
    assert await memory_count(api, "u1") == 0


@pytest.mark.parametrize("offset", [-301, 400])
async def test_a_timestamp_more_than_five_minutes_off_is_refused(api: ApiServer, offset: int) -> None:
    key = await api.new_key()
    async with api.client(key) as c:
        off = await send_signed(c, "POST", "/save", key, timestamp=time.time() + offset,
                                json={"user_message": "時計がずれている", "user_id": "u1"})
        missing = await c.post("/save", json={"user_message": "x", "user_id": "u1"}, headers={"X-Signature": "0" * 64})
        garbage = await c.post("/save", json={"user_message": "x", "user_id": "u1"},
                               headers={"X-Signature": "0" * 64, "X-Timestamp": "nan"})
    for r in (off, missing, garbage):
        assert r.status_code == 401 and r.json()["field"] == "X-Timestamp", r.text
    assert "at most 300 s" in off.json()["message"]
    assert await memory_count(api, "u1") == 0


async def test_a_signed_request_is_accepted_once(api: ApiServer) -> None:
    key = await api.new_key()
    async with api.client(key) as c:
        request = c.build_request("POST", "/save", json={"user_message": "初めて猫を飼いました", "user_id": "u1"})
        stamp = str(int(time.time()))
        request.headers.update({"X-Timestamp": stamp, "X-Request-ID": "req-1",
                                "X-Signature": sign(key, "POST", "/save", request.content.decode(), stamp)})
        first = await c.send(request)
        again = await c.send(request)  # the same bytes, replayed
        request.headers["X-Request-ID"] = "req-2"  # a replayer cannot dodge by changing the (unsigned) id
        new_id = await c.send(request)
        reused_id = await send_signed(c, "POST", "/save", key, request_id="req-1",
                                      json={"user_message": "猫の名前はミケです", "user_id": "u1"})
    assert first.status_code == 200, first.text
    for r, field in ((again, "X-Signature"), (new_id, "X-Signature"), (reused_id, "X-Request-ID")):
        assert r.status_code == 409 and r.json()["error_type"] == "ReplayedRequest" and r.json()["field"] == field
    assert await memory_count(api, "u1") == 1


async def test_a_key_made_to_require_signatures_refuses_unsigned_requests(api: ApiServer) -> None:
    async with api.client(api.admin_key) as admin:
        made = (await admin.post("/admin/api-keys", json={"name": "signer", "require_signature": True})).json()
        listed = {k["id"]: k["require_signature"] for k in (await admin.get("/admin/api-keys")).json()["keys"]}
    assert made["require_signature"] is True and listed[made["id"]] is True
    key, plain = made["key"], await api.new_key()
    params: dict[str, str | int] = {"user_id": "u1", "limit": 5}
    async with api.client(key) as c, api.client(plain) as p, api.client(Authorization=f"Bearer {key}") as bearer:
        unsigned = await c.get("/memories", params=params)
        query_left_out = await send_signed(c, "GET", "/memories", key, params=params, sign_path="/memories")
        signed = await send_signed(c, "GET", "/memories", key, params=params)
        as_bearer = await send_signed(bearer, "POST", "/v1/tools/memory_list", key, json={})
        plain_unsigned = await p.get("/memories", params=params)
    assert unsigned.status_code == 401 and unsigned.json()["field"] == "X-Signature"
    assert "only takes signed requests" in unsigned.json()["message"]
    assert query_left_out.status_code == 401  # the path signed is the one sent, query included
    assert signed.status_code == 200 and as_bearer.status_code == 200, (signed.text, as_bearer.text)
    assert plain_unsigned.status_code == 200  # signatures stay optional for other keys


async def test_a_signature_without_an_api_key_is_refused(api: ApiServer) -> None:
    """A Memory Mesh token is no HMAC key: a signature beside it cannot be checked, so it is not ignored."""
    async with api.client() as anon:
        await register_user(anon, "signer@example.com", "signer", "correct horse battery")
        token = (await login(anon, "signer@example.com", "correct horse battery"))["access_token"]
        r = await send_signed(anon, "GET", "/v1/auth/api-keys", token, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["field"] == "X-API-Key"


def test_replay_memory_forgets_stale_entries_and_is_bounded() -> None:
    now = [1000.0]
    guard = ReplayGuard(capacity=2, clock=lambda: now[0])
    guard.remember(["a"], until=1300.0)
    guard.remember(["b"], until=1600.0)
    assert guard.seen("a") and guard.seen("b")
    with pytest.raises(ApiError) as full:  # full of fresh entries: refuse rather than forget one early
        guard.remember(["c"], until=1700.0)
    assert full.value.status == 429 and full.value.headers["Retry-After"] == "300"
    now[0] = 1300.0  # "a" could no longer pass the timestamp check: forgotten, room again
    assert not guard.seen("a") and len(guard) == 1
    guard.remember(["c"], until=1700.0)
    assert guard.seen("b") and guard.seen("c")
