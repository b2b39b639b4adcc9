"""`make bench-load`: N concurrent HTTP clients against the bot's API for T seconds (save/search mix).

Starts `python -m bot` on a temporary DATA_DIR (API on 127.0.0.1, a free port) unless `--url` names a
running one, seeds it through `POST /save`, then runs two phases with the same clients and prints
throughput, p50/p95/p99 and errors per operation for each:

- chat pace (the target): each client is a chatting user, who sends the next request a think time
  after the last answer (`--think-ms`, mean 1 s, drawn uniformly from half to one and a half times
  it, so clients do not move in lockstep; the first requests are spread over one think time, as a
  50-request burst at the same instant would measure the start of the benchmark, not the server).
  Target: zero errors and search p99 under 100 ms at 50 clients on 2 cores.
- saturation: the same clients with no think time, each sending its next request the moment the last
  one is answered. This shows the ceiling (answered/s). Its latency is mostly queueing: with 50
  requests always in flight on 2 cores, where every search embeds its query (~7 ms of both cores),
  latency is about 50 / throughput whatever the server does.

Nothing leaves the machine; each phase stops by itself after `--seconds`.

It speaks the EmotionMemCore routes (`POST /save`, `POST /search`); when the API does not serve them
it says so and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import numpy as np

from bench.corpus import corpus
from bench.table import Table

ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"api listening on http://([\d.]+):(\d+)")
USERS = 20


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def start_bot(data_dir: Path, model_dir: Path | None) -> tuple[subprocess.Popen[str], str]:
    """`python -m bot` on `data_dir`, port 0; returns the process and its base URL."""
    if model_dir and model_dir.is_dir() and not (data_dir / "models").exists():
        shutil.copytree(model_dir, data_dir / "models")  # skip the one-time model conversion
    # all clients share one key, which the per-key rate limit would stop after API_RATE_LIMIT_BURST
    # requests: the bot started here has it off, since this measures the API and the engine
    env = {**os.environ, "DATA_DIR": str(data_dir), "API_HOST": "127.0.0.1", "API_PORT": "0",
           "DISCORD_TOKEN": "", "TOKENIZERS_PARALLELISM": "false", "API_RATE_LIMIT_PER_MINUTE": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    deadline = time.monotonic() + 300
    for line in proc.stderr:
        if m := LISTENING.search(line):
            # keep draining the log so the process never blocks on a full pipe
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
            return proc, f"http://{m.group(1)}:{m.group(2)}"
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise SystemExit("the bot did not start; run `python -m bot` to see why")


def headers(data_dir: Path | None, api_key: str | None) -> dict[str, str]:
    """The API key to send: --api-key / OMOIDE_API_KEY, else the admin key the API wrote on first start."""
    key = api_key or os.environ.get("OMOIDE_API_KEY")
    if not key and data_dir is not None and (data_dir / "admin.key").exists():
        key = (data_dir / "admin.key").read_text().strip()
    return {"X-API-Key": key} if key else {}


async def post(session: aiohttp.ClientSession, url: str, body: dict[str, object]) -> tuple[int, object]:
    async with session.post(url, json=body) as resp:
        raw = await resp.read()
        return resp.status, json.loads(raw) if raw.strip().startswith((b"{", b"[")) else raw


async def seed(session: aiohttp.ClientSession, base: str, texts: list[str], concurrency: int = 8) -> int:
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int, text: str) -> bool:
        async with sem:
            status, _ = await post(session, f"{base}/save", {
                "user_message": text, "ai_message": "覚えておきます", "user_id": f"load-user-{i % USERS}",
                "session_id": f"load-session-{i % USERS}", "metadata": {"source": "bench.load"}})
            return status < 300

    return sum(await asyncio.gather(*(one(i, t) for i, t in enumerate(texts))))


async def client(session: aiohttp.ClientSession, base: str, rng: random.Random, texts: list[str],
                 save_share: float, think_s: float, until: float, stats: dict[str, Stats]) -> None:
    if think_s:  # users do not all press enter at the same instant: spread the first requests
        await asyncio.sleep(rng.uniform(0.0, think_s))
    while time.monotonic() < until:
        text = rng.choice(texts)
        user = f"load-user-{rng.randrange(USERS)}"
        if rng.random() < save_share:
            op, body = "save", {"user_message": text, "ai_message": "なるほど", "user_id": user}
        else:
            op, body = "search", {"query": text[: rng.randint(8, 40)], "user_id": user, "top_k": 5}
        t0 = time.perf_counter()
        try:
            status, _ = await post(session, f"{base}/{op}", body)
            if status >= 300:
                stats[op].error(f"HTTP {status}")
            else:  # latencies of answers only: a fast refusal (429) must not flatter the percentiles
                stats[op].latencies_ms.append((time.perf_counter() - t0) * 1000)
        except (TimeoutError, aiohttp.ClientError) as exc:
            stats[op].error(type(exc).__name__)
        if think_s:
            await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))


async def run(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="omoide-load-")) if not args.url else None
    proc = None
    try:
        if work is not None:
            proc, base = start_bot(work / "data", Path(args.model_dir) if args.model_dir else None)
        else:
            base = args.url.rstrip("/")
        hdrs = headers(work / "data" if work else None, args.api_key)
        timeout = aiohttp.ClientTimeout(total=60)
        connector = aiohttp.TCPConnector(limit=args.clients + 8)
        async with aiohttp.ClientSession(headers=hdrs, timeout=timeout, connector=connector) as s:
            status, _ = await post(s, f"{base}/save", {"user_message": "probe", "ai_message": "ok", "user_id": "probe"})
            status_search, _ = await post(s, f"{base}/search", {"query": "probe", "user_id": "probe", "top_k": 1})
            if 404 in (status, status_search) or 405 in (status, status_search):
                print(f"{base} does not serve POST /save and POST /search (EmotionMemCore routes) yet: "
                      "nothing to measure. Run this again once the API serves them.")
                return 0
            if status in (401, 403):
                raise SystemExit(f"{base} refused the API key (HTTP {status}); pass --api-key")
            texts = corpus(args.seed + 400)
            t0 = time.perf_counter()
            seeded = await seed(s, base, texts[: args.seed])
            print(f"seeded {seeded}/{args.seed} memories through POST /save in {time.perf_counter() - t0:.1f} s")
            met = True
            for phase, think_ms in (("chat pace", args.think_ms), ("saturation", 0.0)):
                if phase == "saturation" and (args.no_saturation or not args.think_ms):
                    continue
                stats = {"save": Stats(), "search": Stats()}
                until = time.monotonic() + args.seconds
                rng = random.Random(7)
                t0 = time.perf_counter()
                await asyncio.gather(*(client(s, base, random.Random(rng.random()), texts, args.save_share,
                                              think_ms / 1000, until, stats) for _ in range(args.clients)))
                report(args, phase, think_ms, stats, time.perf_counter() - t0)
                if phase == "chat pace":
                    search = stats["search"]
                    met = not any(st.errors for st in stats.values()) and bool(search.latencies_ms) and \
                        float(np.percentile(search.latencies_ms, 99)) < 100
        print(f"\ntarget at chat pace (zero errors, search p99 < 100 ms): {'met' if met else 'NOT met'}")
        return 0
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(120)
            except subprocess.TimeoutExpired:
                proc.kill()
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def report(args: argparse.Namespace, phase: str, think_ms: float, stats: dict[str, Stats], elapsed: float) -> None:
    pace = f"think time {think_ms:.0f} ms (0.5-1.5x)" if think_ms else "no think time"
    print(f"\n{phase}: {args.clients} clients, {pace}, {elapsed:.1f} s, {int(args.save_share * 100)}% saves, "
          f"{os.cpu_count()} cores\n")
    table = Table(["op", "requests", "answered/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"])
    for op, st in stats.items():
        lat = np.asarray(st.latencies_ms or [0.0])
        errors = ", ".join(f"{k} x{v}" for k, v in st.errors.items()) or "0"
        table.add(op, str(len(st.latencies_ms) + sum(st.errors.values())), f"{len(st.latencies_ms) / elapsed:.1f}",
                  *(f"{np.percentile(lat, q):.0f}" for q in (50, 95, 99)), f"{lat.max():.0f}", errors)
    print(table.render())


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--save-share", type=float, default=0.2, help="share of requests that are saves")
    p.add_argument("--think-ms", type=float, default=1000.0,
                   help="mean pause of each client between requests in the chat-pace phase")
    p.add_argument("--no-saturation", action="store_true", help="skip the phase without think time")
    p.add_argument("--seed", type=int, default=300, help="memories saved before the run")
    p.add_argument("--url", help="measure a running API instead of starting one")
    p.add_argument("--api-key", help="X-API-Key to send (default: OMOIDE_API_KEY, or the started bot's admin key)")
    p.add_argument("--model-dir", default=str(ROOT / "data" / "models"),
                   help="an already converted model to copy into the bot's temporary DATA_DIR")
    return asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
