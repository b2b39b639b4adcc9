"""The same conversations ingested and asked through the HTTP APIs, as an external client would: a real app
(the bot's aiohttp application over the bench's engine, default settings) on 127.0.0.1, an aiohttp client.

- Memory Mesh: `POST /v1/messages/batch`, one message per dataset message (a user/assistant pair is two:
  role user with the speaker's `name` in metadata, then role assistant), the session as conversation_id,
  one tenant per dataset scope; asked with `GET /v1/memory/search`.
- EmotionMemCore: `POST /batch-save`, one turn per dataset turn (user_message + ai_message), the session as
  session_id, the speaker in metadata, one user per scope (`/search` searches one user's memories), one
  tenant per scope (X-Tenant-ID); asked with `POST /search`.

Neither API takes a timestamp, so memories are dated when saved (the default ranking has no recency term).
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import aiohttp
from aiohttp import web

from bench.retrieval.data import Dataset, Turn
from bench.retrieval.metrics import Outcome
from bench.retrieval.run import TOP_K, cube_of
from bot.api.app import create_app
from bot.services import Services
from config import load_settings
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions

Api = Literal["mesh", "emc"]
BATCH = 100  # messages or turns per request (both APIs take up to 1000)
BATCH_BYTES = 512 * 1024  # and well under the API's default body limit (API_MAX_BODY_BYTES, 1 MiB)
EMC_USER = "member"  # the user whose memories a scope's turns are: EmotionMemCore searches one user


@dataclass(slots=True)
class Client:
    session: aiohttp.ClientSession
    base: str

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.session.request(method, self.base + path, **kwargs) as r:
            body = await r.json()
            if r.status >= 300:
                raise RuntimeError(f"{method} {path}: {r.status} {body}")
            return body


@asynccontextmanager
async def running_app(data_dir: Path, embedder: Embedder) -> AsyncIterator[Client]:
    """The bot's API on 127.0.0.1 (port 0) over a fresh data dir, and a client with its admin key."""
    settings = load_settings(_env_file=None, data_dir=data_dir, api_rate_limit_per_minute=0, jobs_enabled=False)
    options = EngineOptions.from_settings(settings)
    if replace(options, data_dir=EngineOptions().data_dir) != EngineOptions():
        print("  note: the environment changes engine settings; the HTTP rows use them", flush=True)
    engine = await MemoryEngine.open(options, embedder)
    services = Services(settings=settings, engine=engine)
    runner = web.AppRunner(create_app(services, settings), access_log=None)
    with contextlib.redirect_stdout(io.StringIO()):  # the first-start admin key notice: not for the tables
        await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        key = (data_dir / "admin.key").read_text(encoding="utf-8").strip()
        headers = {"X-API-Key": key}
        async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=3600)) as session:
            yield Client(session, f"http://127.0.0.1:{runner.addresses[0][1]}")
    finally:
        await runner.cleanup()
        await services.close()
        await engine.close()


Item = tuple[Turn, dict[str, Any]]  # a dataset turn and the JSON body sent for it


def batches(items: list[Item]) -> Iterator[list[Item]]:
    """Consecutive runs of at most BATCH items and about BATCH_BYTES of JSON, as a client sends them."""
    run: list[Item] = []
    size = 0
    for item in items:
        n = len(json.dumps(item[1], ensure_ascii=False).encode())
        if run and (len(run) >= BATCH or size + n > BATCH_BYTES):
            yield run
            run, size = [], 0
        run.append(item)
        size += n
    if run:
        yield run


def _tenant(conversation_id: str) -> str:
    return cube_of(conversation_id)


def _saved_ids(count: int, ids: list[str], failed: list[dict[str, Any]], what: str) -> list[str | None]:
    """Each sent item's memory id (None where the API refused it), in the order sent."""
    refused = {f["index"] for f in failed}
    if refused:
        print(f"  {what}: the API refused {len(refused)} items, e.g. {failed[:2]}", flush=True)
    it = iter(ids)
    return [None if i in refused else next(it) for i in range(count)]


async def _mesh_ingest(client: Client, ds: Dataset, owners: dict[str, list[Turn]]) -> None:
    for conv in ds.conversations:
        messages: list[Item] = []
        for t in conv.turns:
            base = {"tenant_id": _tenant(conv.id), "conversation_id": t.session}
            if t.text.strip():
                messages.append((t, {**base, "role": "user", "content": t.text, "metadata": {"name": t.speaker}}))
            if t.reply and t.reply.strip():
                messages.append((t, {**base, "role": "assistant", "content": t.reply}))
        for chunk in batches(messages):
            out = await client.call("POST", "/v1/messages/batch", json={"messages": [m for _, m in chunk]})
            ids = _saved_ids(len(chunk), [m["id"] for m in out["created"]], out["failed"], conv.id)
            for (turn, _), mid in zip(chunk, ids, strict=True):
                if mid is not None and turn not in owners.setdefault(mid, []):
                    owners[mid].append(turn)


async def _emc_ingest(client: Client, ds: Dataset, owners: dict[str, list[Turn]]) -> None:
    for conv in ds.conversations:
        headers = {"X-Tenant-ID": _tenant(conv.id)}
        turns = [(t, {"user_message": t.text, "ai_message": t.reply, "user_id": EMC_USER, "session_id": t.session,
                      "metadata": {"speaker": t.speaker}}) for t in conv.turns if t.text.strip()]
        for pairs in batches(turns):
            chunk = [t for t, _ in pairs]
            out = await client.call("POST", "/batch-save", json=[b for _, b in pairs], headers=headers)
            for turn, mid in zip(chunk, _saved_ids(len(chunk), out["memory_ids"], out["failed_items"], conv.id),
                                 strict=True):
                if mid is not None:
                    owners.setdefault(mid, []).append(turn)


async def _ask(client: Client, api: Api, tenant: str, query: str) -> list[str]:
    if api == "mesh":
        out = await client.call("GET", "/v1/memory/search",
                                params={"tenant_id": tenant, "query": query, "top_k": str(TOP_K)})
        return [r["id"] for r in out["results"]]
    out = await client.call("POST", "/search", json={"query": query, "user_id": EMC_USER, "top_k": TOP_K},
                            headers={"X-Tenant-ID": tenant})
    return [r["memory_id"] for r in out["results"]]


async def through_http(ds: Dataset, api: Api, data_dir: Path, embedder: Embedder) -> tuple[list[Outcome], float, int]:
    """Every turn in and every question asked through one API; the outcomes, ingest seconds, memories."""
    owners: dict[str, list[Turn]] = {}
    async with running_app(data_dir, embedder) as client:
        started = time.perf_counter()
        await (_mesh_ingest if api == "mesh" else _emc_ingest)(client, ds, owners)
        seconds = time.perf_counter() - started
        outcomes: list[Outcome] = []
        for conv in ds.conversations:
            for q in conv.questions:
                t0 = time.perf_counter()
                ids = await _ask(client, api, _tenant(conv.id), q.text)
                outcomes.append(Outcome(q, [owners.get(i, []) for i in ids], time.perf_counter() - t0))
    return outcomes, seconds, len(owners)
