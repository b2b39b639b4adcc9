"""The issue's topology as real processes on one PostgreSQL: two API workers and a jobs process share a
DATA_DIR and a database; a write through one worker is found through the other; a WebSocket listener on
one worker sees what is posted to the other (Memory Mesh messages, livestream replies); the jobs leader
killed with SIGKILL is replaced by a worker; no acknowledged write is lost."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.botproc import BotProcess, seed_model

pytestmark = pytest.mark.both_stores  # PostgreSQL by itself: runs once, in the SQLite run of the suite

TAKEOVER_SECONDS = 90  # the leader poll is 15 s; the processes share two loaded cores with the model


WAIT = 120.0  # a guard against hanging, not a measured time


def _listen(worker: BotProcess, path: str) -> ClientConnection:
    return connect(worker.url.replace("http://", "ws://") + path, additional_headers=worker.headers())


def _next(ws: ClientConnection) -> Any:
    return json.loads(ws.recv(timeout=WAIT))


def _pushes_cross_workers(a: BotProcess, b: BotProcess) -> None:
    """A listener on worker a sees a Memory Mesh message and a livestream reply posted to worker b."""
    with _listen(a, "/ws/messages/studio") as ws:
        assert _next(ws) == {"type": "subscribed", "tenant_id": "studio"}
        status, saved = b.post("/v1/messages", {"tenant_id": "studio", "conversation_id": "c1", "role": "user",
                                                "content": "今日は配信の日"})
        assert status == 201, saved
        pushed = _next(ws)
        assert pushed["type"] == "message.created" and pushed["data"] == saved
    with _listen(a, "/api/livestream/cocoro/ws") as ws:
        assert _next(ws) == {"type": "subscribed", "persona": "cocoro"}
        status, out = b.post("/api/livestream/cocoro/events", {
            "platform": "youtube", "viewer_id": "UC7", "viewer_name": "Mika", "type": "chat",
            "message": "初見です！歌枠たのしみ", "event_id": "yt-1"})
        assert status == 200 and out["status"] == "answered", out
        pushed = _next(ws)
        assert pushed["type"] == "reply" and pushed["event_id"] == "yt-1" and pushed["reply"] == out["reply"]


def _leaders(*workers: BotProcess) -> list[bool]:
    out = []
    for w in workers:
        status, body = w.get("/admin/jobs")
        assert status == 200, body
        out.append(bool(body["leader"]))
    return out


def test_two_api_workers_and_a_jobs_process_share_one_postgres(tmp_path: Path, model_dir: Path,
                                                               pg_url: str) -> None:
    data = tmp_path / "data"
    seed_model(model_dir, data)
    env = {"DATABASE_URL": pg_url}
    jobs = BotProcess(data, "jobs", **env)  # first: it contends for the schedule at once
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda _: BotProcess(data, "api", **env), range(2))
    try:
        saved = []
        for i, (writer, text) in enumerate([(a, "来週末に京都へ旅行に行く予定なんだ"), (b, "My cat Mochi loves tuna"),
                                            (a, "妹が春から大阪の大学に通う"), (b, "I play the violin on Sundays")]):
            status, body = writer.post("/save", {"user_id": "alice", "session_id": f"s{i}", "user_message": text})
            assert status == 200, body
            saved.append(body["memory_id"])
        status, found = b.post("/search", {"query": "週末の旅行の予定は？", "user_id": "alice"})
        assert status == 200 and found["results"][0]["memory_id"] == saved[0]  # written through a, read through b
        status, found = a.post("/search", {"query": "what is my pet called?", "user_id": "alice"})
        assert status == 200 and found["results"][0]["memory_id"] == saved[1]
        _pushes_cross_workers(a, b)

        assert _leaders(a, b) == [False, False]  # the jobs process leads
        jobs.kill()  # SIGKILL: its advisory lock goes with its connection
        deadline = time.monotonic() + TAKEOVER_SECONDS
        while not any(_leaders(a, b)):
            assert time.monotonic() < deadline, "no worker took the jobs over:\n" + a.log + b.log
            status, body = a.post("/save", {"user_id": "alice", "session_id": "during", "user_message":
                                            f"written while the leader was gone {time.monotonic():.3f}"})
            assert status == 200, body
            saved.append(body["memory_id"])
            time.sleep(1)
        assert sorted(_leaders(a, b)) == [False, True]  # exactly one

        status, listed = b.get("/memories?user_id=alice&limit=1000")  # every acknowledged write, through b
        assert status == 200 and set(saved) <= {m["memory_id"] for m in listed["memories"]}, listed
    finally:
        for proc in (a, b, jobs):
            proc.kill()
