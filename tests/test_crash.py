"""Crash safety: SIGKILL in the middle of writes loses no acknowledged write; damaged indexes are rebuilt."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

from botproc import ROOT, BotProcess, bot_command, bot_env, run_cli, seed_model

from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.index.manager import index_path
from memory.maintenance import count_memories
from memory.options import EngineOptions
from memory.types import MemoryFilter, Scope
from tests.store_helpers import sqlite_store

FACTS = [
    "朝ごはんはいつもパンとコーヒー", "I play the violin every Sunday morning", "妹が大阪に住んでいる",
    "My cat is called Mochi and she is nine", "先週、京都で紅葉を見てきた", "The office moved to Shibuya last spring",
    "好きな作家は村上春樹", "I am allergic to peanuts", "毎晩ジョギングを5キロしている",
    "Our team ships a release every second Tuesday", "来月ソウルに出張する予定", "My favourite colour is teal",
    "父は釣りが趣味です", "I learned to bake sourdough during the winter", "推しのライブに当選した",
    "The wifi password changes every month", "誕生日は三月十四日", "I prefer tea over coffee in the afternoon",
    "新しいキーボードを自作した", "Grandma's garden has twelve kinds of roses",
]

CHILD = r"""
import asyncio, json, sys
from pathlib import Path
from memory.embedding.factory import create_embedder
from memory.engine import MemoryEngine
from memory.options import DEFAULT_MODEL_ID, EngineOptions
from memory.types import Scope

async def main(data_dir, model_dir, facts):
    embedder = create_embedder(DEFAULT_MODEL_ID, "fastembed", Path(model_dir))
    engine = await MemoryEngine.open(EngineOptions(data_dir=Path(data_dir)), embedder)
    scope = Scope(tenant="t", cube="c", user_id="u")
    i = 0
    while True:
        text = facts[i % len(facts)] if i < len(facts) else f"{facts[i % len(facts)]} (note {i})"
        saved = await engine.store(scope, text)
        print(json.dumps({"id": saved.memory.id, "text": text}), flush=True)  # acknowledged
        if i == 4:
            await engine.persist_indexes()  # an index file older than the database, as in real life
        i += 1

