"""A local cross-encoder on fastembed's TextCrossEncoder (ONNX Runtime), off the event loop.

RERANK_MODEL is either a directory holding an exported cross-encoder (`model.onnx` or `onnx/model.onnx`,
with `tokenizer.json`, `tokenizer_config.json` and `special_tokens_map.json`: what a Hugging Face ONNX
export or a clone of the model's repository has), registered with fastembed as a custom model and
loaded from that path without a network; or a fastembed reranker name (e.g.
`jinaai/jina-reranker-v2-base-multilingual`), downloaded once into DATA_DIR/models/fastembed.
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # as for the embedder: faster on small hosts

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastembed.rerank.cross_encoder import TextCrossEncoder

_register_lock = threading.Lock()
LOCAL_PREFIX = "local:"  # the name a directory's model is registered under with fastembed


def model_file_in(directory: Path) -> str | None:
    """The ONNX file of an exported cross-encoder, relative to its directory (None: there is none)."""
    for name in ("model.onnx", "onnx/model.onnx"):
        if (directory / name).is_file():
            return name
    return None


def _register_local(directory: Path, model_file: str) -> str:
    """Register a directory's model with fastembed once per process (a second add raises) and return
    its name."""
    from fastembed.common.model_description import ModelSource
    from fastembed.rerank.cross_encoder import TextCrossEncoder

    name = LOCAL_PREFIX + directory.resolve().as_posix()
    with _register_lock:
        if name.lower() not in {m["model"].lower() for m in TextCrossEncoder.list_supported_models()}:
            TextCrossEncoder.add_custom_model(name, sources=ModelSource(hf=name),  # never fetched: a path
                                              model_file=model_file, description="RERANK_MODEL directory")
    return name


class FastEmbedReranker:
    """Implements `memory.rerank.base.Reranker`. One worker thread: the model uses every core it is
    given (`threads`), a second call would only contend. `batch_size` pairs per model call: 8 measured
    cheaper than 1 (call overhead) and than 20 (padding) for 20 candidates (bench.rerank)."""

    def __init__(self, model: str, *, cache_dir: Path | str, threads: int | None = None,
                 batch_size: int = 8) -> None:
        from fastembed.rerank.cross_encoder import TextCrossEncoder

        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.model_id = model
        self.batch_size = batch_size
        directory = Path(model).expanduser()
        if directory.is_dir():
            model_file = model_file_in(directory)
            if model_file is None:
                raise FileNotFoundError(f"{directory} holds no model.onnx (nor onnx/model.onnx)")
            self._model: TextCrossEncoder = TextCrossEncoder(
                _register_local(directory, model_file), cache_dir=str(Path(cache_dir) / "fastembed"), threads=threads,
                specific_model_path=str(directory))
        else:  # a fastembed reranker name: downloaded once, then read from the cache
            self._model = TextCrossEncoder(model, cache_dir=str(Path(cache_dir) / "fastembed"), threads=threads)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omoide-rerank")

    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        """Blocking: the model's score of each (query, text) pair, in the order given.

        A batch is padded to its longest pair, so texts go to the model shortest first (UTF-8 bytes
        stand in for tokens) and the scores are put back in the caller's order."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i].encode("utf-8")))
        out = [0.0] * len(texts)
        found = self._model.rerank(query, [texts[i] for i in order], batch_size=self.batch_size)
        for i, score in zip(order, found, strict=True):
            out[i] = float(score)
        return out

    async def rerank(self, query: str, texts: Sequence[str]) -> list[float]:
        # a call cancelled while it waits for the worker never runs (asyncio cancels the queued job)
        return await asyncio.get_running_loop().run_in_executor(self._pool, self.scores, query, list(texts))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
