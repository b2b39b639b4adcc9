"""The issue's topology as real processes on one PostgreSQL: two API workers and a jobs process share a
DATA_DIR and a database; a write through one worker is found through the other; the jobs leader killed
with SIGKILL is replaced by a worker; no acknowledged write is lost."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.botproc import BotProcess, seed_model

TAKEOVER_SECONDS = 90  # the leader poll is 15 s; the processes share two loaded cores with the model


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
