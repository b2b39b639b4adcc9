"""Build the reranker RERANK_MODEL names, or none when it is empty (the default: nothing loads)."""

from __future__ import annotations

from memory.errors import RerankerUnavailableError
from memory.options import EngineOptions
from memory.rerank.base import Reranker


def create_reranker(options: EngineOptions) -> Reranker | None:
    """Blocking (it loads a model). A model that cannot load stops the start with an error naming
    RERANK_MODEL: whoever set it asked for reranked results, so searching silently without would hide
    the mistake (a reranker that fails later, on one search, falls back instead: memory.rerank.stage)."""
    if not options.rerank_model:
        return None
    from memory.rerank.fastembed_reranker import FastEmbedReranker

    try:
        return FastEmbedReranker(options.rerank_model, cache_dir=options.model_dir, threads=options.embedding_threads)
    except Exception as exc:
        raise RerankerUnavailableError(
            f"RERANK_MODEL={options.rerank_model!r} could not be loaded ({type(exc).__name__}: {exc}). Give a "
            "directory holding an exported cross-encoder (model.onnx, tokenizer.json, tokenizer_config.json) or a "
            "fastembed reranker name (downloaded once: needs internet the first time), or leave RERANK_MODEL empty "
            "to search without reranking.", field="rerank_model") from exc
