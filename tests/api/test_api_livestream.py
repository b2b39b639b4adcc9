"""The VTuber livestream hook over real HTTP and WebSocket on 127.0.0.1, with the built-in responder."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets
from api_server import ApiServer, MakeApi

from bot.api.routes.livestream import STREAMS
from bot.api.state import STATE
from memory.engine import MemoryEngine
from memory.types import MemoryFilter

EVENTS = "/api/livestream/{}/events"


def chat(viewer: str, message: str, **fields: Any) -> dict[str, Any]:
    """An event the way a chat relay posts it (YouTube live chat by default)."""
    return {"platform": "youtube", "viewer_id": viewer, "viewer_name": f"name-{viewer}", "type": "chat",
            "message": message, **fields}


async def drain(api: ApiServer) -> None:
    await api.app[STATE].services.conversation.drain()


async def stats_once_saved(api: ApiServer, c: httpx.AsyncClient, persona: str) -> dict[str, Any]:
    """The stream's stats once the chats it dropped so far are saved (they are saved in the background)."""
    stream = api.app[STREAMS].peek(persona)
    assert stream is not None
    await asyncio.wait_for(stream.unanswered_saved(), 300)  # a guard against hanging, not a timer
    return (await c.get(f"/api/livestream/{persona}/stats")).json()


async def test_a_new_viewer_is_remembered_and_welcomed_back_next_stream(make_api: MakeApi,
                                                                        engine: MemoryEngine) -> None:
    api = await make_api(livestream_welcome_back_minutes=0, livestream_chat_replies_per_minute=0)
    async with api.client(api.admin_key) as c:
        first = await c.post(EVENTS.format("cocoro"), json=chat("UC42", "今日はいちごのケーキを焼きました"))
        assert first.status_code == 200, first.text
        one = first.json()
        assert one["status"] == "answered" and one["reply"]
        assert one["viewer_known"] is False and one["welcomed_back"] is False
        assert one["user_id"] == "youtube:UC42" and one["persona"] == "cocoro"
        assert "おかえり" not in one["reply"]
        await drain(api)
        saved = await engine.list(MemoryFilter(tenant="default", cube="user_user_cocoro_cube", user_id="youtube:UC42"))
        assert saved.total == 1 and saved.memories[0].user_message == "今日はいちごのケーキを焼きました"
        # the stream is one conversation: a chat is indexed with the chat before it, as in a Discord channel
        assert saved.memories[0].scope.session_id == "livestream"
        assert saved.memories[0].metadata["viewer_name"] == "name-UC42"
        nova = await engine.list(MemoryFilter(tenant="default", cube="user_user_nova_cube", user_id="youtube:UC42"))
        assert nova.total == 0  # another persona does not know this viewer

        second = (await c.post(EVENTS.format("cocoro"), json=chat("UC42", "また来ました！"))).json()
        assert second["status"] == "answered"
        assert second["viewer_known"] is True and second["welcomed_back"] is True
        assert "おかえり" in second["reply"] and "いちごのケーキ" in second["reply"]
        assert second["memories_used"] >= 1

        other = (await c.post(EVENTS.format("cocoro"), json=chat("UC42", "hi", platform="twitch"))).json()
        assert other["viewer_known"] is False  # same id on another platform is another viewer


async def test_mid_stream_chat_is_known_but_not_welcomed_back_again(api: ApiServer) -> None:
    async with api.client(api.admin_key) as c:
        assert (await c.post(EVENTS.format("nova"), json=chat("v1", "first message"))).json()["viewer_known"] is False
        await drain(api)
        again = (await c.post(EVENTS.format("nova"), json=chat("v1", "second message"))).json()
        assert again["viewer_known"] is True and again["welcomed_back"] is False  # default gap is 30 minutes
        assert "Welcome back" not in (again["reply"] or "")


