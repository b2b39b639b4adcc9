"""Ingest a dataset through the engine's public API as the bot stores chat turns, then ask its questions.

One cube per conversation (tenant "bench"), the speaker as user_id, the session as session_id and the
session's date as created_at; turns go in with save_batch in conversation order. A near-duplicate turn
is merged into an earlier memory by the engine, so a memory can own several dataset turns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bench.retrieval.data import Dataset, Turn
from bench.retrieval.metrics import Outcome
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions
from memory.types import MemoryFilter, MemoryInput, Scope

TENANT = "bench"
BATCH = 256
TOP_K = 10


@dataclass(slots=True)
class Ingested:
    """A data dir holding a dataset, and which dataset turns each memory id owns."""

    data_dir: Path
    options: EngineOptions
    owners: dict[str, list[Turn]]
    seconds: float
    memories: int


def cube_of(conversation_id: str) -> str:
    return "conv_" + "".join(ch if ch.isalnum() else "_" for ch in conversation_id)


async def ingest(ds: Dataset, options: EngineOptions, embedder: Embedder) -> Ingested:
    owners: dict[str, list[Turn]] = {}
    started = time.perf_counter()
    engine = await MemoryEngine.open(options, embedder)
    try:
        for conv in ds.conversations:
            cube = cube_of(conv.id)
            for start in range(0, len(conv.turns), BATCH):
                chunk = conv.turns[start:start + BATCH]
                items = [MemoryInput(scope=Scope(TENANT, cube, t.speaker, t.session), user_message=t.text,
                                     ai_message=t.reply, created_at=t.created_at) for t in chunk]
                result = await engine.save_batch(items)
                if result.failed:
                    raise RuntimeError(f"{conv.id}: the engine refused turns: {result.failed[:3]}")
                for turn, saved in zip(chunk, result.saved, strict=True):
                    owners.setdefault(saved.memory.id, []).append(turn)
    finally:
        await engine.close()
    return Ingested(options.data_dir, options, owners, time.perf_counter() - started, len(owners))


async def ask(ds: Dataset, ing: Ingested, embedder: Embedder, rewrite: Callable[[str], str] | None = None,
              **search_options: float | str) -> list[Outcome]:
    """Every question through engine.search with the given search options (fusion weights...)."""
    engine = await MemoryEngine.open(replace(ing.options, **search_options), embedder)
    outcomes: list[Outcome] = []
    try:
        for conv in ds.conversations:
            scope = MemoryFilter(tenant=TENANT, cube=cube_of(conv.id))
            # a running bot builds a cube's in-memory lexical postings on its first search there
            await engine.storage.warm(TENANT, cube_of(conv.id))
            for q in conv.questions:
                query = rewrite(q.text) if rewrite else q.text
                started = time.perf_counter()
                hits = await engine.search(query, scope, top_k=TOP_K)
                seconds = time.perf_counter() - started
                outcomes.append(Outcome(q, [ing.owners.get(h.memory.id, []) for h in hits], seconds))
    finally:
        await engine.close()
    return outcomes
