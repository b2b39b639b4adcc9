"""Search through the HTTP API with RERANK_MODEL set: the results come back in the reranker's order."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_server import ApiServer
from seed_clients import EmotionMemCoreClient

from bench.rerank_model import tiny_cross_encoder
from memory.options import EngineOptions
from tests.rerank_models import FRUIT_WEIGHTS


@pytest.fixture
def options(options: EngineOptions, tmp_path: Path) -> EngineOptions:
    """The engine the API serves loads RERANK_MODEL: a cross-encoder that ranks the fruits by weight."""
    model = tiny_cross_encoder(tmp_path / "reranker", FRUIT_WEIGHTS)
    return EngineOptions(**{**{f: getattr(options, f) for f in options.__dataclass_fields__},
                            "rerank_model": str(model)})


async def test_emotionmem_search_returns_the_reranked_order(api: ApiServer) -> None:
    client = EmotionMemCoreClient(api.base_url, api.admin_key)
    try:
        for fruit in FRUIT_WEIGHTS:
            await client.save_memory(f"I bought some {fruit} at the market today", "Sounds tasty!", "user_12345")
        result = await client.search_memories("what did I buy at the market?", "user_12345", top_k=6)
    finally:
        await client.close()
    found = [r["user_message"].split()[3] for r in result["results"]]
    assert found == sorted(FRUIT_WEIGHTS, key=lambda f: -FRUIT_WEIGHTS[f])  # lime (6) first ... kiwi (1) last
    assert all(0.0 < r["score"] <= 1.0 for r in result["results"])  # score: still the similarity
