"""Every bad input raises a typed error whose message names the field to fix, and changes nothing."""

from __future__ import annotations

import uuid

import pytest

from memory.engine import MemoryEngine
from memory.errors import NotFoundError, ValidationError
from memory.types import MemoryFilter, MemoryInput, Scope

S = Scope(tenant="t", cube="c", user_id="u")


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"content": ""}, "content", "empty"),
    ({"content": "   "}, "content", "empty"),
    ({"content": "x", "tier": "forever"}, "memory_tier", "short_term, long_term, working"),
    ({"content": "x", "content_type": "pdf"}, "content_type", "text, image, code, json, yaml"),
    ({"content": "x", "importance": 1.5}, "importance", "0.0 to 1.0"),
    ({"content": "x", "ttl_seconds": -1}, "ttl_seconds", ">= 0"),
    ({"content": "x", "tags": "not-a-list"}, "tags", "list of strings"),
    ({"content": "x", "metadata": ["no"]}, "metadata", "object"),
    ({"content": "x", "embedding": [0.1, 0.2, 0.3]}, "embedding", "384 dimensions"),
    ({"user_message": ""}, "user_message", "empty"),
])
async def test_bad_saves_are_refused_with_the_field_named(engine: MemoryEngine, kwargs: dict, field: str,
                                                          words: str) -> None:
    with pytest.raises(ValidationError) as info:
        await engine.save(MemoryInput(S, **kwargs))
    assert info.value.field == field and words in info.value.message
    assert (await engine.list(MemoryFilter(tenant="t"))).total == 0


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"top_k": 0}, "top_k"), ({"top_k": 1001}, "top_k"), ({"min_similarity": 1.5}, "min_similarity"),
    ({"min_similarity": -0.1}, "min_similarity"),
])
async def test_bad_search_arguments(engine: MemoryEngine, kwargs: dict, field: str) -> None:
    await engine.store(S, "something to find")
    with pytest.raises(ValidationError) as info:
        await engine.search("find", MemoryFilter(tenant="t"), **kwargs)
    assert info.value.field == field


async def test_bad_filters_and_queries(engine: MemoryEngine) -> None:
    with pytest.raises(ValidationError, match="query cannot be empty"):
        await engine.search("  ")
    with pytest.raises(ValidationError) as info:
        await engine.search("x", MemoryFilter(emotions=["happyness"]))
    assert info.value.field == "emotions" and "joy" in info.value.message
    with pytest.raises(ValidationError) as info:
        await engine.list(MemoryFilter(tiers=["eternal"]))
    assert info.value.field == "memory_tier"
    with pytest.raises(ValidationError) as info:
        await engine.list(limit=1001)
    assert info.value.field == "limit"
    with pytest.raises(ValidationError, match="at least one condition"):
        await engine.delete(MemoryFilter())


async def test_unknown_ids_are_not_found(engine: MemoryEngine) -> None:
    missing = str(uuid.uuid4())
    with pytest.raises(NotFoundError):
        await engine.get(missing)
    with pytest.raises(NotFoundError):
        await engine.update(missing, tags=["x"])
    assert await engine.delete_ids([missing]) == []


async def test_tenant_scoped_reads_do_not_leak(engine: MemoryEngine) -> None:
    saved = await engine.store(S, "tenant t's secret")
    with pytest.raises(NotFoundError):
        await engine.get(saved.memory.id, tenant="other")
    with pytest.raises(NotFoundError):
        await engine.update(saved.memory.id, tags=["x"], tenant="other")
    assert (await engine.get(saved.memory.id, tenant="t")).tags == []
