"""API throughput with 1, 2 and 4 workers on PostgreSQL (`python -m bot api --workers N`) beside the
SQLite single process, under bench.load's load generator: chat pace, then saturation.

Each server gets a fresh DATA_DIR (the model copied in) and, on PostgreSQL, a fresh database; it is
seeded through `POST /save`, then the same clients run both phases against it. Workers share the port
through SO_REUSEPORT, so the kernel spreads the clients' connections over them.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.corpus import corpus
from bench.load import LISTENING, Stats, client, headers, post, seed

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("chat pace", "saturation")


@dataclass(frozen=True)
class LoadPlan:
    clients: int = 50
    seconds: float = 20.0
    think_ms: float = 1000.0
    save_share: float = 0.2
    seed: int = 300


@dataclass
class Phase:
    """One load phase: per-operation stats, its length, and the CPU seconds the API processes and the
    database server (None when it is not ours to read) spent in it."""
    stats: dict[str, Stats]
    seconds: float
    api_cpu_s: float
    db_cpu_s: float | None

    @property
    def answered(self) -> int:
        return sum(len(st.latencies_ms) for st in self.stats.values())


@dataclass
class Served:
    """One server under load: how long it took to answer, its processes' RSS, and each phase's stats."""
    name: str
    workers: int
    ready_s: float = 0.0
    rss_mb: list[float] = field(default_factory=list)
    seeded: int = 0
    phases: dict[str, Phase] = field(default_factory=dict)


TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int, *, children: bool = False) -> float:
    """CPU seconds of a process (user + system); with `children`, also its ended children's, and its live
    children's own (PostgreSQL's backends are the postmaster's children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    total = ticks / TICK
    if children:
        kids = Path(f"/proc/{pid}/task/{pid}/children")
        total += sum(cpu_s(int(k)) for k in (kids.read_text().split() if kids.exists() else []))
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ApiServer:
    """`python -m bot api [--workers N]` on `data_dir`; ready once every worker logs that it listens."""

    def __init__(self, data_dir: Path, model_dir: Path, workers: int, database_url: str) -> None:
        if model_dir.is_dir() and not (data_dir / "models").exists():
            shutil.copytree(model_dir, data_dir / "models")  # skip the one-time model conversion
        port = free_port() if database_url else 0  # several workers need a port given; SQLite takes any
        args = ["api", "--port", str(port)] + (["--workers", str(workers)] if workers > 1 else [])
        # all clients share one key, which the per-key rate limit would stop: off, as in bench.load
        env = {**os.environ, "DATA_DIR": str(data_dir), "API_HOST": "127.0.0.1", "API_PORT": str(port),
               "DATABASE_URL": database_url, "DISCORD_TOKEN": "", "TOKENIZERS_PARALLELISM": "false",
               "API_RATE_LIMIT_PER_MINUTE": "0"}
        self.workers = workers
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self.url = ""
        self._listening = 0
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:  # keeps draining so no worker blocks on a full pipe
            self.lines.append(line)
            if m := LISTENING.search(line):
                self.url = f"http://{m.group(1)}:{m.group(2)}"
                self._listening += 1
                if self._listening >= self.workers:
                    self._ready.set()
        self._ready.set()

    def wait_ready(self, timeout: float = 300) -> float:
        if not self._ready.wait(timeout) or self._listening < self.workers:
            self.stop()
            raise RuntimeError("the API did not start:\n" + "".join(self.lines[-40:]))
        return time.perf_counter() - self.started

    def worker_pids(self) -> list[int]:
        """The processes that serve: the runner's children with --workers, else the process itself."""
        if self.workers == 1:
            return [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def cpu_s(self) -> float:
        return sum(cpu_s(pid) for pid in {self.proc.pid, *self.worker_pids()})

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(10)  # the last log lines, then the pipe
        if not self._reader.is_alive() and self.proc.stderr is not None:
            self.proc.stderr.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def drive(base: str, hdrs: dict[str, str], plan: LoadPlan, served: Served, server: ApiServer,
                db_pid: int | None) -> None:
    """Seed, then both phases with the same clients (bench.load's client: think time, then none)."""
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=plan.clients + 8)
    async with aiohttp.ClientSession(headers=hdrs, timeout=timeout, connector=connector) as s:
        status, body = await post(s, f"{base}/save", {"user_message": "probe", "ai_message": "ok", "user_id": "probe"})
        if status >= 300:
            raise RuntimeError(f"{base} refused a save (HTTP {status}): {body!r}")
        texts = corpus(plan.seed + 400)
        served.seeded = await seed(s, base, texts[: plan.seed])
        for phase, think_ms in zip(PHASES, (plan.think_ms, 0.0), strict=True):
            stats = {"save": Stats(), "search": Stats()}
            until = time.monotonic() + plan.seconds
            rng = random.Random(7)
            api0, db0 = server.cpu_s(), cpu_s(db_pid, children=True) if db_pid else 0.0
            t0 = time.perf_counter()
            await asyncio.gather(*(client(s, base, random.Random(rng.random()), texts, plan.save_share,
                                          think_ms / 1000, until, stats) for _ in range(plan.clients)))
            elapsed = time.perf_counter() - t0
            db = cpu_s(db_pid, children=True) - db0 if db_pid else None
            served.phases[phase] = Phase(stats, elapsed, server.cpu_s() - api0, db)


async def serve_and_load(name: str, data_dir: Path, model_dir: Path, workers: int, database_url: str,
                         plan: LoadPlan, db_pid: int | None = None) -> Served:
    served = Served(name, workers)
    server = ApiServer(data_dir, model_dir, workers, database_url)
    try:
        served.ready_s = await asyncio.to_thread(server.wait_ready)
        await drive(server.url, headers(data_dir, None), plan, served, server, db_pid)
        served.rss_mb = [rss_mb(pid) for pid in server.worker_pids()]
    finally:
        await asyncio.to_thread(server.stop)
    return served
