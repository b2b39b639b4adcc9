"""Memory Mesh messages are conversation turns (memory.turn_text): the same speaker and previous-message
context as a turn the engine saves itself, so a reply is found by the question it answered."""

from __future__ import annotations

from typing import Any

from api_server import ApiServer

from bot.api.convert import DEFAULT_CUBE
from memory.engine import MemoryEngine
from memory.types import MemoryFilter, MemoryInput, Scope

# (speaker name or None, role, content): Ren's answer means nothing without Aoi's question before it
CHAT = [("Aoi", "user", "How was your holiday?"),
        ("Ren", "user", "Amazing, we spent two weeks in Lisbon!"),
        (None, "assistant", "Lisbon sounds lovely. Did you try the custard tarts?"),
        ("Ren", "user", "Every single morning.")]
ELSEWHERE = [("Ren", "user", "My sister lives in Madrid."), ("Ren", "user", "Amazing, thanks!"),
             ("Ren", "user", "We spent two hours in the queue."), ("Ren", "user", "I finally went to the dentist."),
             ("Ren", "user", "We spent the weekend painting the kitchen.")]
QUESTION = "Where did Ren go on holiday?"


def message(tenant: str, conversation: str, name: str | None, role: str, content: str) -> dict[str, Any]:
    body: dict[str, Any] = {"tenant_id": tenant, "conversation_id": conversation, "role": role, "content": content}
    if name:
        body["metadata"] = {"name": name, "source": "web"}
    return body


async def post_batch(api: ApiServer, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async with api.client(api.admin_key) as c:
        r = await c.post("/v1/messages/batch", json={"messages": messages})
        assert r.status_code == 201, r.text
        assert r.json()["failed"] == []
        created: list[dict[str, Any]] = r.json()["created"]
        return created


async def mesh_search(api: ApiServer, tenant: str, query: str, top_k: int = 5) -> list[dict[str, Any]]:
    async with api.client(api.admin_key) as c:
        r = await c.get("/v1/memory/search", params={"tenant_id": tenant, "query": query, "top_k": top_k})
        assert r.status_code == 200, r.text
        results: list[dict[str, Any]] = r.json()["results"]
        return results


async def test_a_mesh_batch_is_indexed_as_the_engine_indexes_the_same_turns(api: ApiServer,
                                                                             engine: MemoryEngine) -> None:
    created = await post_batch(api, [message("mesh", "trip", *m) for m in CHAT])
    assert [m["content"] for m in created] == [m[2] for m in CHAT]  # stored content is the message itself
    assert [m["role"] for m in created] == [m[1] for m in CHAT]
    # the engine's own turn save of the same conversation: speaker by name, else by role
    await engine.save_batch([MemoryInput(scope=Scope("engine", DEFAULT_CUBE, "someone", "trip"), user_message=text,
                                         metadata={"speaker": name or role}) for name, role, text in CHAT])
    for query in (QUESTION, "custard tarts", "assistant", "Aoi"):
        by_tenant = [{h.memory.content: (round(h.cosine, 5), h.matched_lexically)
                      for h in await engine.search(query, MemoryFilter(tenant=t), top_k=len(CHAT))}
                     for t in ("mesh", "engine")]
        assert by_tenant[0] == by_tenant[1], query  # same vectors (text + context), same lexical terms


async def test_a_reply_is_found_through_mesh_search_by_the_question_it_answered(api: ApiServer) -> None:
    await post_batch(api, [message("app", "trip", *m) for m in CHAT])
    await post_batch(api, [message("app", f"other-{i}", *m) for i, m in enumerate(ELSEWHERE)])
    results = await mesh_search(api, "app", QUESTION)
    # the question itself, then its answer above every message of Ren's other conversations (stored as
    # plain content, the answer ranked below "I finally went to the dentist.")
    assert [r["content"] for r in results[:2]] == ["How was your holiday?", "Amazing, we spent two weeks in Lisbon!"]
    assert {r["conversation_id"] for r in results[:2]} == {"trip"}


async def test_a_name_in_the_metadata_is_the_speaker_and_the_metadata_says_so(api: ApiServer) -> None:
    created = await post_batch(api, [
        message("names", "c1", "Hinata", "user", "I went to a pottery class yesterday."),
        {"tenant_id": "names", "conversation_id": "c1", "role": "user", "content": "That sounds relaxing.",
         "metadata": {"user_name": "Kenji"}},
        {"tenant_id": "names", "conversation_id": "c1", "role": "assistant", "content": "Pottery is fun."}])
    assert [m["metadata"] for m in created] == [{"name": "Hinata", "source": "web", "speaker": "Hinata"},
                                                {"user_name": "Kenji"}, {"speaker": "assistant"}]
    results = await mesh_search(api, "names", "Hinata")
    assert results[0]["content"] == "I went to a pottery class yesterday."
