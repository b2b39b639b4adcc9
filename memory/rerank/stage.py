"""The rerank stage of a search: after fusion, a cross-encoder orders the best RERANK_CANDIDATES hits.

What a reranker changes: the order of the results and their `rank_score`, which becomes the reranker's
relevance (the logistic of its score, 0..1). `score` stays the calibrated similarity (memory.search),
so `min_similarity` and clients that show `score` as a similarity read the same numbers; with a
reranker, results are no longer sorted by it. A `top_k` above RERANK_CANDIDATES gets the remaining
hits after the reranked ones, in the fused order with their fused rank_score.

The reranker reads what the lexical index reads: a turn's speaker name and its words (not its
context), stored content as it is.

A reranker that takes longer than RERANK_TIMEOUT_MS or fails leaves the fused order: the search
still answers, with a warning in the log, the "rerank" phase's span marked as failed, and
`observer.fallback("rerank", "timeout" | "error")` (bot.telemetry counts them).
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import replace

from memory.observe import Observer
from memory.rerank.base import Reranker
from memory.turn_text import labelled_turn, speaker_label
from memory.types import Kind, Memory, SearchHit

log = logging.getLogger(__name__)


def rerank_text(memory: Memory) -> str:
    """The text the reranker judges: a turn with its speaker's name, stored content as it is."""
    if memory.kind != Kind.TURN:
        return memory.content
    return labelled_turn(memory.user_message, memory.ai_message,
                         speaker_label(memory.scope.user_id, memory.metadata))


def relevance(score: float) -> float:
    """A reranker's score (usually a logit) as 0..1."""
    return 0.5 * (1.0 + math.tanh(0.5 * score))  # the logistic function, without overflow


class RerankStage:
    def __init__(self, reranker: Reranker, candidates: int, timeout_ms: int) -> None:
        self.reranker = reranker
        self.candidates = candidates
        self.timeout = timeout_ms / 1000.0

    def pool(self, top_k: int) -> int:
        """How many fused hits a search asks for before reranking."""
        return max(top_k, self.candidates)

    async def apply(self, query: str, hits: list[SearchHit], top_k: int, observer: Observer) -> list[SearchHit]:
        """The hits reordered by the reranker, or in their fused order when it timed out or failed."""
        head = hits[:self.candidates]
        if not head:
            return hits
        try:
            with observer.phase("rerank"):
                scores = await asyncio.wait_for(
                    self.reranker.rerank(query, [rerank_text(h.memory) for h in head]), self.timeout)
                if len(scores) != len(head) or not all(math.isfinite(s) for s in scores):
                    raise ValueError(f"{len(scores)} scores for {len(head)} texts, or a score that is not finite")
        except TimeoutError:
            reason = "timeout"
            log.warning("reranker %s took over %d ms: results in the fused order", self.reranker.model_id,
                        round(self.timeout * 1000))
        except Exception as exc:  # a model error must not fail the search: it answers without reranking
            reason = "error"
            log.warning("reranker %s failed (%s: %s): results in the fused order", self.reranker.model_id,
                        type(exc).__name__, exc)
        else:
            order = sorted(range(len(head)), key=lambda i: -scores[i])  # stable: ties keep the fused order
            reranked = [replace(head[i], rank_score=relevance(scores[i])) for i in order]
            return (reranked + hits[len(head):])[:top_k]
        observer.fallback("rerank", reason)
        return hits[:top_k]