asyncio.run(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))
"""


async def _check_all_there(engine: MemoryEngine, acked: list[dict[str, str]]) -> None:
    """Every acknowledged write is stored, found by search, and the index agrees with the database."""
    for a in acked:
        assert (await engine.get(a["id"])).content == a["text"]
        hits = await engine.search(a["text"], MemoryFilter(tenant="t", cube="c"), top_k=3)
        assert a["id"] in [h.memory.id for h in hits], a["text"]
    state = sqlite_store(engine).indexes.get("t", "c")
    assert state is not None
    labels = {r[0] for r in await sqlite_store(engine).reader.fetch("SELECT label FROM memories")}
    assert state.index.alive == len(labels) == await count_memories(engine)
    assert labels <= state.index.all_labels()


async def test_sigkill_during_engine_writes_loses_no_acknowledged_write(tmp_path: Path, model_dir: Path,
                                                                         embedder: Embedder) -> None:
    data = tmp_path / "data"
    with (tmp_path / "child.log").open("w") as log:
        # blocking on purpose: the test drives a child process and its event loop has nothing else to run
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(data), str(model_dir), json.dumps(FACTS)],  # noqa: ASYNC220
                                 cwd=ROOT, env=bot_env(data), stdout=subprocess.PIPE, stderr=log, text=True)
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(x) for x in child.stdout], daemon=True)  # type: ignore[union-attr]
        reader.start()
        acked: list[dict[str, str]] = []
        try:
            while len(acked) < 12:
                acked.append(json.loads(lines.get(timeout=180)))
        finally:
            child.send_signal(signal.SIGKILL)  # while it is writing the next one
            child.wait(60)
            reader.join(10)
            child.stdout.close()  # type: ignore[union-attr]
    assert child.returncode == -signal.SIGKILL, (tmp_path / "child.log").read_text()
    engine = await MemoryEngine.open(EngineOptions(data_dir=data), embedder)
    try:
        assert engine.index_report == {"caught up": 1}  # the index file was older than the database
        await _check_all_there(engine, acked)
    finally:
        await engine.close()


async def test_bot_rebuilds_a_damaged_index_and_owns_its_data_dir(tmp_path: Path, model_dir: Path,
                                                                  embedder: Embedder) -> None:
    data = tmp_path / "data"
    engine = await MemoryEngine.open(EngineOptions(data_dir=data), embedder)
    for fact in FACTS[:6]:
        await engine.store(Scope(tenant="t", cube="c", user_id="u"), fact)
    await engine.close()
    path = index_path(data / "indexes", "t", "c")
    path.write_bytes(path.read_bytes()[:64])  # a torn write while stopped
    seed_model(model_dir, data)
    bot = BotProcess(data)
    try:
        assert "indexes ready: {'rebuilt': 1}" in bot.log, bot.log
        # blocking on purpose: the bot under test is another process; this loop has nothing else to run
        second = subprocess.run(bot_command(), cwd=ROOT, env=bot_env(data), capture_output=True,  # noqa: ASYNC221
                                text=True, timeout=120)
        assert second.returncode == 4 and f"process {bot.proc.pid}" in second.stderr, second.stderr
        snap = run_cli(data, "snapshot")
        assert snap.returncode == 0 and "the bot is running" in snap.stdout, snap.stderr
        name = re.search(r"^snapshot (\S+):", snap.stdout, re.MULTILINE).group(1)  # type: ignore[union-attr]
        refused = run_cli(data, "restore", name)
        assert refused.returncode == 4, refused.stderr
        assert "refused" in refused.stderr and f"process {bot.proc.pid}" in refused.stderr
    finally:
        assert bot.stop() == 0, bot.log
    again = await MemoryEngine.open(EngineOptions(data_dir=data), embedder)
    try:
        assert again.index_report == {"loaded": 1}  # the bot saved the rebuilt index at shutdown
        hits = await again.search("musical instrument", MemoryFilter(tenant="t"), top_k=1)
        assert hits[0].memory.content == "I play the violin every Sunday morning"
    finally:
        await again.close()
    restored = run_cli(data, "restore", name)
    assert restored.returncode == 0 and "integrity_check passed" in restored.stdout, restored.stderr


class _Writers:
    """Two clients saving turns until the bot is killed; every answer before the kill must be a 200.

    Each write takes the next fact, so no two writes are near-duplicates: the engine would merge those
    into one memory (DEDUP_THRESHOLD), whichever writer runs ahead of the other.
    """

    def __init__(self, bot: BotProcess) -> None:
        self.bot = bot
        self.acked: list[dict[str, str]] = []
        self.refused: list[str] = []  # answers other than 200, and failures while the bot was alive
        self.killed = threading.Event()
        self.changed = threading.Condition()  # notified on every answer and when a writer stops
        self.facts = iter(FACTS)  # next() on a list iterator is atomic under the GIL
        self.threads = [threading.Thread(target=self._writes, args=(w,)) for w in range(2)]
        self.writing = len(self.threads)

    def _writes(self, worker: int) -> None:
        try:
            self._write(worker)
        finally:
            with self.changed:
                self.writing -= 1
                self.changed.notify_all()

    def _write(self, worker: int) -> None:
        i = 0
        while not self.killed.is_set():
            fact = next(self.facts, None)
            if fact is None:
                return
            text = f"{fact} / writer {worker} turn {i}"
            try:
                status, body = self.bot.post("/save", {"user_message": text, "ai_message": "覚えておくね",
                                                       "user_id": "crash-user", "session_id": f"s{worker}"},
                                             timeout=300)
            except Exception as exc:  # after the kill: a write that was never acknowledged
                if not self.killed.is_set():
                    self.refused.append(f"writer {worker}: {type(exc).__name__}: {exc}")
                return
            if status == 200 and isinstance(body, dict) and body.get("memory_id"):
                with self.changed:
                    self.acked.append({"id": body["memory_id"], "text": text})
                    self.changed.notify_all()
            elif not self.killed.is_set():
                self.refused.append(f"writer {worker}: {status} {body}")
                return
            i += 1

    def run_until(self, count: int) -> None:
        """Write until `count` are acknowledged, then SIGKILL the bot while the next ones are in flight."""
        assert count + len(self.threads) < len(FACTS)  # a fact for every write up to the kill
        for t in self.threads:
            t.start()
        try:
            with self.changed:  # a writer whose bot died stops with a refusal, which wakes this wait
                self.changed.wait_for(lambda: len(self.acked) >= count or bool(self.refused) or not self.writing,
                                      timeout=600)
            self.bot.check_alive()
        finally:
            self.killed.set()
            self.bot.proc.send_signal(signal.SIGKILL)
            self.bot.wait(60)
            for t in self.threads:
                t.join(60)
        assert not self.refused, "\n".join(self.refused) + "\n" + self.bot.log
        assert len(self.acked) >= count, f"only {len(self.acked)} writes acknowledged:\n{self.bot.log}"


async def test_sigkill_during_http_writes_loses_no_acknowledged_write(tmp_path: Path, model_dir: Path,
                                                                       embedder: Embedder) -> None:
    """Through the EmotionMemCore API (`POST /save`), as a client sees it."""
    data = tmp_path / "data"
    seed_model(model_dir, data)
    bot = BotProcess(data)
    writers = _Writers(bot)
    writers.run_until(12)
    acked = writers.acked
    bot = BotProcess(data)
    try:
        for a in acked:
            status, body = bot.post("/search", {"query": a["text"], "user_id": "crash-user", "top_k": 5})
            assert status == 200 and a["id"] in [r["memory_id"] for r in body["results"]], (a, body)
        req = urllib.request.Request(f"{bot.url}/memories?user_id=crash-user&limit=1000", headers=bot.headers())
        # blocking on purpose, as bot.post is: the bot under test is another process
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: ASYNC210
            listed = {m["memory_id"] for m in json.loads(resp.read())["memories"]}
        assert {a["id"] for a in acked} <= listed
    finally:
        assert bot.stop() == 0, bot.log
    engine = await MemoryEngine.open(EngineOptions(data_dir=data), embedder)
    try:
        assert engine.index_report == {"loaded": 1}
        total = await count_memories(engine)
        alive = sum(s.alive for s in engine.store_stats().cubes)
        assert alive == total >= len({a["id"] for a in acked}) == len(acked)  # no two acks share a memory
    finally:
        await engine.close()
