"""Omoide through its public engine API, as the bot stores chat turns (bench.retrieval.run's scopes).

"omoide" embeds its own texts with the packaged model; each search is timed right after the raw model
embeds the same query, so the pair gives "search minus its own query embedding". "omoide-vectors" gets
the staged vectors through `MemoryInput.embedding` and each query's through `search(embedding=...)`, as
the peers get `query_embeddings`, beside an embedder that refuses anything not staged (the real model is
loaded beside it only when asked, so the scale phase's RSS includes it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.peers.systems.base import Found, Rows
from bench.retrieval.run import TENANT
from memory.embedding.base import Embedder
from memory.embedding.factory import create_embedder
from memory.engine import MemoryEngine
from memory.options import DEFAULT_MODEL_ID, EngineOptions
from memory.types import MemoryFilter, MemoryInput, Scope


class StagedEmbedder:
    """The Embedder interface over staged query vectors; anything else goes to the real model if loaded."""

    def __init__(self, real: Embedder | None, dim: int, query_prefix: str) -> None:
        self.real = real
        self.model_id = real.model_id if real else DEFAULT_MODEL_ID
        self.dim = dim
        self.query_prefix = query_prefix
        self.passage_prefix = real.passage_prefix if real else "passage: "
        self.staged: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if all(t in self.staged for t in texts):
            return np.vstack([self.staged[t] for t in texts])
        if self.real is None:
            raise RuntimeError(f"no staged vector for {texts[0][:60]!r} and no model loaded")
        return self.real.encode(texts)


class Omoide:
    def __init__(self, name: str, work: Path, options: dict[str, Any]) -> None:
        self.loop = asyncio.new_event_loop()
        self.given = name == "omoide-vectors"
        real = None
        if not self.given or options.get("load_model"):
            real = create_embedder(DEFAULT_MODEL_ID, "fastembed", Path(options["model_dir"]))
        self.real = real
        self.staged = StagedEmbedder(real, int(options["dim"]), str(options["query_prefix"])) if self.given else None
        embedder: Embedder = self.staged or real  # type: ignore[assignment]
        self.engine = self.loop.run_until_complete(MemoryEngine.open(EngineOptions(data_dir=work / "omoide"), embedder))
        self.owners: dict[str, list[str]] = {}

    def _save(self, items: list[MemoryInput], ids: list[str]) -> None:
        result = self.loop.run_until_complete(self.engine.save_batch(items))
        if result.failed:
            raise RuntimeError(f"the engine refused items: {result.failed[:3]}")
        for turn_id, saved in zip(ids, result.saved, strict=True):
            self.owners.setdefault(saved.memory.id, []).append(turn_id)

    def add(self, cube: str, rows: Rows) -> None:
        created = rows.created or [None] * len(rows.ids)
        self._save([MemoryInput(scope=Scope(TENANT, cube, speaker, session), user_message=text,
                                created_at=datetime.fromisoformat(when) if when else None,
                                embedding=vec if self.given else None)
                    for vec, text, speaker, session, when in zip(rows.vectors, rows.texts, rows.speakers, rows.sessions,
                                                                 created, strict=True)], rows.ids)

    def fill(self, cube: str, rows: Rows) -> None:
        """Stored content with its vector, emotions and summary given: index and storage only."""
        rows_in = zip(rows.vectors, rows.labelled(), rows.speakers, strict=True)
        self._save([MemoryInput(scope=Scope(TENANT, cube, speaker), content=text, embedding=vec, emotions=[],
                                summary="") for vec, text, speaker in rows_in], rows.ids)

    def prepare(self, cube: str) -> None:
        # a running bot builds a cube's in-memory lexical postings on its first search there
        self.loop.run_until_complete(self.engine.storage.warm(TENANT, cube))

    def _raw_embed_ms(self, text: str) -> float:
        """The raw model's embedding of a query, timed (the pair's baseline)."""
        assert self.real is not None
        started = time.perf_counter()
        self.real.encode([self.real.query_prefix + text])
        return (time.perf_counter() - started) * 1000

    def _timed_search(self, cube: str, text: str, k: int, vector: np.ndarray | None = None
                      ) -> tuple[list[list[str]], float]:
        async def run() -> tuple[list[list[str]], float]:
            started = time.perf_counter()
            hits = await self.engine.search(text, MemoryFilter(tenant=TENANT, cube=cube), top_k=k, embedding=vector)
            ms = (time.perf_counter() - started) * 1000
            return [self.owners.get(h.memory.id, []) for h in hits], ms

        return self.loop.run_until_complete(run())

    def search(self, cube: str, vector: np.ndarray, text: str, k: int) -> Found:
        if self.staged is not None:
            hits, ms = self._timed_search(cube, text, k, vector)
            return Found(hits, ms, None)
        embed_ms = self._raw_embed_ms(text) if self.real is not None else None
        hits, ms = self._timed_search(cube, text, k)
        return Found(hits, ms, embed_ms)

    def search_own(self, cube: str, text: str, k: int) -> Found | None:
        """The same search with the query embedded by the loaded model (no staged vector), timed right
        after the raw model embeds the same query: the pair gives "search minus its own query
        embedding" at scale, where Omoide as itself cannot be filled (embedding 100k texts takes hours)."""
        if self.staged is None or self.real is None:
            return None
        self.staged.staged = {}
        embed_ms = self._raw_embed_ms(text)
        _, ms = self._timed_search(cube, text, k)
        return Found([], ms, embed_ms)

    def close(self) -> None:
        self.loop.run_until_complete(self.engine.close())
        self.loop.close()


def create(name: str, work: Path, options: dict[str, Any]) -> Omoide:
    return Omoide(name, work, options)
