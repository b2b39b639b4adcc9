"""The Resonant Engine memory API (seed 004) over real HTTP, called the way its clients call it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from resonant_server import client, serve

from memory.embedding.base import Embedder
from memory.options import EngineOptions
from memory.restore import restore_snapshot
from memory.snapshots import list_snapshots, read_snapshot, sqlite_path
from memory.types import MemoryFilter, Scope

SESSION_KEYS = {"session_id", "user_id", "started_at", "last_active", "status"}
INTENT_KEYS = {"intent_id", "session_id", "parent_intent_id", "intent_text", "intent_type", "priority",
               "created_at", "updated_at", "completed_at", "status", "outcome"}
RESONANCE_KEYS = {"resonance_id", "session_id", "intent_id", "state", "intensity", "agents", "timestamp",
                  "duration_ms", "pattern_type"}
CONTEXT_KEYS = {"context_id", "session_id", "intent_id", "agent_type", "version", "context_data", "created_at"}
CHOICE_KEYS = {"choice_point_id", "session_id", "intent_id", "question", "choices", "selected_choice_id",
               "created_at", "decided_at", "decision_rationale", "status"}
CYCLE_KEYS = {"cycle_id", "session_id", "intent_id", "phase", "started_at", "completed_at", "phase_data", "success"}
SNAPSHOT_KEYS = {"snapshot_id", "session_id", "snapshot_type", "created_at", "description", "tags"}
CHOICES = [
    {"id": "choice_pg", "description": "PostgreSQL: フル機能、本番対応",
     "implications": {"pros": ["JSONBサポート", "並行アクセス"], "cons": ["セットアップ複雑"]}},
    {"id": "choice_sqlite", "description": "SQLite: シンプル、軽量",
     "implications": {"pros": ["ゼロ設定"], "cons": ["限定的並行性"]}},
]


@pytest.fixture(scope="module")
async def base_url(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> AsyncIterator[str]:
    async with serve(tmp_path_factory.mktemp("resonant") / "data", embedder) as running:
        yield running.url


@pytest.fixture
async def api(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client(base_url) as c:
        yield c


async def call(api: httpx.AsyncClient, method: str, path: str, **kw: Any) -> Any:
    resp = await api.request(method, path, **kw)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def new_session(api: httpx.AsyncClient, user: str = "hiroaki") -> str:
    body = await call(api, "POST", "/sessions", json={"user_id": user, "metadata": {"client": "web"}})
    return body["session_id"]


async def new_intent(api: httpx.AsyncClient, sid: str, text: str = "メモリ管理システムの設計", **kw: Any) -> dict:
    return await call(api, "POST", "/intents", json={"session_id": sid, "intent_text": text,
                                                     "intent_type": kw.pop("intent_type", "feature_request"), **kw})


def ts(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


async def test_health(api: httpx.AsyncClient) -> None:
    assert await call(api, "GET", "/health") == {"status": "healthy", "version": "1.0.0",
                                                 "service": "memory_management"}


async def test_session_create_get_heartbeat_and_summary(api: httpx.AsyncClient) -> None:
    created = await call(api, "POST", "/sessions", json={"user_id": "hiroaki",
                                                         "metadata": {"client": "web", "version": "1.0.0"}})
    assert set(created) == SESSION_KEYS and created["status"] == "active" and created["user_id"] == "hiroaki"
    assert uuid.UUID(created["session_id"]) and ts(created["started_at"]) == ts(created["last_active"])
    sid = created["session_id"]

    got = await call(api, "GET", f"/sessions/{sid}")
    assert got["summary"] == {"total_intents": 0, "completed_intents": 0, "resonance_events": 0,
                              "choice_points": 0, "breathing_cycles": 0, "avg_intensity": 0.0}
    beat = await call(api, "PUT", f"/sessions/{sid}/heartbeat")
    assert set(beat) == SESSION_KEYS and beat["started_at"] == created["started_at"]
    assert ts(beat["last_active"]) > ts(created["last_active"])

    first = await new_intent(api, sid)
    await new_intent(api, sid, "テスト", intent_type="testing")
    await call(api, "PUT", f"/intents/{first['intent_id']}/complete", json={"outcome": {"done": True}})
    for intensity in (0.9, 0.66):
        await call(api, "POST", "/resonances", json={"session_id": sid, "state": "aligned", "intensity": intensity,
                                                     "agents": ["yuno", "kana"]})
    await call(api, "POST", "/choice-points", json={"session_id": sid, "intent_id": first["intent_id"],
                                                    "question": "PostgreSQL or SQLite?", "choices": CHOICES})
    await call(api, "POST", "/breathing-cycles", json={"session_id": sid, "phase": "intake"})
    got = await call(api, "GET", f"/sessions/{sid}")
    assert set(got) == SESSION_KEYS | {"summary"}
    assert got["summary"] == {"total_intents": 2, "completed_intents": 1, "resonance_events": 2,
                              "choice_points": 1, "breathing_cycles": 1, "avg_intensity": 0.78}
    assert ts(got["last_active"]) > ts(beat["last_active"])  # recording in a session is activity


async def test_intents_hierarchy_filters_and_completion(api: httpx.AsyncClient) -> None:
    sid = await new_session(api)
    parent = await new_intent(api, sid, priority=8, metadata={"source": "chat"})
    assert set(parent) == INTENT_KEYS
    assert (parent["status"], parent["priority"], parent["outcome"], parent["completed_at"]) == (
        "pending", 8, None, None)
    child = await new_intent(api, sid, "スキーマ設計", parent_intent_id=parent["intent_id"], intent_type="exploration")
    assert child["parent_intent_id"] == parent["intent_id"] and child["priority"] == 0

    outcome = {"implementation": "スキーマとAPI実装完了", "learnings": ["JSONB の柔軟性"], "next_steps": ["テスト"]}
    done = await call(api, "PUT", f"/intents/{child['intent_id']}/complete", json={"outcome": outcome})
    assert (done["intent_id"], done["status"], done["outcome"]) == (child["intent_id"], "completed", outcome)
    assert ts(done["completed_at"]) >= ts(child["created_at"]) and done["updated_at"] == done["completed_at"]

    listed = await call(api, "GET", "/intents", params={"session_id": sid})
    assert listed["total"] == 2 and [i["intent_id"] for i in listed["intents"]] == [parent["intent_id"],
                                                                                   child["intent_id"]]
    completed = await call(api, "GET", "/intents", params={"session_id": sid, "status": "completed"})
    assert [i["intent_id"] for i in completed["intents"]] == [child["intent_id"]] and completed["total"] == 1
    pending = await call(api, "GET", "/intents", params={"session_id": sid, "status": "pending"})
    assert [i["intent_id"] for i in pending["intents"]] == [parent["intent_id"]]
    assert await call(api, "GET", "/intents", params={"session_id": sid, "status": "deferred"}) == {
        "intents": [], "total": 0}

    again = await api.put(f"/intents/{child['intent_id']}/complete", json={"outcome": {"overwrite": 1}})
    assert again.status_code == 400 and "already completed" in again.json()["detail"]
    kept = await call(api, "GET", "/intents", params={"session_id": sid, "status": "completed"})
    assert kept["intents"][0]["outcome"] == outcome


async def test_resonances_state_filter_and_average(api: httpx.AsyncClient) -> None:
    sid = await new_session(api)
    intent = await new_intent(api, sid)
    first = await call(api, "POST", "/resonances", json={
        "session_id": sid, "intent_id": intent["intent_id"], "state": "aligned", "intensity": 0.85,
        "agents": ["yuno", "kana"], "pattern_type": "philosophical_alignment", "duration_ms": 1500, "metadata": {}})
    assert set(first) == RESONANCE_KEYS
    assert (first["state"], first["intensity"], first["agents"], first["duration_ms"], first["pattern_type"]) == (
        "aligned", 0.85, ["yuno", "kana"], 1500, "philosophical_alignment")
    await call(api, "POST", "/resonances", json={"session_id": sid, "state": "conflicted", "intensity": 0.25,
                                                 "agents": ["tsumu"]})
    await call(api, "POST", "/resonances", json={"session_id": sid, "state": "aligned", "intensity": 0.65,
                                                 "agents": ["kana", "tsumu"]})
    everything = await call(api, "GET", "/resonances", params={"session_id": sid})
    assert everything["total"] == 3 and everything["avg_intensity"] == 0.583333
    aligned = await call(api, "GET", "/resonances", params={"session_id": sid, "state": "aligned"})
    assert aligned["total"] == 2 and {r["state"] for r in aligned["resonances"]} == {"aligned"}
    assert aligned["avg_intensity"] == 0.75
    assert (await call(api, "GET", "/resonances", params={"session_id": sid, "state": "diverging"}))["total"] == 0


async def test_agent_contexts_are_versioned_per_agent_and_session(api: httpx.AsyncClient) -> None:
    sid, other = await new_session(api), await new_session(api)
    saved = []
    for focus in ("メモリスキーマ設計", "バージョニング", "API"):
        saved.append(await call(api, "POST", "/contexts", json={
            "session_id": sid, "intent_id": None, "agent_type": "kana",
            "context_data": {"current_focus": focus, "pending_questions": ["バージョニング戦略は？"]}}))
    assert [c["version"] for c in saved] == [1, 2, 3] and all(set(c) == CONTEXT_KEYS for c in saved)
    yuno = await call(api, "POST", "/contexts", json={"session_id": sid, "agent_type": "yuno",
                                                      "context_data": {"philosophy": "breathing preservation"}})
    assert yuno["version"] == 1
    elsewhere = await call(api, "POST", "/contexts", json={"session_id": other, "agent_type": "kana",
                                                           "context_data": {"current_focus": "other"}})
    assert elsewhere["version"] == 1

    latest = await call(api, "GET", "/contexts/latest", params={"session_id": sid, "agent_type": "kana"})
    assert latest == saved[-1]
    everything = await call(api, "GET", "/contexts/all", params={"session_id": sid})
    assert everything == {"contexts": {"kana": saved[-1]["context_data"], "yuno": {"philosophy":
                                                                                   "breathing preservation"}}}
    missing = await api.get("/contexts/latest", params={"session_id": sid, "agent_type": "tsumu"})
    assert missing.status_code == 404 and "tsumu" in missing.json()["detail"]

    burst = await asyncio.gather(*[api.post("/contexts", json={"session_id": other, "agent_type": "tsumu",
                                                                "context_data": {"step": i}}) for i in range(8)])
    assert sorted(r.json()["version"] for r in burst) == list(range(1, 9))
    last = await call(api, "GET", "/contexts/latest", params={"session_id": other, "agent_type": "tsumu"})
    assert last["version"] == 8


async def test_choice_points_pending_and_decide(api: httpx.AsyncClient) -> None:
    sid = await new_session(api)
    intent = await new_intent(api, sid)
    cp = await call(api, "POST", "/choice-points", json={
        "session_id": sid, "intent_id": intent["intent_id"], "question": "初期実装にPostgreSQLかSQLiteか？",
        "choices": CHOICES, "metadata": {}})
    assert set(cp) == CHOICE_KEYS and cp["choices"] == CHOICES
    assert (cp["status"], cp["selected_choice_id"], cp["decided_at"], cp["decision_rationale"]) == (
        "pending", None, None, None)
    other = await call(api, "POST", "/choice-points", json={
        "session_id": sid, "intent_id": intent["intent_id"], "question": "同期か非同期か？",
        "choices": [{"id": "sync", "description": "sync"}, {"id": "async", "description": "async"}]})
    assert other["choices"][0]["implications"] == {}
    pending = await call(api, "GET", "/choice-points/pending", params={"session_id": sid})
    assert pending["total"] == 2 and [c["choice_point_id"] for c in pending["choice_points"]] == [
        cp["choice_point_id"], other["choice_point_id"]]

    wrong = await api.put(f"/choice-points/{cp['choice_point_id']}/decide", json={"selected_choice_id": "mysql"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "selected_choice_id"
    assert "choice_pg" in wrong.json()["detail"]
    decided = await call(api, "PUT", f"/choice-points/{cp['choice_point_id']}/decide", json={
        "selected_choice_id": "choice_pg", "decision_rationale": "Yuno評価A+。JSONB、並行性、将来性を考慮。"})
    assert (decided["choice_point_id"], decided["selected_choice_id"], decided["status"]) == (
        cp["choice_point_id"], "choice_pg", "decided")
    assert decided["decision_rationale"] == "Yuno評価A+。JSONB、並行性、将来性を考慮。" and ts(decided["decided_at"])
    pending = await call(api, "GET", "/choice-points/pending", params={"session_id": sid})
    assert [c["choice_point_id"] for c in pending["choice_points"]] == [other["choice_point_id"]]

    twice = await api.put(f"/choice-points/{cp['choice_point_id']}/decide", json={"selected_choice_id":
                                                                                  "choice_sqlite"})
    assert twice.status_code == 400 and "already decided" in twice.json()["detail"]
    query = await call(api, "POST", "/query", json={"session_id": sid, "query": {"type": "choice_points",
                                                                                  "status": "decided"}})
    assert [c["selected_choice_id"] for c in query["results"]] == ["choice_pg"]


async def test_breathing_cycles_and_continue(api: httpx.AsyncClient) -> None:
    sid = await new_session(api)
    intent = await new_intent(api, sid)
    intake = await call(api, "POST", "/breathing-cycles", json={"session_id": sid, "phase": "intake"})
    structuring = await call(api, "POST", "/breathing-cycles", json={
        "session_id": sid, "intent_id": intent["intent_id"], "phase": "structuring",
        "phase_data": {"structures_created": ["データベーススキーマ"], "tools_used": ["PostgreSQL"]}})
    assert set(structuring) == CYCLE_KEYS
    assert (structuring["completed_at"], structuring["success"]) == (None, None)
    done = await call(api, "PUT", f"/breathing-cycles/{structuring['cycle_id']}/complete", json={
        "success": True, "phase_data": {"duration_minutes": 30, "outcome": "スキーマ設計完了"}})
    assert done["success"] is True and ts(done["completed_at"]) >= ts(done["started_at"])
    assert done["phase_data"] == {"structures_created": ["データベーススキーマ"], "tools_used": ["PostgreSQL"],
                                  "duration_minutes": 30, "outcome": "スキーマ設計完了"}
    again = await api.put(f"/breathing-cycles/{structuring['cycle_id']}/complete", json={"success": False})
    assert again.status_code == 400
    cycles = await call(api, "GET", "/breathing-cycles", params={"session_id": sid})
    assert cycles["total"] == 2 and [c["phase"] for c in cycles["cycles"]] == ["intake", "structuring"]
    assert cycles["cycles"][1]["success"] is True

    await call(api, "POST", "/contexts", json={"session_id": sid, "agent_type": "kana",
                                               "context_data": {"focus": "memory design"}})
    await call(api, "POST", "/contexts", json={"session_id": sid, "agent_type": "yuno",
                                               "context_data": {"philosophy": "breathing preservation"}})
    cp = await call(api, "POST", "/choice-points", json={"session_id": sid, "intent_id": intent["intent_id"],
                                                         "question": "q", "choices": CHOICES})
    later = await new_intent(api, sid, "ドキュメント", intent_type="documentation")
    before = await call(api, "GET", f"/sessions/{sid}")
    cont = await call(api, "POST", f"/sessions/{sid}/continue")
    assert set(cont) == {"session", "agent_contexts", "pending_choices", "last_intent", "current_breathing_phase"}
    assert set(cont["session"]) == SESSION_KEYS and cont["session"]["status"] == "active"
    assert ts(cont["session"]["last_active"]) > ts(before["last_active"])
    assert cont["agent_contexts"] == {"kana": {"focus": "memory design"},
                                      "yuno": {"philosophy": "breathing preservation"}}
    assert [c["choice_point_id"] for c in cont["pending_choices"]] == [cp["choice_point_id"]]
    assert cont["last_intent"] == later
    assert cont["current_breathing_phase"] == intake  # the one phase still open


async def test_continue_a_fresh_session_has_nothing_pending(api: httpx.AsyncClient) -> None:
    sid = await new_session(api)
    cont = await call(api, "POST", f"/sessions/{sid}/continue")
    assert (cont["agent_contexts"], cont["pending_choices"], cont["last_intent"],
            cont["current_breathing_phase"]) == ({}, [], None, None)


async def test_snapshot_round_trip_is_frozen_in_time(api: httpx.AsyncClient) -> None:
    sid = await new_session(api)
    intent = await new_intent(api, sid, metadata={"ticket": 42})
    await call(api, "POST", "/resonances", json={"session_id": sid, "state": "converging", "intensity": 0.5,
                                                 "agents": ["yuno"]})
    await call(api, "POST", "/contexts", json={"session_id": sid, "agent_type": "kana", "context_data": {"v": 1}})
    await call(api, "POST", "/choice-points", json={"session_id": sid, "intent_id": intent["intent_id"],
                                                    "question": "q", "choices": CHOICES})
    await call(api, "POST", "/breathing-cycles", json={"session_id": sid, "phase": "re_reflection"})
    snap = await call(api, "POST", "/snapshots", json={"session_id": sid, "snapshot_type": "milestone",
                                                       "description": "メモリスキーマ設計完了",
                                                       "tags": ["schema_design", "milestone", "sprint4"]})
    assert set(snap) == SNAPSHOT_KEYS and snap["tags"] == ["schema_design", "milestone", "sprint4"]
    hourly = await call(api, "POST", "/snapshots", json={"session_id": sid, "snapshot_type": "auto_hourly",
                                                         "tags": ["sprint4"]})
    assert hourly["description"] is None

    await call(api, "PUT", f"/intents/{intent['intent_id']}/complete", json={"outcome": {"after": True}})
    await call(api, "POST", "/contexts", json={"session_id": sid, "agent_type": "kana", "context_data": {"v": 2}})

    full = await call(api, "GET", f"/snapshots/{snap['snapshot_id']}")
    assert {k: full[k] for k in SNAPSHOT_KEYS} == snap
    data = full["snapshot_data"]
    assert set(data) == {"session", "intents", "resonances", "agent_contexts", "choice_points", "breathing_cycles"}
    assert data["session"]["session_id"] == sid and data["session"]["metadata"] == {"client": "web"}
    assert [(i["intent_id"], i["status"], i["metadata"]) for i in data["intents"]] == [
        (intent["intent_id"], "pending", {"ticket": 42})]
    assert [c["context_data"] for c in data["agent_contexts"]] == [{"v": 1}]
    assert len(data["resonances"]) == len(data["choice_points"]) == len(data["breathing_cycles"]) == 1
    assert data["choice_points"][0]["choices"] == CHOICES

    listed = await call(api, "GET", "/snapshots", params={"session_id": sid})
    assert listed["total"] == 2 and [s["snapshot_id"] for s in listed["snapshots"]] == [snap["snapshot_id"],
                                                                                     hourly["snapshot_id"]]
    for params in ([("session_id", sid), ("tags", "milestone"), ("tags", "sprint4")],
                   {"session_id": sid, "tags": "milestone,sprint4"}):
        only = await call(api, "GET", "/snapshots", params=params)
        assert [s["snapshot_id"] for s in only["snapshots"]] == [snap["snapshot_id"]]
    both = await call(api, "GET", "/snapshots", params={"session_id": sid, "tags": "sprint4"})
    assert both["total"] == 2
    assert (await call(api, "GET", "/snapshots", params={"session_id": sid, "tags": "nope"}))["total"] == 0


async def test_query_filters(api: httpx.AsyncClient) -> None:
    sid = await new_session(api)
    a = await new_intent(api, sid)
    b = await new_intent(api, sid, "バグ", intent_type="bug_fix")
    await call(api, "PUT", f"/intents/{a['intent_id']}/complete", json={"outcome": {}})
    for state, intensity in (("aligned", 0.9), ("exploring", 0.3), ("aligned", 0.2)):
        await call(api, "POST", "/resonances", json={"session_id": sid, "state": state, "intensity": intensity,
                                                     "agents": ["kana"]})

    async def q(query: dict[str, Any]) -> dict[str, Any]:
        body = await call(api, "POST", "/query", json={"session_id": sid, "query": query})
        assert set(body) == {"query_id", "results", "count", "execution_time_ms"}
        assert uuid.UUID(body["query_id"]) and body["count"] == len(body["results"])
        assert isinstance(body["execution_time_ms"], int) and body["execution_time_ms"] >= 0
        return body

    completed = await q({"type": "intents", "status": "completed"})
    assert [r["intent_id"] for r in completed["results"]] == [a["intent_id"]]
    assert set(completed["results"][0]) == INTENT_KEYS
    assert [r["intent_id"] for r in (await q({"type": "intents"}))["results"]] == [a["intent_id"], b["intent_id"]]
    assert [r["intent_id"] for r in (await q({"type": "intents", "intent_type": "bug_fix"}))["results"]] == [
        b["intent_id"]]
    aligned = await q({"type": "resonances", "state": "aligned"})
    assert [r["intensity"] for r in aligned["results"]] == [0.9, 0.2]
    strong = await q({"type": "resonances", "min_intensity": 0.25})
    assert [r["state"] for r in strong["results"]] == ["aligned", "exploring"]
    assert (await q({"type": "choice_points"}))["count"] == 0
    first, second = await q({"type": "intents"}), await q({"type": "intents"})
    assert first["query_id"] != second["query_id"]


async def test_everything_survives_a_restart(tmp_path: Path, embedder: Embedder) -> None:
    async with serve(tmp_path / "data", embedder) as running, client(running.url) as api:
        sid = await new_session(api)
        await call(api, "POST", "/contexts", json={"session_id": sid, "agent_type": "tsumu",
                                                   "context_data": {"weaving": "tests"}})
        snap = await call(api, "POST", "/snapshots", json={"session_id": sid, "snapshot_type": "pre_major_change"})
    async with serve(tmp_path / "data", embedder) as running, client(running.url) as api:
        ctx = await call(api, "POST", "/contexts", json={"session_id": sid, "agent_type": "tsumu",
                                                         "context_data": {"weaving": "docs"}})
        assert ctx["version"] == 2
        full = await call(api, "GET", f"/snapshots/{snap['snapshot_id']}")
        assert full["snapshot_data"]["agent_contexts"][0]["context_data"] == {"weaving": "tests"}


async def test_a_pre_major_change_snapshot_is_a_restore_point_of_the_whole_store(tmp_path: Path,
                                                                                  embedder: Embedder) -> None:
    """The same machinery as the snapshot job: restoring the file snapshot brings the session back as it was."""
    data, restored = tmp_path / "data", tmp_path / "restored"
    async with serve(data, embedder) as running, client(running.url) as api:
        sid = await new_session(api)
        intent = await new_intent(api, sid)
        await call(api, "POST", "/contexts", json={"session_id": sid, "agent_type": "kana", "context_data": {"v": 1}})
        milestone = await call(api, "POST", "/snapshots", json={"session_id": sid, "snapshot_type": "milestone"})
        snap = await call(api, "POST", "/snapshots", json={"session_id": sid, "snapshot_type": "pre_major_change",
                                                           "description": "スキーマ移行の前", "tags": ["migration"]})
        assert set(snap) == SNAPSHOT_KEYS  # the seed's answer, unchanged
        await call(api, "PUT", f"/intents/{intent['intent_id']}/complete", json={"outcome": {"migrated": True}})
        await call(api, "POST", "/contexts", json={"session_id": sid, "agent_type": "kana", "context_data": {"v": 2}})

        full = await call(api, "GET", f"/snapshots/{snap['snapshot_id']}")
        name = full["snapshot_data"]["file_snapshot"]
        assert "file_snapshot" not in (await call(api, "GET", f"/snapshots/{milestone['snapshot_id']}"))[
            "snapshot_data"]  # only restore-point types take a file snapshot
    files = list_snapshots(data / "snapshots")
    assert [f.name for f in files] == [name]
    info = read_snapshot(files[0].path)
    assert info.kind == "resonant" and "スキーマ移行の前" in (info.description or "")
    assert {"pre_major_change", f"session:{sid}", f"resonant_snapshot:{snap['snapshot_id']}"} <= set(info.tags)

    opts = EngineOptions(data_dir=restored)
    await asyncio.to_thread(restore_snapshot, files[0].path, restored, sqlite_path(opts.url), opts.index_dir)
    (restored / "admin.key").write_text((data / "admin.key").read_text())  # DATA_DIR's, not the database's
    async with serve(restored, embedder) as running, client(running.url) as api:
        intents = (await call(api, "GET", "/intents", params={"session_id": sid}))["intents"]
        assert [(i["intent_id"], i["status"]) for i in intents] == [(intent["intent_id"], "pending")]
        latest = await call(api, "GET", "/contexts/latest", params={"session_id": sid, "agent_type": "kana"})
        assert latest["context_data"] == {"v": 1}
        listed = await call(api, "GET", "/snapshots", params={"session_id": sid})
        assert [s["snapshot_id"] for s in listed["snapshots"]] == [milestone["snapshot_id"], snap["snapshot_id"]]
        again = await call(api, "GET", f"/snapshots/{snap['snapshot_id']}")
        assert again["snapshot_data"]["intents"] == full["snapshot_data"]["intents"]


async def test_a_restore_point_that_cannot_be_taken_leaves_the_snapshot_standing(tmp_path: Path,
                                                                                embedder: Embedder) -> None:
    data = tmp_path / "data"
    async with serve(data, embedder) as running, client(running.url) as api:
        (data / "snapshots").write_text("a file where the snapshots folder should be")
        sid = await new_session(api)
        snap = await call(api, "POST", "/snapshots", json={"session_id": sid, "snapshot_type": "crisis_point"})
        full = await call(api, "GET", f"/snapshots/{snap['snapshot_id']}")
        assert full["snapshot_data"]["file_snapshot"] is None
        assert full["snapshot_data"]["session"]["session_id"] == sid


async def test_writes_beside_the_memory_engine_all_land(tmp_path: Path, embedder: Embedder) -> None:
    """The Resonant tables share the engine's SQLite file: concurrent writes of both must all succeed."""
    async with serve(tmp_path / "data", embedder) as running, client(running.url) as api:
        sid = await new_session(api)
        intent = await new_intent(api, sid)
        api_writes = [api.post("/resonances", json={"session_id": sid, "state": "exploring", "intensity": i / 20,
                                                    "agents": ["yuno"]}) for i in range(20)]
        api_writes += [api.post("/contexts", json={"session_id": sid, "agent_type": "kana",
                                                   "context_data": {"i": i}}) for i in range(10)]
        api_writes += [api.post("/choice-points", json={"session_id": sid, "intent_id": intent["intent_id"],
                                                        "question": f"q{i}", "choices": CHOICES}) for i in range(5)]
        memory_writes = [running.engine.store(Scope("t", "c", "u"), f"思い出 {i}: 海へ行った日のこと {i * 7}")
                         for i in range(10)]
        results = await asyncio.gather(*api_writes, *memory_writes)
        assert [r.status_code for r in results[:len(api_writes)]] == [200] * len(api_writes)
        summary = (await call(api, "GET", f"/sessions/{sid}"))["summary"]
        assert (summary["resonance_events"], summary["choice_points"]) == (20, 5)
        assert (await call(api, "GET", "/contexts/latest", params={"session_id": sid,
                                                                   "agent_type": "kana"}))["version"] == 10
        assert (await running.engine.list(MemoryFilter(tenant="t"))).total == 10
