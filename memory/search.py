"""Hybrid retrieval: dense (HNSW or exact numpy) + lexical (BM25: in-memory postings, or FTS5 for other
filters) candidates, fused (memory.ranking:
the similarity plus a lexical boost, or reciprocal rank), blended with recency and importance, then
diversified.

What the returned `score` means: the memory's cosine similarity to the query, rescaled for the model
so that it reads like a similarity a person would expect. e5 cosines are compressed (measured with the
packaged model: unrelated chat pairs 0.70-0.87, a question and the fact that answers it 0.82-0.86,
paraphrases 0.91-0.99), so for it score = clip((cosine - 0.68) / 0.30, 0, 1):

    score  < 0.4   unrelated
    score >= 0.5   probably related (the seeds' `min_similarity=0.5` keeps question -> fact matches)
    score >= 0.8   a paraphrase of the query
    score  = 1.0   the same text

Unrelated pairs can still reach about 0.6, so rank, do not threshold hard. Other models use the raw
cosine clipped to 0..1. The order of results is by `rank_score` (fusion + recency + importance, less
the diversity penalty).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import datetime

import numpy as np

from memory.db.fastread import FastReader
from memory.index import lexical
from memory.index.manager import IndexManager
from memory.index.postings import LexicalPostings
from memory.options import DEFAULT_MODEL_ID, EngineOptions
from memory.ranking import rrf_relevance, score_relevance
from memory.store.candidates import Candidate
from memory.text.tokenize import query_terms
from memory.types import MemoryFilter

# model id -> (cosine that reads as 0, cosine that reads as 1)
SIMILARITY_SCALES: dict[str, tuple[float, float]] = {DEFAULT_MODEL_ID: (0.68, 0.98)}


def calibrate(cosine: np.ndarray | float, model_id: str) -> np.ndarray:
    low, high = SIMILARITY_SCALES.get(model_id, (0.0, 1.0))
    return np.clip((np.asarray(cosine, dtype=np.float64) - low) / (high - low), 0.0, 1.0)


def calibrator(model_id: str) -> Callable[[float], float]:
    """`calibrate` for one value at a time, without numpy's per-call overhead (a search scores dozens)."""
    low, high = SIMILARITY_SCALES.get(model_id, (0.0, 1.0))

    def calibrate_one(cosine: float) -> float:
        return min(max((cosine - low) / (high - low), 0.0), 1.0)
    return calibrate_one


def narrows_cube(f: MemoryFilter) -> bool:
    return any(v is not None for v in (f.user_id, f.session_id, f.kind, f.tiers, f.tags, f.content_type,
                                        f.emotions, f.created_after, f.created_before, f.min_importance, f.ids))


