"""The optional reranking stage (RERANK_MODEL): a real cross-encoder ONNX built by the test, loaded
through fastembed from a directory, applied after fusion; timeouts and errors keep the fused order."""

from __future__ import annotations

import asyncio
import io
import logging
import math
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from prometheus_client import REGISTRY

from bench.rerank_model import tiny_cross_encoder
from bot.doctor import Report, check_rerank
from bot.telemetry.observer import ENGINE_OBSERVER
from config import Settings
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.errors import RerankerUnavailableError
from memory.options import EngineOptions
from memory.rerank.fastembed_reranker import FastEmbedReranker
from memory.types import MemoryFilter, Scope
from tests.botproc import ROOT, bot_command, bot_env
from tests.rerank_models import FRUIT_WEIGHTS, failing_cross_encoder

SCOPE = Scope(tenant="t", cube="c", user_id="mika")
QUERY = "which fruit did Mika buy at the market?"
DOCS = [f"Mika bought some {fruit} at the market on Sunday" for fruit in FRUIT_WEIGHTS]


@pytest.fixture(scope="module")
def fruit_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_cross_encoder(tmp_path_factory.mktemp("rerank") / "fruit", FRUIT_WEIGHTS)


def _fallbacks(reason: str) -> float:
    return REGISTRY.get_sample_value("omoide_engine_fallbacks_total", {"stage": "rerank", "reason": reason}) or 0.0


async def _fused_then(options: EngineOptions, embedder: Embedder, **reranking: object
                      ) -> tuple[list[str], list[str], list[tuple[float, float]]]:
    """Save DOCS, search without a reranker, then with one (`reranking`: open()'s reranker or options):
    both orders of contents, and each reranked hit's (score, rank_score)."""
    async with await MemoryEngine.open(options, embedder) as plain:
        for doc in DOCS:
            await plain.store(SCOPE, doc)
        fused = [h.memory.content for h in await plain.search(QUERY, MemoryFilter(tenant="t", cube="c"), top_k=6)]
    reranker = reranking.pop("reranker", None)
    opts = EngineOptions(**{**{f: getattr(options, f) for f in options.__dataclass_fields__}, **reranking})
    async with await MemoryEngine.open(opts, embedder, reranker=reranker) as eng:  # type: ignore[arg-type]
        eng.watch(ENGINE_OBSERVER)
        hits = await eng.search(QUERY, MemoryFilter(tenant="t", cube="c"), top_k=6)
    return fused, [h.memory.content for h in hits], [(h.score, h.rank_score) for h in hits]


async def test_rerank_model_orders_results_and_score_stays_the_similarity(
        options: EngineOptions, embedder: Embedder, fruit_model: Path) -> None:
    by_weight = sorted(DOCS, key=lambda d: -FRUIT_WEIGHTS[d.split()[3]])
    fused, reranked, scores = await _fused_then(options, embedder, rerank_model=str(fruit_model))
    assert fused != by_weight  # the reranker has something to change
    assert reranked == by_weight
    # rank_score is the reranker's relevance (logistic of its logit, the fruit's weight +-0.05)
    for doc, (score, rank_score) in zip(reranked, scores, strict=True):
        assert abs(rank_score - 1 / (1 + math.exp(-FRUIT_WEIGHTS[doc.split()[3]]))) < 0.02
        assert 0.0 < score <= 1.0  # still the calibrated similarity
    assert [s for _, s in scores] == sorted((s for _, s in scores), reverse=True)


async def test_more_candidates_than_the_batch_size_keep_their_scores(fruit_model: Path, tmp_path: Path) -> None:
    texts = [f"{fruit} {i}" for i in range(3) for fruit in FRUIT_WEIGHTS] + ["nothing known"]
    reranker = FastEmbedReranker(str(fruit_model), cache_dir=tmp_path, batch_size=4)  # 19 texts: 5 model calls
    try:
        scores = await reranker.rerank("a query", texts)
    finally:
        reranker.close()
    expected = [FRUIT_WEIGHTS.get(t.split()[0], 0.0) for t in texts]
    assert len(scores) == len(texts)
    assert all(abs(s - e) < 0.05 for s, e in zip(scores, expected, strict=True))


class StalledReranker:
    """A reranker that never answers, as a remote one can (the stage's timeout is what is tested)."""

    model_id = "stalled"

    def __init__(self) -> None:
        self.cancelled = False

    async def rerank(self, query: str, texts: Sequence[str]) -> list[float]:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return []

    def close(self) -> None:
        pass


