"""EmotionMemCore (seed 000) through its own client: save, search, list, batch, health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from api_server import ApiServer
from seed_clients import EmotionMemCoreClient

CONVERSATIONS = [
    ("おはよう！今日はいい天気だね", "おはようございます！お散歩日和ですね"),
    ("昨日見た映画がとても面白かったよ", "どんな映画でしたか？ぜひ聞かせてください"),
    ("最近ゲームにハマってるんだ", "どんなゲームですか？気になります"),
]


@pytest.fixture
async def client(api: ApiServer):
    c = EmotionMemCoreClient(api.base_url, api.admin_key)
    yield c
    await c.close()


async def test_vtuber_loop_saves_then_recalls_with_japanese_emotions(client: EmotionMemCoreClient) -> None:
    saved = []
    for user_msg, ai_msg in CONVERSATIONS:
        saved.append(await client.save_memory(user_msg, ai_msg, "user_12345", session_id="session_user_12345_1",
                                              metadata={"character_name": "ココロちゃん", "used_memories": 0}))
    assert all(s["memory_id"] and s["summary"] for s in saved)
    assert "喜び" in saved[1]["emotions"]  # 面白かった: real emotion detection, named in Japanese

    result = await client.search_memories("好きな映画の話", "user_12345", top_k=3)
    top = result["results"][0]
    assert top["memory_id"] == saved[1]["memory_id"]
    assert 0.0 < top["score"] <= 1.0 and result["total_results"] == len(result["results"])
    assert datetime.fromisoformat(top["timestamp"]).tzinfo is not None
    assert top["user_message"] == CONVERSATIONS[1][0] and top["session_id"] == "session_user_12345_1"
    assert top["metadata"]["character_name"] == "ココロちゃん"

    # what VtuberMemorySystem.get_user_memory_summary reads
    listing = await client.get_memories("user_12345", limit=20)
    assert [m["memory_id"] for m in listing["memories"]] == [s["memory_id"] for s in reversed(saved)]
    assert listing["total"] == 3 and all(isinstance(m["emotions"], list) for m in listing["memories"])


async def test_emotion_filters_accept_japanese_or_english_and_reject_unknown(client: EmotionMemCoreClient) -> None:
    happy = await client.save_memory("やった！試験に合格して本当に嬉しい！", "おめでとうございます！", "u_emo")
    sad = await client.save_memory("犬が死んでしまってとても悲しい", "それはつらいですね", "u_emo")
    assert "喜び" in happy["emotions"] and "悲しみ" in sad["emotions"]
    for names in (["喜び"], ["joy"], ["Joy"]):
        found = await client.search_memories("今日の出来事", "u_emo", emotions=names)
        assert [r["memory_id"] for r in found["results"]] == [happy["memory_id"]]
        listed = await client.get_memories("u_emo", emotions=names)
        assert [m["memory_id"] for m in listed["memories"]] == [happy["memory_id"]]
    with pytest.raises(httpx.HTTPStatusError) as info:
        await client.search_memories("今日", "u_emo", emotions=["嬉しさMAX"])
    assert info.value.response.status_code == 422
    err = info.value.response.json()
    assert err["error"] is True and err["field"].startswith("emotions") and "喜び" in err["message"]


async def test_date_range_and_user_isolation(client: EmotionMemCoreClient) -> None:
    await client.save_memory("ラーメンが大好きです", "いいですね", "alice")
    await client.save_memory("ラーメンは嫌いです", "そうなんですね", "bob")
    today = datetime.now(UTC).date()
    within = await client.search_memories("ラーメン", "alice", start_date=today.isoformat(), end_date=today.isoformat())
    assert [r["user_id"] for r in within["results"]] == ["alice"]
    yesterday = (today - timedelta(days=1)).isoformat()
    assert (await client.search_memories("ラーメン", "alice", end_date=yesterday))["results"] == []
    assert (await client.get_memories("carol"))["memories"] == []


async def test_batch_save_reports_failures_by_index_and_saves_the_rest(client: EmotionMemCoreClient) -> None:
    batch = [
        {"user_message": "猫を飼い始めました", "ai_message": "かわいいですね", "user_id": "u_batch"},
        {"ai_message": "user_message がない", "user_id": "u_batch"},
        {"user_message": "   ", "ai_message": "空白だけ", "user_id": "u_batch"},
        {"user_message": "週末は山に登ります", "ai_message": "気をつけて", "user_id": "u_batch", "session_id": "s1"},
    ]
    result = await client.batch_save_memories(batch)
    assert result["successful_saves"] == 2 and result["failed_saves"] == 2
    assert [f["index"] for f in result["failed_items"]] == [1, 2]
    assert "user_message" in result["failed_items"][0]["error"]
    assert (await client.get_memories("u_batch"))["total"] == 2


async def test_bad_input_is_a_clear_4xx(api: ApiServer, client: EmotionMemCoreClient) -> None:
    async with api.client(api.admin_key) as c:
        cases = [
            (c.post("/save", json={"ai_message": "x", "user_id": "u"}), 422, "user_message"),
            (c.post("/search", json={"query": "x", "user_id": "u", "top_k": 0}), 422, "top_k"),
            (c.post("/search", json={"query": "", "user_id": "u"}), 422, "query"),  # a field named like a container
            (c.post("/search", json={"query": "x", "user_id": "u", "start_date": "2024-02-01",
                                     "end_date": "2024-01-01"}), 422, None),
            (c.get("/memories", params={"user_id": "u", "limit": "many"}), 422, "limit"),
            (c.get("/memories"), 422, "user_id"),
            (c.post("/batch-save", json={"not": "a list"}), 422, "body"),
            (c.post("/save", content=b'{"user_message": "x",'), 400, "body"),
        ]
        for call, status, field in cases:
            r = await call
            assert r.status_code == status, r.text
            body = r.json()
            assert body["error"] is True and body["message"]
            if field:
                assert body["field"] == field, body
    health = await client.health_check()
    assert health["status"] == "healthy"


async def test_an_unknown_field_is_a_422_naming_it_and_the_expected_ones(
        api: ApiServer, client: EmotionMemCoreClient) -> None:
    """`ai_response` for the seed's `ai_message` used to save the turn without its reply, with no error."""
    async with api.client(api.admin_key) as c:
        r = await c.post("/save", json={"user_message": "猫を飼い始めた", "ai_response": "名前は？", "user_id": "u_x"})
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["field"] == "ai_response"
        assert "ai_response" in body["message"] and "ai_message" in body["message"]
        assert "user_message" in body["message"] and "session_id" in body["message"]

        r = await c.post("/batch-save", json=[
            {"user_message": "朝はパン派です", "ai_message": "いいですね", "user_id": "u_x"},
            {"user_message": "夜は米派です", "ai_response": "なるほど", "user_id": "u_x"},
        ])
        assert r.status_code == 200, r.text
        batch = r.json()
        assert batch["successful_saves"] == 1 and batch["failed_saves"] == 1
        (failed,) = batch["failed_items"]
        assert failed["index"] == 1 and failed["field"] == "[1].ai_response" and "ai_message" in failed["error"]

        r = await c.post("/search", json={"query": "パン", "user_id": "u_x", "limit": 3})  # top_k is the seed's
        assert r.status_code == 422 and r.json()["field"] == "limit" and "top_k" in r.json()["message"]
    listed = await client.get_memories("u_x")
    assert [m["user_message"] for m in listed["memories"]] == ["朝はパン派です"]  # the turn without its reply: not kept
