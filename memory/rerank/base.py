"""The small interface a reranker implements (as Graphiti's cross-encoder providers do): a local model
or a remote service, the engine only awaits scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Reranker(Protocol):
    """Scores how well each text answers the query; higher is better, any scale (a logit is fine).

    `rerank` must not block the event loop (a local model runs on a worker thread). It may be cancelled
    when it takes too long (RERANK_TIMEOUT_MS): the search then keeps the fused order.
    """

    model_id: str

    async def rerank(self, query: str, texts: Sequence[str]) -> list[float]:
        """One score per text, in the order given."""
        ...

    def close(self) -> None:
        """Release the model and its thread (the engine calls it when it closes)."""
        ...