async def test_a_reranker_that_times_out_leaves_the_fused_order(
        options: EngineOptions, embedder: Embedder, caplog: pytest.LogCaptureFixture,
        spans: InMemorySpanExporter) -> None:
    before = _fallbacks("timeout")
    stalled = StalledReranker()
    with caplog.at_level(logging.WARNING, "memory.rerank.stage"):
        fused, reranked, _ = await _fused_then(options, embedder, reranker=stalled, rerank_timeout_ms=50)
    assert reranked == fused and stalled.cancelled
    assert _fallbacks("timeout") == before + 1
    assert any("stalled took over 50 ms" in r.getMessage() for r in caplog.records)
    rerank_span = next(s for s in spans.get_finished_spans() if s.name == "rerank")
    assert rerank_span.status.status_code == StatusCode.ERROR
    search = next(s for s in spans.get_finished_spans() if s.name == "search")  # the fallback is on the search
    assert rerank_span.parent is not None and rerank_span.parent.span_id == search.context.span_id
    assert [(e.name, dict(e.attributes or {})) for e in search.events] == [
        ("omoide.fallback", {"omoide.stage": "rerank", "omoide.reason": "timeout"})]


async def test_a_model_that_fails_on_a_search_leaves_the_fused_order(
        options: EngineOptions, embedder: Embedder, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    before = _fallbacks("error")
    broken = failing_cross_encoder(tmp_path / "broken")  # loads, then fails on every call
    with caplog.at_level(logging.WARNING, "memory.rerank.stage"):
        fused, reranked, _ = await _fused_then(options, embedder, rerank_model=str(broken))
    assert reranked == fused
    assert _fallbacks("error") == before + 1
    assert any("failed" in r.getMessage() and str(broken) in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("what", ["missing", "empty dir", "unknown name"])
async def test_a_rerank_model_that_cannot_load_stops_the_engine_naming_the_setting(
        options: EngineOptions, embedder: Embedder, tmp_path: Path, what: str) -> None:
    (tmp_path / "empty").mkdir()
    model = {"missing": str(tmp_path / "nowhere"), "empty dir": str(tmp_path / "empty"),
             "unknown name": "nobody/no-such-reranker"}[what]
    opts = EngineOptions(data_dir=options.data_dir, database_url=options.database_url, rerank_model=model)
    with pytest.raises(RerankerUnavailableError) as err:
        await MemoryEngine.open(opts, embedder)
    assert err.value.message.startswith(f"RERANK_MODEL={model!r} could not be loaded")


def test_the_bot_refuses_to_start_with_a_rerank_model_it_cannot_load(tmp_path: Path) -> None:
    done = subprocess.run(bot_command("api"), cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=bot_env(tmp_path / "data", RERANK_MODEL=str(tmp_path / "nowhere")))
    assert done.returncode == 2
    assert "RERANK_MODEL=" in done.stderr and "could not be loaded" in done.stderr



def _doctor_on(model: Path, tmp_path: Path) -> tuple[list[str], int]:
    out = io.StringIO()
    report = Report(out)
    check_rerank(Settings(_env_file=None, data_dir=tmp_path / "data", rerank_model=str(model)),  # type: ignore[call-arg]
                 report)
    return out.getvalue().splitlines(), report.problems


def test_doctor_says_the_rerank_model_loads(fruit_model: Path, tmp_path: Path) -> None:
    lines, problems = _doctor_on(fruit_model, tmp_path)
    assert len(lines) == 1 and problems == 0
    assert lines[0].startswith(f"✔ RERANK_MODEL={str(fruit_model)!r} loads and scores (")


@pytest.mark.parametrize("what", ["missing", "fails to score"])
def test_doctor_names_rerank_model_and_the_fix_when_it_does_not_load(tmp_path: Path, what: str) -> None:
    model = tmp_path / "nowhere" if what == "missing" else failing_cross_encoder(tmp_path / "bad")
    lines, problems = _doctor_on(model, tmp_path)
    said = {"missing": "does not load (no such directory, and not a fastembed reranker name)",
            "fails to score": "loads but fails to score a pair ("}[what]
    assert problems == 1 and len(lines) == 2
    assert lines[0].startswith(f"✘ RERANK_MODEL={str(model)!r} {said}")
    assert lines[1].startswith("    fix: give a directory holding an exported cross-encoder")
    assert "leave RERANK_MODEL empty" in lines[1]
