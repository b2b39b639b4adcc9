"""Livestream hook over real HTTP on 127.0.0.1: how long a reply takes and what a burst does.

`python -m bench.livestream [--burst 500] [--concurrency 50]` starts the API on a fresh store (built-in
responder, no language model) and prints two tables: (1) sequential chat events answered in the
request (reply latency: recall + emotion analysis), (2) a burst of events with every 10th one paid,
with the default answer rate and queue: how fast events are acknowledged, what was answered or
dropped, and how long the stream takes to answer everything it accepted.
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.table import Table  # noqa: E402

URL = "/api/livestream/cocoro"


def _ms(xs: list[float], q: float) -> str:
    return f"{sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000:.0f}"


def _event(i: int, paid: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"platform": "youtube", "viewer_id": f"v{i % 150}", "viewer_name": f"viewer{i % 150}",
                            "message": f"配信{i}回目のコメント、今日のゲーム楽しいね", "event_id": f"e{i}"}
    if paid:
        body.update(type="superchat", amount=500, currency="JPY")
    return body


async def main(burst: int, concurrency: int) -> None:
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
        key = (Path(tmp) / "admin.key").read_text().strip()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{runner.addresses[0][1]}", timeout=120,
                                     headers={"X-API-Key": key}) as c:
            lat = []
            for i in range(30):  # paid, so the answer rate does not apply: pure reply latency
                t0 = time.perf_counter()
                r = await c.post(f"{URL}/events", json=_event(10_000 + i, True))
                lat.append(time.perf_counter() - t0)
                assert r.json()["status"] == "answered", r.text
            one = Table(["sequential events", "n", "p50 ms", "p95 ms", "max ms"])
            one.add("superchat answered in the request", str(len(lat)), _ms(lat, 0.5), _ms(lat, 0.95), _ms(lat, 1.0))

            gate = asyncio.Semaphore(concurrency)
            acks: list[float] = []

            async def send(i: int) -> dict[str, Any]:
                async with gate:
                    t0 = time.perf_counter()
                    r = await c.post(f"{URL}/events", json=_event(i, i % 10 == 0))
                    acks.append(time.perf_counter() - t0)
                    assert r.status_code == 200, r.text
                    return r.json()

            before = (await c.get(f"{URL}/stats")).json()
            t0 = time.perf_counter()
            outs = await asyncio.gather(*(send(i) for i in range(burst)))
            acked = time.perf_counter() - t0
            while True:
                s = (await c.get(f"{URL}/stats")).json()
                if s["waiting_paid"] == 0 and s["waiting_chat"] == 0:
                    break
                await asyncio.sleep(0.1)
            done = time.perf_counter() - t0
            status = {k: sum(o["status"] == k for o in outs) for k in ("answered", "queued", "dropped", "failed")}
            answered = s["answered"] - before["answered"]
            two = Table(["burst", "events", "paid", "ack p50 ms", "ack p95 ms", "all acked s", "answered in req",
                         "queued", "dropped (rate/queue)", "all answered s", "replies/s"])
            two.add(f"{concurrency} clients", str(burst), str(sum(1 for i in range(burst) if i % 10 == 0)),
                    _ms(acks, 0.5), _ms(acks, 0.95), f"{acked:.1f}", str(status["answered"]), str(status["queued"]),
                    f"{s['dropped']['rate_limited']}/{s['dropped']['queue_full']}", f"{done:.1f}",
                    f"{answered / done:.1f}")
        print(f"CPU: {os.cpu_count()} cores; "
              f"LIVESTREAM_CHAT_REPLIES_PER_MINUTE={settings.livestream_chat_replies_per_minute}, "
              f"LIVESTREAM_QUEUE_SIZE={settings.livestream_queue_size}, "
              f"LIVESTREAM_REPLY_WAIT_SECONDS={settings.livestream_reply_wait_seconds}\n")
        print(one.render() + "\n")
        print(two.render())
        await runner.cleanup()
        await services.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.burst, args.concurrency))
