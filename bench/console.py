"""The console's server time on a large persona: `python -m bench.console [--memories 10000]
[--database-url postgresql+asyncpg://...] [--data-dir DIR]`.

Builds one cube of N memories (a few hundred real texts embedded by the model, the rest stored vectors
around them, as bench.engine does), serves the API on 127.0.0.1, logs in like a browser and times each
page: list (first and a deep page), filtered lists, search (plain, filtered, a later page), a memory's
detail, the users, growth and emotion pages. Times are request to last byte on localhost, so they are the
server's time plus a loopback hop. The "engine only" rows time MemoryEngine.search in the same process with
the page's filter and top_k: the gap to the page's row is the console's own share (template, extra reads).
A deep list page is timed twice: by its number (OFFSET, an address typed by hand) and by the next link the
page before it shows (`after=`, a seek). `--data-dir` keeps the data (and the SQLite database) there and
reuses a cube filled by an earlier run; `--database-url` benchmarks a PostgreSQL store (an empty database
gets the schema; a filled cube is reused).
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import cProfile  # noqa: E402
import html  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.corpus import corpus  # noqa: E402
from bench.engine import clustered  # noqa: E402
from bench.table import Table  # noqa: E402
from bot.api.app import create_app  # noqa: E402
from bot.services import Services  # noqa: E402
from config import load_settings  # noqa: E402
from memory.embedding.factory import create_embedder  # noqa: E402
from memory.engine import MemoryEngine  # noqa: E402
from memory.options import DEFAULT_MODEL_ID, EngineOptions  # noqa: E402
from memory.types import Emotion, MemoryFilter, MemoryInput, Scope  # noqa: E402

CUBE = "user_user_cocoro_cube"
REAL = 300
FEELINGS = ("joy", "interest", "sadness", "trust", "surprise")
TIERS = ("long_term", "long_term", "short_term", "working")


async def fill(engine: MemoryEngine, n: int) -> None:
    texts = corpus(REAL)
    vectors = np.asarray(await engine.embeddings.passages(texts), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    if n > REAL:
        vectors = np.vstack([vectors, clustered(vectors, n - REAL, np.random.default_rng(7))])
    for lo in range(0, n, 2000):
        items = [MemoryInput(Scope("default", CUBE, f"user{i % 200}"), content=f"{texts[i % REAL]} #{i}",
                             embedding=vectors[i], emotions=[Emotion(FEELINGS[i % 5], 0.7)], summary="",
                             tier=TIERS[i % 4], tags=["bench", f"t{i % 10}"], ttl_seconds=None)
                 for i in range(lo, min(lo + 2000, n))]
        res = await engine.save_batch(items)
        assert not res.failed, res.failed[:3]


async def timed(c: httpx.AsyncClient, path: str, runs: int) -> tuple[float, float, int]:
    times = []
    status = 0
    for _ in range(runs):
        t = time.perf_counter()
        r = await c.get(path)
        times.append((time.perf_counter() - t) * 1000)
        status = r.status_code
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95) - 1], status


async def engine_timed(engine: MemoryEngine, query: str, f: MemoryFilter, top_k: int,
                       runs: int) -> tuple[float, float, int]:
    await engine.search(query, f, top_k=top_k)  # warm
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        await engine.search(query, f, top_k=top_k)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95) - 1], 0


def profiled(stats: cProfile.Profile, top: int = 30) -> str:
    out = io.StringIO()
    pstats.Stats(stats, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


async def main(n: int, runs: int, work: Path, profile: str | None = None, database_url: str = "") -> None:
    # dedup off: the clustered vectors lie close enough that the default threshold merged a third of them,
    # and the cube held 69k memories, not 100k
    options = EngineOptions(data_dir=work / "data", database_url=database_url, dedup_threshold=1.0)
    engine = await MemoryEngine.open(options, create_embedder(DEFAULT_MODEL_ID, "fastembed", options.model_dir))
    t = time.perf_counter()
    kept = (await engine.stats("default", CUBE)).total
    if kept:
        print(f"reusing the {kept} memories already in the cube", flush=True)
    else:
        await fill(engine, n)
        kept = (await engine.stats("default", CUBE)).total
        print(f"built {kept} memories in {time.perf_counter() - t:.0f} s", flush=True)
    settings = load_settings(data_dir=options.data_dir, api_rate_limit_per_minute=0,
                             **({"database_url": database_url} if database_url else {}))
    services = Services(settings=settings, engine=engine)
    runner = web.AppRunner(create_app(services, settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    key = (options.data_dir / "admin.key").read_text().strip()
    base = f"/console/cube/default/{CUBE}"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{runner.addresses[0][1]}", timeout=60) as c:
        form = (await c.get("/console/login")).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf
        assert (await c.post("/console/login", data={"key": key, "csrf": csrf.group(1)})).status_code == 303
        some_id = re.search(r'/console/memory/([0-9a-f-]{36})', (await c.get(base)).text)
        assert some_id
        deep = kept // 25 // 2
        chained = re.search(r'<a rel="next" href="([^"]+)"', (await c.get(f"{base}?page={deep - 1}")).text)
        assert chained, "the page before the deep one has no next link"
        pages = [
            ("personas overview", "/console"),
            ("list, first page", base),
            (f"list, page {deep} by number (OFFSET)", f"{base}?page={deep}"),
            (f"list, page {deep} by its link (after=)", html.unescape(chained.group(1))),
            ("list, user + emotion", f"{base}?user=user7&emotion=surprise"),
            ("list, tier + tag + dates", f"{base}?tier=short_term&tags=t3&date_from=2000-01-01&date_to=2100-01-01"),
            ("search", f"{base}?q=what+did+they+eat+for+dinner"),
            ("search, user filter", f"{base}?q=what+did+they+eat+for+dinner&user=user7"),
            ("search, page 3", f"{base}?q=weekend+plans&page=3"),
            ("memory detail", f"/console/memory/{some_id.group(1)}"),
            ("users and viewers", f"{base}/users"),
            ("users, page 4", f"{base}/users?page=4"),
            ("growth per day", f"{base}/growth"),
            ("growth per week, one user", f"{base}/growth?by=week&user=user7"),
            ("emotion chart", f"{base}/emotions"),
        ]
        table = Table(["page", "p50 ms", "p95 ms", "status"])
        for name, path in pages:
            await c.get(path)  # warm
            prof = cProfile.Profile() if profile and profile in name else None
            if prof:
                prof.enable()
            p50, p95, status = await timed(c, path, runs)
            if prof:
                prof.disable()
                print(f"\nprofile of {name!r} ({runs} requests, server and client in this process)\n{profiled(prof)}")
            table.add(name, f"{p50:.1f}", f"{p95:.1f}", str(status))
        scope = MemoryFilter(tenant="default", cube=CUBE)
        for name, query, f, top_k in [
            ("search (engine only)", "what did they eat for dinner", scope, 25),
            ("search, user filter (engine only)", "what did they eat for dinner",
             MemoryFilter(tenant="default", cube=CUBE, user_id="user7"), 25),
            ("search, page 3 (engine only)", "weekend plans", scope, 75),
        ]:
            p50, p95, _ = await engine_timed(engine, query, f, top_k, runs)
            table.add(name, f"{p50:.1f}", f"{p95:.1f}", "-")
    print(f"\nconsole server time, one persona with {kept} memories ({runs} runs each, target < 300 ms)\n")
    print(table.render())
    await runner.cleanup()
    await services.close()
    await engine.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", help="cProfile the pages whose name contains this (e.g. search)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL store (postgresql+asyncpg://...)")
    parser.add_argument("--data-dir", type=Path, help="keep the data here and reuse a cube an earlier run filled")
    args = parser.parse_args()
    if args.data_dir:
        asyncio.run(main(args.memories, args.runs, args.data_dir, args.profile, args.database_url))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(main(args.memories, args.runs, Path(tmp), args.profile, args.database_url))
