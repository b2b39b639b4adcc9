"""Candidate rows -> the hits a search returns: calibrated score, fusion + recency + importance, then
diversity. Memory objects are built only for the rows returned."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from memory.db.rows import row_to_memory
from memory.options import EngineOptions
from memory.ranking import diversify, diversity_pool
from memory.search import calibrate, calibrator, rank_scorer
from memory.store.candidates import Candidate
from memory.types import Memory, SearchHit

Scored = tuple[float, float, Candidate, Any]  # (rank score, calibrated score, candidate, row)


class HitRanker:
    def __init__(self, options: EngineOptions, model_id: str, dim: int) -> None:
        self.options = options
        self.model_id = model_id
        self.dim = dim
        self._score = rank_scorer(options)
        self._calibrate = calibrator(model_id)

    def rank(self, rows: Sequence[Any], found: dict[int, Candidate], vectors: dict[int, np.ndarray],
             now: datetime, top_k: int, min_similarity: float,
             memories: Callable[[Sequence[int]], dict[int, Memory]] | None = None) -> list[SearchHit]:
        """The hits in rank order; rows without a candidate or under `min_similarity` are left out. With
        `memories` the rows need only the columns ranking reads (label, importance, created_at) and the
        hits' Memory objects come from it (a row it no longer finds, deleted meanwhile, is left out)."""
        naive_now = now.replace(tzinfo=None)  # SQLite hands back naive UTC datetimes
        recency = self.options.recency_weight > 0.0
        scored: list[Scored] = []
        rank_score, calibrate_one = self._score, self._calibrate
        for r in rows:
            cand = found.get(r.label)
            if cand is None:
                continue
            score = calibrate_one(cand.cosine)
            if score >= min_similarity:
                age = 0.0
                if recency:  # reading a row's date costs a parse: only when recency counts
                    created = r.created_at
                    age = ((naive_now - created) if created.tzinfo is None else (now - created)).total_seconds()
                scored.append((rank_score(cand, score, r.importance, age / 86400.0), score, cand, r))
        scored.sort(key=lambda x: -x[0])
        if self.options.diversity > 0.0 and len(scored) > 1:
            scored = self._diversify(scored, vectors, top_k)
        top = scored[:top_k]
        if memories is None:
            return [SearchHit(row_to_memory(r), round(score, 4), round(cand.cosine, 4), rank,
                              cand.lexical_rank is not None) for rank, score, cand, r in top]
        whole = memories([x[3].label for x in top])
        return [SearchHit(whole[r.label], round(score, 4), round(cand.cosine, 4), rank, cand.lexical_rank is not None)
                for rank, score, cand, r in top if r.label in whole]

    def _diversify(self, scored: list[Scored], vectors: dict[int, np.ndarray], top_k: int) -> list[Scored]:
        """Pick hits by maximal marginal relevance (memory.ranking.diversify); rank_score becomes the
        penalised score, so the order still reads from it. A hit without a vector is not penalised."""
        pool = scored[:diversity_pool(top_k)]  # the best few: a small penalty only reorders near the top
        none = np.zeros(self.dim, np.float32)
        vecs = np.array([vectors.get(x[3].label, none) for x in pool])  # np.stack's checks cost 3x as much
        model = self.model_id
        chosen, values = diversify(np.array([x[0] for x in pool]), vecs, self.options.diversity, top_k,
                                   lambda cos: calibrate(cos, model))
        return [(value, *pool[i][1:]) for i, value in zip(chosen, values, strict=True)]