async def test_paid_events_are_always_answered_and_chat_is_rate_limited(make_api: MakeApi) -> None:
    api = await make_api(livestream_chat_replies_per_minute=1, livestream_chat_burst=1)
    url = EVENTS.format("nova")
    async with api.client(api.admin_key) as c:
        assert (await c.post(url, json=chat("a", "hello there"))).json()["status"] == "answered"
        dropped = (await c.post(url, json=chat("b", "me too!"))).json()
        assert dropped["status"] == "dropped" and dropped["reason"] == "rate_limited" and dropped["reply"] is None
        sc = (await c.post(url, json=chat("c", "love the stream", type="superchat", amount=500, currency="jpy"))).json()
        assert sc["status"] == "answered" and sc["reply"].startswith("Thank you for the ¥500 Super Chat, name-c!")
        member = (await c.post(url, json={"platform": "twitch", "viewer_id": "d", "viewer_name": "Dee",
                                          "type": "membership"})).json()
        assert member["status"] == "answered" and "member" in member["reply"]
        gift = (await c.post(url, json=chat("e", "", type="gift", amount=5))).json()
        assert gift["status"] == "answered"
        stats = await stats_once_saved(api, c, "nova")
        # the dropped chat was not answered, but its viewer is remembered for next time
        back = (await c.post(url, json=chat("b", "", type="gift", amount=1))).json()
        assert back["viewer_known"] is True
    assert stats["unanswered_remembered"] == 1 and stats["unanswered_forgotten"] == 0
    assert stats["received"] == 5 and stats["answered"] == 4
    assert stats["dropped"] == {"rate_limited": 1, "queue_full": 0, "total": 1}
    assert stats["by_type"] == {"chat": 2, "superchat": 1, "membership": 1, "gift": 1}
    assert stats["chat_replies_per_minute"] == 1


async def test_amounts_are_read_as_money_in_the_personas_language(api: ApiServer) -> None:
    async with api.client(api.admin_key) as c:
        sc = (await c.post(EVENTS.format("cocoro"), json=chat("j", "", type="superchat", amount=1000,
                                                              currency="JPY"))).json()
        assert sc["reply"].startswith("name-jさん、1,000円のスーパーチャットありがとうございます！")
        gift = (await c.post(EVENTS.format("cocoro"), json=chat("k", "", type="gift", amount=5, currency="usd"))).json()
        assert gift["reply"].startswith("name-kさん、$5.00のギフトありがとうございます！")
        tip = (await c.post(EVENTS.format("nova"), json=chat("l", "", type="superchat", amount=1234.5,
                                                             currency="EUR"))).json()
        assert tip["reply"].startswith("Thank you for the €1,234.50 Super Chat, name-l!")


async def test_the_websocket_receives_each_reply_with_its_emotion(api: ApiServer) -> None:
    ws_url = api.base_url.replace("http://", "ws://")
    headers = {"X-API-Key": api.admin_key}
    async with websockets.connect(f"{ws_url}/api/livestream/cocoro/ws", additional_headers=headers) as ws:
        assert json.loads(await ws.recv()) == {"type": "subscribed", "persona": "cocoro"}
        async with api.client(api.admin_key) as c:
            body = chat("joyful", "やったー！合格しました！本当に嬉しい！ありがとう！", event_id="yt-msg-1")
            out = (await c.post(EVENTS.format("cocoro"), json=body)).json()
            stats = (await c.get("/api/livestream/cocoro/stats")).json()
        pushed = json.loads(await asyncio.wait_for(ws.recv(), 60))
    assert stats["listeners"] == 1
    assert pushed["type"] == "reply" and pushed["event_id"] == "yt-msg-1" == out["event_id"]
    assert pushed["reply"] == out["reply"] and pushed["persona"] == "cocoro"
    assert out["dominant_emotion"] is not None
    assert pushed["emotion"] == out["dominant_emotion"]["label"]
    assert pushed["emotion_name"] == out["dominant_emotion"]["name"]
    assert max(out["emotions"], key=lambda e: e["score"])["label"] == pushed["emotion"]


async def test_scope_unknown_persona_and_bad_fields(api: ApiServer) -> None:
    nova_key = await api.new_key(personas=["nova"])
    async with api.client(nova_key) as c:
        assert (await c.post(EVENTS.format("nova"), json=chat("v", "hi"))).status_code == 200
        denied = await c.post(EVENTS.format("cocoro"), json=chat("v", "hi"))
        assert denied.status_code == 403 and "cocoro" in denied.json()["message"]
        assert (await c.get("/api/livestream/cocoro/stats")).status_code == 403
    ws_url = api.base_url.replace("http://", "ws://")
    with pytest.raises(websockets.InvalidStatus) as info:
        async with websockets.connect(f"{ws_url}/api/livestream/cocoro/ws", additional_headers={"X-API-Key": nova_key}):
            pass
    assert info.value.response.status_code == 403
    async with api.client(api.admin_key) as c:
        missing = await c.post(EVENTS.format("nobody"), json=chat("v", "hi"))
        assert missing.status_code == 404 and "nobody" in missing.json()["message"]
        assert missing.json()["field"] == "persona"
        for bad, field in ((chat("v", "hi", platform="tiktok"), "platform"), (chat("v", "  "), "message"),
                           (chat("v", "hi", type="raid"), "type"), (chat("v", "x", amount=-5), "amount"),
                           ({"platform": "youtube", "viewer_name": "n", "message": "m"}, "viewer_id"),
                           (chat("v", "hi", timestamp="yesterday"), "timestamp")):
            r = await c.post(EVENTS.format("nova"), json=bad)
            assert r.status_code == 422 and r.json()["field"] == field, (bad, r.text)
        stats = (await c.get("/api/livestream/nova/stats")).json()
    assert stats["received"] == 1  # refused events are not counted as received


