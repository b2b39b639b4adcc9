"""Side API latency over real HTTP on 127.0.0.1: what a client of each family waits, per request.

`python -m bench.api [--n 200] [--concurrency 8]` seeds a fresh store through /batch-save, then times
each route (sequential and with concurrent clients) and prints a table. Nothing leaves the machine.
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any

import httpx  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.table import Table  # noqa: E402

Call = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


def _ms(xs: list[float], q: float) -> str:
    return f"{sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000:.1f}"


async def _time(client: httpx.AsyncClient, call: Call, n: int, concurrency: int) -> tuple[list[float], float, int]:
    lat: list[float] = []
    errors = 0
    counter = iter(range(n))

    async def worker() -> None:
        nonlocal errors
        for i in counter:
            t0 = time.perf_counter()
            r = await call(client, i)
            lat.append(time.perf_counter() - t0)
            errors += r.status_code >= 400
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return lat, time.perf_counter() - t0, errors


async def main(n: int, concurrency: int) -> None:
    from bot.api.app import create_app
    from bot.services import Services
    from config import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), api_rate_limit_per_minute=0)
        services = await Services.start(settings)
        runner = web.AppRunner(create_app(services, settings), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        key = (Path(tmp) / "admin.key").read_text().strip()
        headers = {"X-API-Key": key, "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as c:
            topics = ["映画", "ゲーム", "ラーメン", "旅行", "音楽", "猫", "仕事", "天気"]
            seed = [{"user_message": f"{topics[i % 8]}の話をしよう、その{i}回目。"
                                     f"昨日は{topics[(i * 3) % 8]}も楽しかった",
                     "ai_message": "いいですね！", "user_id": f"user{i % 20}"} for i in range(500)]
            t0 = time.perf_counter()
            for i in range(0, len(seed), 100):
                assert (await c.post("/batch-save", json=seed[i:i + 100])).json()["successful_saves"] == 100
            seeded = time.perf_counter() - t0
            auth = await _mesh_token(c)
            sid = (await c.post("/api/memory/sessions", json={"user_id": "bench"})).json()["session_id"]
            calls: list[tuple[str, Call]] = [
                ("GET /health/", lambda cl, i: cl.get("/health/")),
                ("401 (unknown key)", lambda cl, i: cl.get("/v1/tools", headers={"X-API-Key": "omo_nope"})),
                ("POST /save", lambda cl, i: cl.post("/save", json={
                    "user_message": f"ベンチ{i}: 今日は{topics[i % 8]}の日", "ai_message": "なるほど",
                    "user_id": f"b{i % 5}"})),
                ("POST /search", lambda cl, i: cl.post("/search", json={"query": f"{topics[i % 8]}の思い出",
                                                                         "user_id": f"user{i % 20}", "top_k": 5})),
                ("GET /memories", lambda cl, i: cl.get("/memories", params={"user_id": f"user{i % 20}", "limit": 10})),
                ("POST /v1/tools/memory_search", lambda cl, i: cl.post("/v1/tools/memory_search",
                                                                       json={"query": topics[i % 8], "top_k": 5})),
                ("GET /v1/memory/search (JWT)", lambda cl, i: cl.get(
                    "/v1/memory/search", params={"tenant_id": "bench-app", "query": topics[i % 8]},
                    headers={"Authorization": f"Bearer {auth}", "X-API-Key": ""})),
                ("POST /api/memory/resonances", lambda cl, i: cl.post("/api/memory/resonances", json={
                    "session_id": sid, "state": "exploring", "intensity": (i % 10) / 10, "agents": ["yuno"]})),
                ("GET /api/memory/sessions/{id}", lambda cl, i: cl.get(f"/api/memory/sessions/{sid}")),
            ]
            table = Table(["route", "clients", "p50 ms", "p95 ms", "p99 ms", "req/s", "errors"])
            for name, call in calls:
                for conc in (1, concurrency):
                    lat, wall, errors = await _time(c, call, n, conc)
                    table.add(name, str(conc), _ms(lat, 0.5), _ms(lat, 0.95), _ms(lat, 0.99),
                              f"{len(lat) / wall:.0f}", str(errors))
        print(f"seeded 500 turns through /batch-save in {seeded:.1f} s ({500 / seeded:.0f}/s); "
              f"{n} requests per row, CPU: {os.cpu_count()} cores\n")
        print(table.render())
        await runner.cleanup()
        await services.close()


async def _mesh_token(c: httpx.AsyncClient) -> str:
    await c.post("/v1/auth/register", json={"email": "b@e.nc", "username": "bench", "password": "SecurePass123"})
    login = await c.post("/v1/auth/login", json={"email": "b@e.nc", "password": "SecurePass123"})
    token = login.json()["access_token"]
    h: dict[str, Any] = {"Authorization": f"Bearer {token}", "X-API-Key": ""}
    msgs = [{"tenant_id": "bench-app", "conversation_id": f"c{i % 10}", "role": "user", "content": f"メッセージ{i}"}
            for i in range(100)]
    assert (await c.post("/v1/messages/batch", json={"messages": msgs}, headers=h)).status_code == 201
    return token


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.concurrency))