class Retriever:
    """Finds candidate labels within one cube of a SQLite store (memory.store.sqlite), from its HNSW
    indexes, exact matrices, lexical postings and FTS5 table."""

    def __init__(self, options: EngineOptions, indexes: IndexManager, reader: FastReader) -> None:
        self.options = options
        self.indexes = indexes
        self.reader = reader

    async def labels(self, f: MemoryFilter, now: datetime, limit: int | None = None) -> np.ndarray:
        """Labels of the unexpired memories the filter selects."""
        return await self.reader.labels(f, now, limit)

    async def dense(self, f: MemoryFilter, now: datetime, qvec: np.ndarray, n: int) -> list[tuple[int, float]]:
        """Top-n (label, cosine) within the filter: exact for narrow scopes, HNSW for large ones."""
        assert f.tenant is not None and f.cube is not None
        state = self.indexes.get(f.tenant, f.cube)
        if state is None or state.index.alive == 0:
            return []
        index = state.index
        cap = self.options.exact_search_max
        if not narrows_cube(f) and index.alive > cap:
            # unexpired rows are checked when the rows are fetched; over-fetch for what that drops
            labels, sims = await asyncio.to_thread(index.knn, qvec, n + 16)
            return list(zip(labels.tolist(), sims.tolist(), strict=True))
        scope = await self.labels(f, now, limit=cap + 1)
        if len(scope) <= cap:
            await self.indexes.ensure_matrix(f.tenant, f.cube)
            labels, sims = await asyncio.to_thread(index.exact, qvec, scope, n)
            return list(zip(labels.tolist(), sims.tolist(), strict=True))
        # a large filtered scope: over-fetch from the whole cube and keep what passes the filter
        labels, sims = await asyncio.to_thread(index.knn, qvec, n * 4 + 32)
        found = dict(zip(labels.tolist(), sims.tolist(), strict=True))
        passing = await self.reader.passing(list(found), f, now)
        if len(passing) >= n or len(found) >= index.alive:
            return sorted(((x, found[x]) for x in passing), key=lambda p: -p[1])[:n]
        # the filter is too narrow for over-fetching: search HNSW restricted to the scope's labels
        scope = await self.labels(f, now)
        labels, sims = await asyncio.to_thread(index.knn, qvec, n, set(scope.tolist()))
        return list(zip(labels.tolist(), sims.tolist(), strict=True))

    async def dense_many(self, f: MemoryFilter, now: datetime, queries: np.ndarray, k: int
                         ) -> list[list[tuple[int, float]]]:
        """Top-k (label, cosine) for many query vectors in one scope: one SQL query and one matrix
        product (small scopes) or one batched HNSW query (large ones). Used by batch dedup."""
        assert f.tenant is not None and f.cube is not None
        state = self.indexes.get(f.tenant, f.cube)
        if state is None or state.index.alive == 0 or not len(queries):
            return [[] for _ in range(len(queries))]
        index = state.index
        cap = self.options.exact_search_max
        if index.matrix is not None:
            # the scope's labels and their vectors in one job on the reader's thread
            scope, found = await self.reader.labels_then(
                f, now, cap + 1, lambda s: (s, index.scope_vectors(s) if len(s) <= cap else None))
        else:
            scope, found = await self.labels(f, now, limit=cap + 1), None
        if len(scope) <= cap:
            if found is None:
                await self.indexes.ensure_matrix(f.tenant, f.cube)
                found = await asyncio.to_thread(index.scope_vectors, scope)
            labels, vecs = found
            if not len(labels):
                return [[] for _ in range(len(queries))]
            sims = queries @ vecs.T
            kk = min(k, len(labels))
            top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
            return [sorted(((int(labels[j]), float(row[j])) for j in idx), key=lambda p: -p[1])
                    for row, idx in zip(sims, top, strict=True)]
        found_labels, found_sims = await asyncio.to_thread(index.knn_many, queries, k * 4 + 16)
        flat = {int(x) for x in found_labels.reshape(-1).tolist() if x >= 0}
        passing = await self.reader.passing(list(flat), f, now)
        return [[(int(x), float(c)) for x, c in zip(row_l, row_c, strict=True) if int(x) in passing][:k]
                for row_l, row_c in zip(found_labels.tolist(), found_sims.tolist(), strict=True)]

    async def lexical(self, query: str, f: MemoryFilter, now: datetime, n: int) -> list[int]:
        """Top-n labels by BM25: from the cube's in-memory postings for a cube or one user of it,
        from FTS5 for other filters, across cubes, or while the postings are being built."""
        if f.tenant is not None and f.cube is not None and not lexical.narrower_than_scope(f):
            postings = self.indexes.postings(f.tenant, f.cube)
            if postings is not None:
                return await asyncio.to_thread(postings_search, postings, query, f, n)
        return await lexical.search(self.reader, query, f, now, n)

    async def fill_cosines(self, tenant: str, cube: str, qvec: np.ndarray, cands: dict[int, Candidate],
                           keep_vectors: bool = False) -> dict[int, np.ndarray]:
        """Lexical-only candidates still need a similarity: read their stored vectors from the index.
        With `keep_vectors` every candidate's vector is read and returned (diversity compares them)."""
        state = self.indexes.get(tenant, cube)
        wanted = list(cands) if keep_vectors else [c.label for c in cands.values() if math.isnan(c.cosine)]
        if not wanted or state is None:
            for label in [c.label for c in cands.values() if math.isnan(c.cosine)]:
                del cands[label]
            return {}
        labels, vecs = await asyncio.to_thread(state.index.scope_vectors, np.asarray(wanted, dtype=np.int64))
        for label, sim in zip(labels.tolist(), (vecs @ qvec).tolist(), strict=True):
            if math.isnan(cands[label].cosine):
                cands[label].cosine = float(sim)
        for label in [c.label for c in cands.values() if math.isnan(c.cosine)]:  # not indexed yet: no similarity
            del cands[label]
        return dict(zip(labels.tolist(), vecs, strict=True)) if keep_vectors else {}


def fuse(dense: list[tuple[int, float]], lexical_labels: list[int]) -> dict[int, Candidate]:
    """Both sides' candidates by label: dense ranks with their cosines, then lexical ranks (a
    lexical-only candidate's cosine is NaN until its stored vector is read). Both stores use it."""
    out: dict[int, Candidate] = {}
    for rank, (label, cos) in enumerate(dense, 1):
        out[label] = Candidate(label, cos, dense_rank=rank)
    for rank, label in enumerate(lexical_labels, 1):
        cand = out.get(label)
        if cand is None:
            out[label] = Candidate(label, math.nan, lexical_rank=rank)
        else:
            cand.lexical_rank = rank
    return out


def rank_scorer(o: EngineOptions) -> Callable[[Candidate, float, float, float], float]:
    """`score(candidate, similarity, importance, age_days)`: relevance (memory.ranking: score fusion or
    RRF) blended with recency and importance. The options are read once, not per candidate (a search
    scores ~26)."""
    rrf = o.fusion == "rrf"
    dense_weight, lexical_weight, lexical_boost, rrf_k = o.dense_weight, o.lexical_weight, o.lexical_boost, o.rrf_k
    recency_weight, importance_weight, half_life = o.recency_weight, o.importance_weight, o.recency_half_life_days
    w_rel = 1.0 - recency_weight - importance_weight

    def score(cand: Candidate, similarity: float, importance: float, age_days: float) -> float:
        if rrf:
            relevance = rrf_relevance(cand.dense_rank, cand.lexical_rank, dense_weight=dense_weight,
                                      lexical_weight=lexical_weight, k=rrf_k)
        else:
            relevance = score_relevance(similarity, cand.lexical_rank, dense_weight=dense_weight,
                                        lexical_weight=lexical_weight, lexical_boost=lexical_boost)
        recency: float = 0.5 ** (max(age_days, 0.0) / half_life)
        return w_rel * relevance + recency_weight * recency + importance_weight * importance
    return score


def postings_search(postings: LexicalPostings, query: str, f: MemoryFilter, n: int) -> list[int]:
    """Top-n labels for a query in one cube's postings, only the filter's user's when it names one."""
    assert f.tenant is not None and f.cube is not None
    user = None if f.user_id is None else lexical.user_token(f.tenant, f.cube, f.user_id)
    return postings.search(query_terms(query), user, n)
