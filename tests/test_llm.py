"""The LLM path against a real OpenAI-protocol server on 127.0.0.1: replies, summaries, the memory
tools round trip within the caller's scope, and failures (timeout, 429 Retry-After, 500, refused tools)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.llm.client import LLMError
from bot.llm.tools import MemoryToolbox, tool_definitions
from bot.services import Services
from config.settings import Settings
from memory.engine import MemoryEngine
from memory.types import MemoryFilter, Scope
from tests.fake_llm import FakeLLM, Step

SECRET = "sk-test-secret-123456"


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLM]:
    server = await FakeLLM().start()
    yield server
    await server.stop()


def llm_settings(tmp_path: Path, fake: FakeLLM, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path / "data", "llm_base_url": fake.base_url, "llm_model": "test-model",
                              "llm_api_key": SECRET, "llm_timeout_seconds": 5, "llm_max_retries": 2,
                              **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def svc(engine: MemoryEngine, tmp_path: Path, fake_llm: FakeLLM) -> AsyncIterator[Services]:
    services = Services(settings=llm_settings(tmp_path, fake_llm), engine=engine)
    services.llm.backoff_base = 0.01  # type: ignore[union-attr]
    yield services
    await services.close()


def scope(svc: Services, persona: str, user: str) -> Scope:
    return Scope(tenant="default", cube=svc.personas.get(persona).cube, user_id=user)  # type: ignore[union-attr]


async def test_reply_uses_only_this_users_memories_of_this_persona(svc: Services, fake_llm: FakeLLM) -> None:
    eng = svc.engine
    await eng.store(scope(svc, "cocoro", "alice"), "Alice loves ramen with extra garlic")
    await eng.store(scope(svc, "nova", "alice"), "Alice told Nova she loves ramen from Sapporo")
    await eng.store(scope(svc, "cocoro", "bob"), "Bob loves ramen too, tonkotsu only")
    cocoro = svc.personas.get("cocoro")
    reply = await svc.conversation.reply(cocoro, "alice", "What ramen do I like?", user_name="Alice")
    assert reply.used_llm and reply.text.startswith("LLM reply to: What ramen do I like?")
    assert "extra garlic" in reply.text
    assert "Sapporo" not in reply.text and "tonkotsu" not in reply.text
    sent = fake_llm.requests[0]
    assert sent["model"] == "test-model" and sent["messages"][0]["content"].startswith("あなたは「ココロ」")
    assert fake_llm.headers[0]["Authorization"] == f"Bearer {SECRET}"
    assert {t["function"]["name"] for t in sent["tools"]} == {"memory_store", "memory_search", "memory_get",
                                                             "memory_update", "memory_delete", "memory_list"}


async def test_turn_is_saved_with_llm_summary_and_emotions(svc: Services, fake_llm: FakeLLM) -> None:
    nova = svc.personas.get("nova")
    reply = await svc.conversation.reply(nova, "alice", "I'm so happy, I finally adopted a puppy!", user_name="Alice",
                                         session_id="s1")
    saved = await reply.saved_memory()
    assert saved is not None and saved.kind.value == "turn"
    assert saved.summary == "SUMMARY: I'm so happy, I finally adopted a puppy!"
    assert saved.user_message == "I'm so happy, I finally adopted a puppy!" and saved.ai_message == reply.text
    assert "joy" in saved.emotion_labels and reply.emotions
    assert saved.scope.cube == "user_user_nova_cube" and saved.scope.session_id == "s1"
    # the next turn of the same session sends it back as history
    await svc.conversation.reply(nova, "alice", "Guess what its name is", user_name="Alice", session_id="s1")
    history = fake_llm.chat_requests()[-1]["messages"]
    assert [m["role"] for m in history[1:]] == ["user", "assistant", "user"]


async def test_tool_round_trip_store_then_search_stays_in_scope(svc: Services, fake_llm: FakeLLM) -> None:
    eng = svc.engine
    await eng.store(scope(svc, "cocoro", "bob"), "Bob's cat is named Tora")
    await eng.store(scope(svc, "nova", "alice"), "Alice's cat is named Nova-chan")
    fake_llm.then(
        Step(tool_calls=[("memory_store", {"content": "Alice's cat is named Mochi", "tags": ["pets"]})]),
        Step(tool_calls=[("memory_search", {"query": "cat name", "top_k": 10})]),
        Step(content="Your cat is Mochi!"),
    )
    cocoro = svc.personas.get("cocoro")
    reply = await svc.conversation.reply(cocoro, "alice", "My cat is called Mochi. What is my cat called?",
                                         user_name="Alice", save=False)
    assert reply.text == "Your cat is Mochi!"
    assert [name for name, _ in reply.tool_calls] == ["memory_store", "memory_search"]
    stored = await eng.list(MemoryFilter(cube="user_user_cocoro_cube", user_id="alice"))
    assert [m.content for m in stored.memories] == ["Alice's cat is named Mochi"]
    assert stored.memories[0].tags == ["pets"]
    tool_msgs = [m for m in fake_llm.requests[2]["messages"] if m["role"] == "tool"]
    search = json.loads(tool_msgs[-1]["content"])
    assert [r["content"] for r in search["results"]] == ["Alice's cat is named Mochi"]
    assert search["total"] == 1 and 0.0 <= search["results"][0]["similarity"] <= 1.0


async def test_tools_cannot_touch_another_users_memory(svc: Services) -> None:
    eng = svc.engine
    bob = (await eng.store(scope(svc, "cocoro", "bob"), "Bob's secret diary")).memory
    other_persona = (await eng.store(scope(svc, "nova", "alice"), "Alice's note for Nova")).memory
    box = MemoryToolbox(eng, scope(svc, "cocoro", "alice"))
    for target in (bob.id, other_persona.id):
        assert (await box.run("memory_get", {"id": target}))["error_type"] == "NotFoundError"
        assert (await box.run("memory_update", json.dumps({"id": target, "content": "x"})))["error"] is True
        assert (await box.run("memory_delete", {"ids": [target]}))["deleted_count"] == 0
    assert (await eng.get(bob.id)).content == "Bob's secret diary"
    assert (await eng.get(other_persona.id)).content == "Alice's note for Nova"
    listed = await box.run("memory_list", {})
    assert listed["total"] == 0 and listed["memories"] == []


async def test_tool_errors_use_the_seed_format(svc: Services) -> None:
    box = MemoryToolbox(svc.engine, scope(svc, "cocoro", "alice"))
    assert await box.run("memory_store", {"content": "  "}) == {
        "error": True, "error_type": "ValidationError", "message": "content: cannot be empty", "field": "content"}
    bad_tier = await box.run("memory_store", {"content": "x", "memory_tier": "forever"})
    assert bad_tier["error_type"] == "ValidationError" and "memory_tier" in bad_tier["message"]
    assert "top_k" in (await box.run("memory_search", {"query": "x", "top_k": 0}))["message"]
    assert (await box.run("memory_search", "{not json"))["error_type"] == "ValidationError"
    assert "unknown tool" in (await box.run("memory_drop_table", {}))["message"]
    assert "give id" in (await box.run("memory_delete", {}))["message"]
    names = [t["function"]["name"] for t in tool_definitions()]
    assert names == ["memory_store", "memory_search", "memory_get", "memory_update", "memory_delete", "memory_list"]


async def test_429_retry_after_is_honoured(svc: Services, fake_llm: FakeLLM, caplog: pytest.LogCaptureFixture) -> None:
    fake_llm.then(Step(status=429, headers={"Retry-After": "1"}, body='{"error": "slow down"}'))
    with caplog.at_level(logging.INFO, logger="omoide.llm"):
        result = await svc.llm.chat([{"role": "user", "content": "hi"}])  # type: ignore[union-attr]
    assert result.content.startswith("LLM reply to: hi")
    assert len(fake_llm.requests) == 2
    assert "retry after 1.0s (Retry-After)" in caplog.text
    assert SECRET not in caplog.text


async def test_429_longer_than_the_cap_fails_fast_and_chat_falls_back(svc: Services, fake_llm: FakeLLM) -> None:
    fake_llm.then(Step(status=429, headers={"Retry-After": "3600"}, body="{}"))
    with pytest.raises(LLMError) as info:
        await svc.llm.chat([{"role": "user", "content": "hi"}])  # type: ignore[union-attr]
    assert info.value.kind == "rate_limited" and len(fake_llm.requests) == 1
    fake_llm.then(Step(status=429, headers={"Retry-After": "3600"}, body="{}"))
    reply = await svc.conversation.reply(svc.personas.get("nova"), "alice", "hello?", user_name="Alice")
    assert not reply.used_llm and reply.text.endswith("(The language model isn't answering right now, so my "
                                                      "replies are short.)")
    saved = await reply.saved_memory()
    assert saved is not None and saved.user_message == "hello?" and saved.ai_message is None


async def test_500_is_retried_then_reported(svc: Services, fake_llm: FakeLLM) -> None:
    fake_llm.then(*[Step(status=500, body='{"error": "boom"}')] * 3)
    with pytest.raises(LLMError) as info:
        await svc.llm.chat([{"role": "user", "content": "hi"}])  # type: ignore[union-attr]
    assert info.value.kind == "server" and info.value.status == 500
    assert len(fake_llm.requests) == 3  # first try + LLM_MAX_RETRIES=2
    fake_llm.then(Step(status=500, body="{}"), Step(content="recovered"))
    assert (await svc.llm.chat([{"role": "user", "content": "again"}])).content == "recovered"  # type: ignore[union-attr]


async def test_timeout_falls_back_to_the_builtin_responder(engine: MemoryEngine, tmp_path: Path,
                                                           fake_llm: FakeLLM) -> None:
    services = Services(settings=llm_settings(tmp_path, fake_llm, llm_timeout_seconds=0.5, llm_max_retries=0),
                        engine=engine)
    try:
        await engine.store(scope(services, "cocoro", "alice"), "アリスさんは猫のモチを飼っている")
        fake_llm.then(Step(stall=True))
        reply = await services.conversation.reply(services.personas.get("cocoro"), "alice", "うちの猫の名前は？",
                                                  user_name="アリス")
        assert not reply.used_llm and reply.llm_error is not None and reply.llm_error.startswith("timeout")
        assert "モチ" in reply.text and "言語モデルが応答しない" in reply.text
    finally:
        await services.close()


async def test_server_that_refuses_tools_still_gets_a_reply(svc: Services, fake_llm: FakeLLM) -> None:
    fake_llm.then(Step(status=400, body='{"error": "tools are not supported by this model"}'))
    reply = await svc.conversation.reply(svc.personas.get("nova"), "alice", "hi there", user_name="Alice", save=False)
    assert reply.used_llm and reply.text.startswith("LLM reply to: hi there")
    assert "tools" in fake_llm.requests[0] and "tools" not in fake_llm.requests[1]


async def test_malformed_answer_is_an_error_not_a_crash(svc: Services, fake_llm: FakeLLM) -> None:
    fake_llm.then(Step(body="<html>gateway</html>"))
    with pytest.raises(LLMError) as info:
        await svc.llm.chat([{"role": "user", "content": "hi"}])  # type: ignore[union-attr]
    assert info.value.kind == "bad_response"


async def test_client_repr_and_settings_never_show_the_key(svc: Services) -> None:
    assert SECRET not in repr(svc.llm) and SECRET not in repr(svc.settings)


async def test_without_llm_the_companion_answers_and_its_words_are_not_saved(engine: MemoryEngine,
                                                                           tmp_path: Path) -> None:
    services = Services(settings=Settings(_env_file=None, data_dir=tmp_path / "data"), engine=engine)  # type: ignore[call-arg]
    assert services.llm is None
    nova = services.personas.get("nova")
    first = await services.conversation.reply(nova, "carol", "hello", user_name="Carol")
    assert first.text.startswith(("Hey Carol! Nova here", "Oh hi Carol!"))  # Nova's own greeting phrases
    assert first.text.endswith("\n(No language model is set up right now, so my replies are short.)")
    await services.engine.store(scope(services, "nova", "carol"), "Carol is learning to play the cello")
    await services.engine.store(scope(services, "nova", "carol"), "Carol's brother lives in Kyoto")
    reply = await services.conversation.reply(nova, "carol", "Do you remember which instrument I'm learning?",
                                              user_name="Carol")
    assert "\"Carol is learning to play the cello\"" in reply.text and "Kyoto" not in reply.text
    assert "No language model" not in reply.text  # said once today already
    saved = await reply.saved_memory()
    assert saved is not None and saved.user_message.startswith("Do you remember") and saved.ai_message is None
    await services.close()


async def test_companion_counts_days_in_the_persons_time_zone(options: Any, embedder: Any, tmp_path: Path) -> None:
    """23:00 in Tokyo on the 5th is 14:00 UTC; at 01:00 on the 6th in Tokyo (16:00 UTC on the 5th) that was
    yesterday for the person, though the same UTC day."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from memory.clock import ManualClock

    said_at = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
    engine = await MemoryEngine.open(options, embedder, clock=ManualClock(said_at))
    services = Services(settings=Settings(_env_file=None, data_dir=tmp_path / "data"), engine=engine)  # type: ignore[call-arg]
    try:
        services.conversation.clock = lambda: datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
        nova = services.personas.get("nova")
        assert nova is not None
        await engine.store(scope(services, "nova", "dan"), "Dan is learning to play the cello")
        ask = "Do you remember which instrument I'm learning?"
        tokyo = await services.conversation.reply(nova, "dan", ask, user_name="Dan", tz=ZoneInfo("Asia/Tokyo"))
        utc = await services.conversation.reply(nova, "dan", ask, user_name="Dan", tz=UTC)
        assert "yesterday" in tokyo.text and "cello" in tokyo.text
        assert "today" in utc.text and "yesterday" not in utc.text
    finally:
        await services.close()
        await engine.close()
