"""How search orders its candidates: fusing the dense and lexical signals, then diversifying.

Two fusions (`FUSION`):

- "score" (default): relevance = DENSE_WEIGHT * similarity + LEXICAL_WEIGHT * LEXICAL_BOOST / lexical_rank,
  where similarity is the calibrated 0..1 score (memory.search). Why: reciprocal rank fusion throws
  away how sure the dense side is. With RRF_K 60 the first and the tenth dense candidates differ by
  little, so a memory that only shares a few words with the query (lexical rank 1) outranked a clearly
  closer one. Here the lexical side is a boost: a strong keyword match (rank 1 adds 0.2, rank 2 0.1,
  rank 5 0.04 in similarity units) lifts a close candidate over near-ties but cannot carry an
  unrelated one far. Measured (docs/benchmarks.md "Retrieval quality"): LongMemEval, where exact names decide,
  keeps most of what lexical search finds; LoCoMo keeps dense search's order.
- "rrf": relevance = (DENSE_WEIGHT/(RRF_K + dense_rank) + LEXICAL_WEIGHT/(RRF_K + lexical_rank)) / best
  possible, as before.

Diversity (`DIVERSITY`, maximal marginal relevance): results are picked greedily, each one's
rank_score lowered by DIVERSITY times its similarity to the closest result already picked. Why: a turn
is embedded with the previous turn, so the turns of one exchange look alike and used to fill the top
results with one conversation; a small penalty leaves room for the other conversation that also
talks about it. The penalty only reorders: it never drops a memory that has no better replacement.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

FUSIONS = ("score", "rrf")


def candidates(top_k: int) -> int:
    """How many candidates each side (dense, lexical) brings. Measured on LoCoMo (bench/retrieval):
    15 per side for a top 10 finds the same sessions and turns as 20, 30 or 40 (10 lexical loses one
    question), and each candidate costs a row read and a ranking step."""
    return max(top_k + top_k // 2, 15)


def diversity_pool(top_k: int) -> int:
    """How many of the best-ranked candidates diversity reorders (20 for a top 10: as good as 30)."""
    return max(top_k * 2, 20)


def score_relevance(similarity: float, lexical_rank: int | None, *, dense_weight: float, lexical_weight: float,
                    lexical_boost: float) -> float:
    """Score fusion: the calibrated similarity plus a boost that shrinks with the lexical rank."""
    boost = lexical_boost / lexical_rank if lexical_rank is not None else 0.0
    return dense_weight * similarity + lexical_weight * boost


def rrf_relevance(dense_rank: int | None, lexical_rank: int | None, *, dense_weight: float, lexical_weight: float,
                  k: int) -> float:
    """Reciprocal rank fusion, scaled so a candidate first in both rankings scores 1."""
    rrf = 0.0
    if dense_rank is not None:
        rrf += dense_weight / (k + dense_rank)
    if lexical_rank is not None:
        rrf += lexical_weight / (k + lexical_rank)
    return rrf / (max(dense_weight + lexical_weight, 1e-9) / (k + 1))


def diversify(scores: np.ndarray, vectors: np.ndarray, penalty: float, k: int,
              similarity: Callable[[np.ndarray], np.ndarray]) -> tuple[list[int], list[float]]:
    """Greedy maximal marginal relevance over candidates (rows of `vectors`, unit length); `similarity`
    maps cosines to the calibrated score, so the penalty is in the same units as the scores.

    Returns the chosen row indices, best first, and each one's score after its penalty (these never
    increase down the list, so ordering by them is the returned order)."""
    m = len(scores)
    k = min(k, m)
    if m == 0 or k == 0:
        return [], []
    base = np.asarray(scores, dtype=np.float64)
    if penalty <= 0.0:
        order = np.argsort(-base, kind="stable")[:k]
        return order.tolist(), base[order].tolist()
    vecs = np.asarray(vectors, dtype=np.float32)
    near = similarity(vecs @ vecs.T).tolist()  # every pair once: one product instead of one per pick
    # the picks in plain floats (at ~20 candidates numpy's cost per call was most of the time), with
    # numpy's float64 operations in the same order: the same picks and values
    base_l: list[float] = base.tolist()
    closest = [0.0] * m  # calibrated similarity of each candidate to its nearest chosen result
    left = list(range(m))
    chosen: list[int] = []
    values: list[float] = []
    for _ in range(k):
        j, best = left[0], -math.inf
        for i in left:
            value = base_l[i] - penalty * closest[i]
            if value > best:
                j, best = i, value
        left.remove(j)
        chosen.append(j)
        values.append(base_l[j] - penalty * closest[j])
        row = near[j]
        for i in left:
            if row[i] > closest[i]:
                closest[i] = row[i]
    return chosen, values
