"""The variants benchmark (bench.retrieval.variants) measures ideas against a copy of the engine's default
ranking (bench.retrieval.sim): that copy must rank as engine.search does, or its deltas mean nothing."""

from __future__ import annotations

from pathlib import Path

from bench.retrieval.data import Conversation, Dataset
from bench.retrieval.run import ask, ingest
from bench.retrieval.sim import VectorCache, build_scope
from bench.retrieval.variants import VARIANTS, Prepared, run_variant
from memory.embedding.base import Embedder
from memory.options import EngineOptions
from tests.test_bench_retrieval_http import QUESTIONS, TURNS, ranked_ids


async def test_the_copy_of_the_default_ranking_matches_the_engine(tmp_path: Path, embedder: Embedder) -> None:
    conv = Conversation("c1", TURNS, QUESTIONS)
    ds = Dataset("tiny", [conv])
    engine = ranked_ids(await ask(ds, await ingest(ds, EngineOptions(data_dir=tmp_path / "engine"), embedder),
                                  embedder))
    cache = VectorCache(embedder, tmp_path / "vectors.sqlite")
    prepared = [Prepared(build_scope(conv, cache), cache)]
    qvecs = dict(zip([q.id for q in QUESTIONS], cache.queries([q.text for q in QUESTIONS]), strict=True))
    assert ranked_ids(run_variant(prepared, qvecs, VARIANTS[0])) == engine
    # the ideas reorder the same memories: a second vector per turn adds no result of its own, and
    # diversity by session only reorders
    for variant in (v for v in VARIANTS if v.multi == "turn:1:1" or v.same_session):
        reordered = ranked_ids(run_variant(prepared, qvecs, variant))
        assert [sorted(r) for r in reordered] == [sorted(r) for r in engine]
