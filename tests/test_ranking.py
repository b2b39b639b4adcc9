"""Result ordering: diversity lets a second conversation about the same thing into the top results, and
never drops or invents results; score fusion keeps the similarity order unless the words match."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import DEFAULT_MODEL_ID, EngineOptions
from memory.ranking import diversify, rrf_relevance, score_relevance
from memory.search import calibrate
from memory.types import MemoryFilter, MemoryInput, Scope

T, C = "t", "c"
LAKE = [("alice", "We went camping by the lake last weekend."),
        ("bob", "Camping by the lake sounds lovely! Did you camp near the water?"),
        ("alice", "Yes, we camped right by the lake, the camping spot was great."),
        ("bob", "I love camping trips by a lake.")]
MOUNTAINS = "My brother took his kids on their first camping trip in the mountains."


def _unit(v: list[float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)


def test_a_near_duplicate_waits_behind_a_different_result() -> None:
    vecs = np.stack([_unit([1, 0, 0]), _unit([1, 0.01, 0]), _unit([0, 1, 0])])
    scores = np.array([0.9, 0.89, 0.85])
    def same(cos: np.ndarray) -> np.ndarray:
        return np.clip(cos, 0.0, 1.0)

    order, values = diversify(scores, vecs, 0.1, 3, same)
    assert order == [0, 2, 1]
    assert values == sorted(values, reverse=True)  # rank_score still reads top-down
    assert diversify(scores, vecs, 0.0, 3, same)[0] == [0, 1, 2]  # off: plain score order
    assert diversify(scores, vecs, 0.1, 2, same)[0] == [0, 2]


def test_lexical_boost_shrinks_with_rank_and_rrf_is_unchanged() -> None:
    w = dict(dense_weight=1.0, lexical_weight=1.0, lexical_boost=0.2)
    assert score_relevance(0.6, None, **w) == 0.6
    assert score_relevance(0.6, 1, **w) > score_relevance(0.6, 2, **w) > score_relevance(0.6, 20, **w) > 0.6
    # a keyword match lifts a near-tie, not an unrelated memory over a close one
    assert score_relevance(0.55, 1, **w) > score_relevance(0.6, None, **w)
    assert score_relevance(0.3, 1, **w) < score_relevance(0.6, None, **w)
    assert rrf_relevance(1, 1, dense_weight=1.0, lexical_weight=1.0, k=60) == 1.0


def _turn(user: str, session: str, text: str) -> MemoryInput:
    return MemoryInput(scope=Scope(T, C, user, session), user_message=text)


async def test_diversity_lets_the_other_conversation_in(options: EngineOptions, embedder: Embedder) -> None:
    seed = await MemoryEngine.open(options, embedder)
    try:
        await seed.save_batch([_turn(user, "lake", text) for user, text in LAKE]
                              + [_turn("alice", "family", MOUNTAINS), _turn("bob", "family", "How old are they now?")])
    finally:
        await seed.close()
    ranked: dict[float, list[str]] = {}
    for penalty in (0.0, 0.1):
        engine = await MemoryEngine.open(replace(options, diversity=penalty), embedder)
        try:
            hits = await engine.search("camping", MemoryFilter(tenant=T, cube=C), top_k=6)
        finally:
            await engine.close()
        ranked[penalty] = [h.memory.user_message or "" for h in hits]
        assert [h.rank_score for h in hits] == sorted((h.rank_score for h in hits), reverse=True)
    assert sorted(ranked[0.0]) == sorted(ranked[0.1])  # the same memories, only reordered
    # the lakeside exchange no longer fills the top four: the mountain trip is among them
    assert MOUNTAINS not in ranked[0.0][:4] and MOUNTAINS in ranked[0.1][:4]
    assert ranked[0.1][0] == ranked[0.0][0]  # the best match stays first


def test_diversity_compares_in_the_calibrated_scale() -> None:
    # unrelated e5 pairs sit around cosine 0.8: they must count as barely similar, not as near-duplicates
    assert float(calibrate(0.80, DEFAULT_MODEL_ID)) < 0.45 and float(calibrate(0.99, DEFAULT_MODEL_ID)) == 1.0
