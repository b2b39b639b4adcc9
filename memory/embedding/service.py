"""Async face of an Embedder: prefixes, batching, and one worker thread so the event loop never blocks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from memory.embedding.base import Embedder
from memory.observe import NO_OBSERVER, Observer


class EmbeddingService:
    """One worker thread: the model already uses every core, more threads would only contend."""

    def __init__(self, embedder: Embedder, batch_size: int = 32) -> None:
        self.embedder = embedder
        self.batch_size = batch_size
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omoide-embed")
        self.observer: Observer = NO_OBSERVER  # set by MemoryEngine.watch
        self.closed = False

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def _encode_batched(self, texts: Sequence[str]) -> np.ndarray:
        parts = [self.embedder.encode(texts[i:i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return np.vstack(parts).astype(np.float32, copy=False) if parts else np.empty((0, self.dim), np.float32)

    async def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for texts to be stored."""
        prefixed = [self.embedder.passage_prefix + t for t in texts]
        with self.observer.embedding("passage", len(prefixed)):
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._encode_batched, prefixed)

    async def query(self, text: str) -> np.ndarray:
        """Vector for a search query."""
        with self.observer.embedding("query", 1):
            out = await asyncio.get_running_loop().run_in_executor(
                self._pool, self.embedder.encode, [self.embedder.query_prefix + text])
        return np.asarray(out[0], dtype=np.float32)

    def close(self) -> None:
        self.closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
