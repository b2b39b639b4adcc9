"""Bad input to the Resonant API: the documented codes (400, 404, 422), a message naming the field,
the `{"detail": ...}` body, no 500, and nothing changed by a refused request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from resonant_server import client, serve

from memory.embedding.base import Embedder

UNKNOWN = "00000000-0000-4000-8000-000000000000"
CHOICES = [{"id": "a", "description": "A"}, {"id": "b", "description": "B"}]


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> AsyncIterator[dict[str, str]]:
    """One server and one session with one of each record; tests refer to them by `{name}` in paths."""
    async with serve(tmp_path_factory.mktemp("resonant_err") / "data", embedder) as running, \
            client(running.url) as api:
        sid = (await api.post("/sessions", json={"user_id": "u"})).json()["session_id"]
        other = (await api.post("/sessions", json={"user_id": "v"})).json()["session_id"]
        foreign = (await api.post("/intents", json={"session_id": other, "intent_text": "x",
                                                    "intent_type": "testing"})).json()["intent_id"]
        iid = (await api.post("/intents", json={"session_id": sid, "intent_text": "t",
                                                "intent_type": "testing"})).json()["intent_id"]
        cpid = (await api.post("/choice-points", json={"session_id": sid, "intent_id": iid, "question": "q",
                                                       "choices": CHOICES})).json()["choice_point_id"]
        cid = (await api.post("/breathing-cycles", json={"session_id": sid, "phase": "intake"})).json()["cycle_id"]
        yield {"url": running.url, "sid": sid, "iid": iid, "cpid": cpid, "cid": cid, "foreign": foreign}


@pytest.fixture
async def api(world: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with client(world["url"]) as c:
        yield c


def fill(value: Any, world: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**world, unknown=UNKNOWN)
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    return value


def assert_error(resp: httpx.Response, status: int, field: str | None = None, words: str = "") -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert isinstance(body["detail"], str) and body["detail"]
    if field is not None:
        assert body["field"] == field and field in body["detail"], body
    assert words in body["detail"], body
    return body


INTENT = {"session_id": "{sid}", "intent_text": "t", "intent_type": "testing"}
RESONANCE = {"session_id": "{sid}", "state": "aligned", "intensity": 0.5, "agents": ["yuno"]}

INVALID = [  # (method, path, json body or query params, field named, words in the message)
    ("POST", "/intents", {**INTENT, "intent_type": "wish"}, "intent_type", "'feature_request'"),
    ("GET", "/intents", {"session_id": "{sid}", "status": "done"}, "status", "'deferred'"),
    ("POST", "/resonances", {**RESONANCE, "state": "happy"}, "state", "'diverging'"),
    ("GET", "/resonances", {"session_id": "{sid}", "state": "happy"}, "state", "'aligned'"),
    ("POST", "/resonances", {**RESONANCE, "agents": ["yuno", "bob"]}, "agents[1]", "'tsumu'"),
    ("POST", "/contexts", {"session_id": "{sid}", "agent_type": "mika", "context_data": {}}, "agent_type", "'kana'"),
    ("GET", "/contexts/latest", {"session_id": "{sid}", "agent_type": "mika"}, "agent_type", "'yuno'"),
    ("POST", "/breathing-cycles", {"session_id": "{sid}", "phase": "exhale"}, "phase", "'re_reflection'"),
    ("POST", "/snapshots", {"session_id": "{sid}", "snapshot_type": "weekly"}, "snapshot_type", "'crisis_point'"),
    ("POST", "/query", {"session_id": "{sid}", "query": {"type": "memories"}}, "query.type", "'choice_points'"),
    ("POST", "/query", {"session_id": "{sid}", "query": {"status": "completed"}}, "query.type", "'intents'"),
    ("POST", "/query", {"session_id": "{sid}", "query": {"type": "intents", "status": "x"}}, "query.status", ""),
    ("POST", "/query", {"session_id": "{sid}", "query": {"type": "intents", "state": "aligned"}}, "query.state",
     "not permitted"),
    ("POST", "/query", {"session_id": "{sid}", "query": {"type": "choice_points", "status": "done"}},
     "query.status", "'decided'"),
    ("POST", "/sessions", {}, "user_id", "required"),
    ("POST", "/sessions", {"user_id": ""}, "user_id", ""),
    ("POST", "/sessions", {"user_id": "u", "metadata": "x"}, "metadata", "dictionary"),
    ("POST", "/intents", {"session_id": "{sid}", "intent_type": "testing"}, "intent_text", "required"),
    ("POST", "/intents", {**INTENT, "priority": 11}, "priority", "10"),
    ("POST", "/intents", {**INTENT, "session_id": "abc"}, "session_id", "UUID"),
    ("POST", "/intents", {**INTENT, "parent_intent_id": 5}, "parent_intent_id", "UUID"),
    ("POST", "/resonances", {**RESONANCE, "intensity": 1.5}, "intensity", "1"),
    ("POST", "/resonances", {**RESONANCE, "agents": []}, "agents", ""),
    ("POST", "/resonances", {**RESONANCE, "duration_ms": -1}, "duration_ms", "0"),
    ("POST", "/contexts", {"session_id": "{sid}", "agent_type": "kana"}, "context_data", "required"),
    ("POST", "/choice-points", {"session_id": "{sid}", "intent_id": "{iid}", "question": "q",
                                "choices": CHOICES[:1]}, "choices", "2"),
    ("POST", "/choice-points", {"session_id": "{sid}", "intent_id": "{iid}", "question": "q",
                                "choices": [CHOICES[0], CHOICES[0]]}, "choices", "'a' appears twice"),
    ("POST", "/choice-points", {"session_id": "{sid}", "intent_id": "{iid}", "question": "q",
                                "choices": [CHOICES[0], {"description": "no id"}]}, "choices[1].id", "required"),
    ("PUT", "/choice-points/{cpid}/decide", {}, "selected_choice_id", "required"),
    ("PUT", "/intents/{iid}/complete", {}, "outcome", "required"),
    ("PUT", "/intents/{iid}/complete", {"outcome": "done"}, "outcome", "dictionary"),
    ("PUT", "/breathing-cycles/{cid}/complete", {"phase_data": {}}, "success", "required"),
    ("POST", "/snapshots", {"session_id": "{sid}", "snapshot_type": "manual", "tags": ["ok", " "]}, "tags", "blank"),
    ("GET", "/intents", {}, "session_id", "required"),
    ("GET", "/breathing-cycles", {"session_id": "nope"}, "session_id", "UUID"),
    ("GET", "/choice-points/pending", {"session_id": ["{sid}", "{sid}"]}, "session_id", "once"),
    ("GET", "/sessions/not-a-uuid", None, "session_id", "UUID"),
    ("PUT", "/sessions/123/heartbeat", None, "session_id", "UUID"),
    ("PUT", "/intents/xyz/complete", {"outcome": {}}, "intent_id", "UUID"),
    ("PUT", "/choice-points/xyz/decide", {"selected_choice_id": "a"}, "choice_point_id", "UUID"),
    ("PUT", "/breathing-cycles/xyz/complete", {"success": True}, "cycle_id", "UUID"),
    ("GET", "/snapshots/xyz", None, "snapshot_id", "UUID"),
    ("PUT", "/choice-points/{cpid}/decide", {"selected_choice_id": "c"}, "selected_choice_id", "a, b"),
]


@pytest.mark.parametrize(("method", "path", "payload", "field", "words"), INVALID,
                         ids=[f"{m} {p} {f}" for m, p, _, f, _ in INVALID])
async def test_invalid_fields_are_422_naming_the_field(api: httpx.AsyncClient, world: dict[str, str], method: str,
                                                       path: str, payload: Any, field: str, words: str) -> None:
    kw: dict[str, Any] = {}
    if payload is not None:
        kw["params" if method == "GET" else "json"] = fill(payload, world)
    assert_error(await api.request(method, fill(path, world), **kw), 422, field, words)


NOT_FOUND = [  # (method, path, body or params, field named)
    ("GET", "/sessions/{unknown}", None, "session_id"),
    ("PUT", "/sessions/{unknown}/heartbeat", None, "session_id"),
    ("POST", "/sessions/{unknown}/continue", None, "session_id"),
    ("POST", "/intents", {**INTENT, "session_id": "{unknown}"}, "session_id"),
    ("GET", "/intents", {"session_id": "{unknown}"}, "session_id"),
    ("POST", "/intents", {**INTENT, "parent_intent_id": "{unknown}"}, "parent_intent_id"),
    ("POST", "/intents", {**INTENT, "parent_intent_id": "{foreign}"}, "parent_intent_id"),
    ("PUT", "/intents/{unknown}/complete", {"outcome": {}}, "intent_id"),
    ("POST", "/resonances", {**RESONANCE, "session_id": "{unknown}"}, "session_id"),
    ("POST", "/resonances", {**RESONANCE, "intent_id": "{foreign}"}, "intent_id"),
    ("GET", "/resonances", {"session_id": "{unknown}"}, "session_id"),
    ("POST", "/contexts", {"session_id": "{unknown}", "agent_type": "kana", "context_data": {}}, "session_id"),
    ("GET", "/contexts/latest", {"session_id": "{unknown}", "agent_type": "kana"}, "session_id"),
    ("GET", "/contexts/latest", {"session_id": "{sid}", "agent_type": "kana"}, "agent_type"),
    ("GET", "/contexts/all", {"session_id": "{unknown}"}, "session_id"),
    ("POST", "/choice-points", {"session_id": "{sid}", "intent_id": "{unknown}", "question": "q",
                                "choices": CHOICES}, "intent_id"),
    ("PUT", "/choice-points/{unknown}/decide", {"selected_choice_id": "a"}, "choice_point_id"),
    ("GET", "/choice-points/pending", {"session_id": "{unknown}"}, "session_id"),
    ("POST", "/breathing-cycles", {"session_id": "{unknown}", "phase": "intake"}, "session_id"),
    ("PUT", "/breathing-cycles/{unknown}/complete", {"success": True}, "cycle_id"),
    ("GET", "/breathing-cycles", {"session_id": "{unknown}"}, "session_id"),
    ("POST", "/snapshots", {"session_id": "{unknown}", "snapshot_type": "manual"}, "session_id"),
    ("GET", "/snapshots", {"session_id": "{unknown}"}, "session_id"),
    ("GET", "/snapshots/{unknown}", None, "snapshot_id"),
    ("POST", "/query", {"session_id": "{unknown}", "query": {"type": "intents"}}, "session_id"),
]


@pytest.mark.parametrize(("method", "path", "payload", "field"), NOT_FOUND,
                         ids=[f"{m} {p} {f}" for m, p, _, f in NOT_FOUND])
async def test_unknown_ids_are_404(api: httpx.AsyncClient, world: dict[str, str], method: str, path: str,
                                   payload: Any, field: str) -> None:
    kw: dict[str, Any] = {}
    if payload is not None:
        kw["params" if method == "GET" else "json"] = fill(payload, world)
    body = assert_error(await api.request(method, fill(path, world), **kw), 404)
    assert body["field"] == field
    assert "not found" in body["detail"] or "no context saved" in body["detail"]


@pytest.mark.parametrize("content", [b"{not json", b"", b"   ", b'{"a": NaN}', b'{"a": Infinity}', b"[" * 100000],
                         ids=["broken", "empty", "blank", "nan", "infinity", "deep"])
async def test_unreadable_bodies_are_400(api: httpx.AsyncClient, world: dict[str, str], content: bytes) -> None:
    resp = await api.post("/intents", content=content, headers={"content-type": "application/json"})
    assert_error(resp, 400, None, "JSON" if content.strip() else "empty")


async def test_a_body_that_is_not_an_object_is_422(api: httpx.AsyncClient) -> None:
    assert_error(await api.post("/sessions", json=["u"]), 422, "body", "JSON object")


async def test_an_oversized_body_is_413(api: httpx.AsyncClient, world: dict[str, str]) -> None:
    big = {"user_id": "u", "metadata": {"blob": "x" * (2 * 1024 * 1024)}}
    assert_error(await api.post("/sessions", json=big), 413, None, "API_MAX_BODY_BYTES")


JUNK: list[Any] = [None, [], "x", 0, True, {"session_id": None}, {"session_id": 1, "intent_id": [], "state": {},
                                                                   "intensity": "high", "agents": "yuno",
                                                                   "metadata": [], "tags": "a", "choices": {},
                                                                   "query": [], "success": "maybe",
                                                                   "phase_data": 3, "outcome": None}]
WRITES = [("POST", "/sessions"), ("POST", "/intents"), ("POST", "/resonances"), ("POST", "/contexts"),
          ("POST", "/choice-points"), ("POST", "/breathing-cycles"), ("POST", "/snapshots"), ("POST", "/query"),
          ("PUT", "/intents/{iid}/complete"), ("PUT", "/choice-points/{cpid}/decide"),
          ("PUT", "/breathing-cycles/{cid}/complete")]


async def test_junk_never_gives_500_and_changes_nothing(api: httpx.AsyncClient, world: dict[str, str]) -> None:
    sessions_before = await api.get(f"/sessions/{world['sid']}")
    for method, path in WRITES:
        for junk in JUNK:
            resp = await api.request(method, fill(path, world), json=junk)
            assert resp.status_code in (400, 404, 422), (method, path, junk, resp.status_code, resp.text)
            assert isinstance(resp.json()["detail"], str)
    after = await api.get(f"/sessions/{world['sid']}")
    assert after.json()["summary"] == sessions_before.json()["summary"]
    pending = (await api.get("/choice-points/pending", params={"session_id": world["sid"]})).json()
    assert [c["choice_point_id"] for c in pending["choice_points"]] == [world["cpid"]]
    cycles = (await api.get("/breathing-cycles", params={"session_id": world["sid"]})).json()["cycles"]
    assert cycles[0]["completed_at"] is None
    intents = (await api.get("/intents", params={"session_id": world["sid"]})).json()["intents"]
    assert [i["status"] for i in intents] == ["pending"]