async def test_a_burst_of_500_events_keeps_every_paid_and_every_acknowledged_event(make_api: MakeApi) -> None:
    api = await make_api(api_rate_limit_per_minute=0, livestream_chat_replies_per_minute=0,
                         livestream_queue_size=10, livestream_reply_wait_seconds=0)
    ws_url = api.base_url.replace("http://", "ws://")
    events = [chat(f"v{i % 120}", f"message number {i}", event_id=f"e{i}") for i in range(500)]
    for i in range(0, 500, 10):
        events[i].update(type=("superchat", "membership", "gift")[i // 10 % 3], amount=100.0)
    gate = asyncio.Semaphore(50)

    async def send(c: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
        async with gate:
            return await c.post(EVENTS.format("listy"), json=body)

    async with websockets.connect(f"{ws_url}/api/livestream/listy/ws", additional_headers={"X-API-Key": api.admin_key},
                                  max_queue=None) as ws:
        await ws.recv()
        async with api.client(api.admin_key) as c:
            responses = await asyncio.gather(*(send(c, e) for e in events))
            assert all(r.status_code == 200 for r in responses), {r.status_code for r in responses}
            outs = [r.json() for r in responses]
            paid_ids = {e["event_id"] for e in events if e["type"] != "chat"}
            accepted = {o["event_id"] for o in outs if o["status"] in ("answered", "queued")}
            dropped = [o for o in outs if o["status"] == "dropped"]
            assert paid_ids <= accepted and len(paid_ids) == 50
            assert all(o["reason"] == "queue_full" and o["event_id"] not in paid_ids for o in dropped)
            assert len(accepted) + len(dropped) == 500
            pushed: set[str] = set()
            deadline = time.monotonic() + 600  # a guard against hanging, not a timing assertion
            while pushed != accepted and time.monotonic() < deadline:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 120))
                pushed.add(msg["event_id"])
            stats = await stats_once_saved(api, c, "listy")
    assert pushed == accepted  # every acknowledged event was answered, nothing else was
    assert stats["received"] == 500 and stats["answered"] == len(accepted) and stats["failed"] == 0
    assert stats["dropped"]["queue_full"] == len(dropped) == stats["dropped"]["total"]
    assert stats["waiting_paid"] == 0 and stats["waiting_chat"] == 0
    assert stats["unanswered_remembered"] == len(dropped) and stats["unanswered_forgotten"] == 0
    print(f"\nburst: {len(accepted)} answered ({len(paid_ids)} paid), {len(dropped)} chat dropped")


async def test_stream_replies_never_carry_the_no_model_note(api: ApiServer) -> None:
    """A TTS reads every reply aloud: the note that no language model is set stays out of them, even the
    first reply of the day, while the companion still answers what the viewer said."""
    async with api.client(api.admin_key) as c:
        hello = (await c.post(EVENTS.format("cocoro"), json=chat("UC7", "こんにちは！初見です"))).json()
        sc = (await c.post(EVENTS.format("cocoro"), json=chat("UC8", "昨日の配信、すごく楽しかった！", type="superchat",
                                                              amount=1000, currency="JPY"))).json()
        quiet = (await c.post(EVENTS.format("nova"), json=chat("UC9", "", type="superchat", amount=5,
                                                              currency="USD"))).json()
    for reply in (hello, sc, quiet):
        assert reply["status"] == "answered" and reply["used_llm"] is False
        assert "言語モデル" not in reply["reply"] and "language model" not in reply["reply"]
    assert hello["reply"].startswith(("name-UC7さん、こんにちは！ココロです✨", "わあ、name-UC7さん！"))
    thanks, answer = sc["reply"].split("\n")
    assert thanks.startswith("name-UC8さん、1,000円のスーパーチャット") and "うれしい" in answer  # joy, named back
    # a wordless superchat gets the thanks alone
    assert "\n" not in quiet["reply"] and quiet["reply"].startswith("Thank you for the $5.00 Super Chat")
