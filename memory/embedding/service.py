"""Async face of an Embedder: prefixes, batching, and one worker thread so the event loop never blocks."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from memory.embedding.base import Embedder
from memory.observe import NO_OBSERVER, Observer


class EmbeddingService:
    """One worker thread: the model already uses every core, more threads would only contend.
    `query_now` embeds a query on the caller's thread instead (a store's reader runs it in the same
    job as the search that follows, saving a thread hop); the lock keeps model calls one at a time."""

    def __init__(self, embedder: Embedder, batch_size: int = 32) -> None:
        self.embedder = embedder
        self.batch_size = batch_size
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omoide-embed")
        self.observer: Observer = NO_OBSERVER  # set by MemoryEngine.watch
        self.closed = False
        self._model_lock = threading.Lock()
        self._queued = 0  # jobs handed to the worker thread and not finished

    @property
    def idle(self) -> bool:
        """No job is queued or running on the worker thread (a `query_now` would not wait for one)."""
        return self._queued == 0

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._model_lock:
            return self.embedder.encode(texts)

    def _encode_batched(self, texts: Sequence[str]) -> np.ndarray:
        parts = [self._encode(texts[i:i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return np.vstack(parts).astype(np.float32, copy=False) if parts else np.empty((0, self.dim), np.float32)

    async def _on_worker(self, fn: Callable[[Sequence[str]], np.ndarray], texts: Sequence[str]) -> np.ndarray:
        self._queued += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn, texts)
        finally:
            self._queued -= 1

    async def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for texts to be stored."""
        prefixed = [self.embedder.passage_prefix + t for t in texts]
        with self.observer.embedding("passage", len(prefixed)):
            return await self._on_worker(self._encode_batched, prefixed)

    async def query(self, text: str) -> np.ndarray:
        """Vector for a search query."""
        with self.observer.embedding("query", 1):
            out = await self._on_worker(self._encode, [self.embedder.query_prefix + text])
        return np.asarray(out[0], dtype=np.float32)

    def query_now(self, text: str) -> np.ndarray:
        """`query` on the calling thread (blocking: never on the event loop's)."""
        with self.observer.embedding("query", 1):
            out = self._encode([self.embedder.query_prefix + text])
        return np.asarray(out[0], dtype=np.float32)

    def close(self) -> None:
        self.closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
