"""The YouTube live chat connector against a loopback Data API v3, feeding the real livestream stream."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from api_server import MakeApi
from fake_youtube import API_KEY, CHANNEL, VIDEO, FakeYouTube, message, superchat, text
from live_helpers import health_when, replies_of, stats_when

from bot.api.state import STATE
from bot.livestream.connectors.youtube import parse_target, to_event

VIEWER = "UCviewerAAAAAAAAAAAAAAAA"


@pytest.fixture
async def youtube() -> AsyncIterator[FakeYouTube]:
    fake = await FakeYouTube().start()
    yield fake
    await fake.close()


def settings_for(fake: FakeYouTube, target: str = VIDEO, **extra: object) -> dict[str, object]:
    return {"live_persona": "cocoro", "live_youtube": target, "youtube_api_key": API_KEY,
            "youtube_api_url": fake.url, "youtube_min_poll_seconds": 0, "live_reconnect_min_seconds": 0.01,
            "livestream_chat_replies_per_minute": 0, **extra}


async def test_new_viewer_returning_viewer_and_a_superchat_answered_first(youtube: FakeYouTube,
                                                                          make_api: MakeApi) -> None:
    youtube.history = [text(VIEWER, "いちご", "配信前のコメント", msg_id="old-1")]
    api = await make_api(**settings_for(youtube, livestream_welcome_back_minutes=0))
    async with replies_of(api, "cocoro") as replies:
        youtube.add_page([text(VIEWER, "いちご", "今日はいちごのケーキを焼きました", msg_id="m1")])
        [first] = await replies.until("m1")
        assert first["user_id"] == f"youtube:{VIEWER}" and first["viewer_name"] == "いちご"
        assert first["viewer_known"] is False and first["welcomed_back"] is False
        await api.app[STATE].services.conversation.drain()

        youtube.add_page([text(VIEWER, "いちご", "また来ました！", msg_id="m2")])
        [second] = await replies.until("m2")
        assert second["viewer_known"] is True and second["welcomed_back"] is True
        assert "おかえり" in second["reply"] and "いちごのケーキ" in second["reply"]

        chats = [text(f"UCchat{i:018d}", f"viewer{i}", f"こんにちは {i}", msg_id=f"c{i}") for i in range(5)]
        paid = superchat("UCpaidBBBBBBBBBBBBBBBBBB", "太郎", "いつも応援してます", 1_000_000_000, "JPY", "¥1,000",
                         msg_id="sc1")
        youtube.add_page([*chats, paid])
        await replies.until("sc1", *(c["id"] for c in chats))
    ordered = [m["event_id"] for m in replies.order]
    assert ordered.index("sc1") < min(ordered.index(c["id"]) for c in chats)  # paid first, chat after
    sc = replies.by_id["sc1"]
    assert sc["event_type"] == "superchat" and sc["paid"] is True and sc["amount"] == 1000.0 and sc["currency"] == "JPY"
    assert "千円" in sc["tts_text"] and "1000" not in sc["tts_text"]
    assert sc["expression"] and sc["reply"].startswith("太郎さん、1,000円のスーパーチャット")
    assert "old-1" not in replies.by_id  # the history page from before the start is not answered
    health = await health_when(api, lambda cs: cs and cs[0]["events_fed"] >= 8)
    [status] = health["live_connectors"]
    assert status["platform"] == "youtube" and status["target"] == VIDEO and status["persona"] == "cocoro"
    assert status["state"] == "connected" and status["events_fed"] == 8 and status["messages_seen"] == 9
    assert status["last_error"] is None


async def test_a_dropped_connection_resumes_from_the_page_token_without_duplicates(youtube: FakeYouTube,
                                                                                   make_api: MakeApi) -> None:
    api = await make_api(**settings_for(youtube))
    async with replies_of(api, "cocoro") as replies:
        one = text(VIEWER, "いちご", "最初のコメント", msg_id="d1")
        youtube.add_page([one])
        await replies.until("d1")
        before = len(youtube.tokens)
        youtube.failures += ["drop", "drop", "503"]  # the connection dies (twice), then the API has a bad moment
        two = text(VIEWER, "いちご", "二つ目", msg_id="d2")
        youtube.add_page([one, two])  # an overlapping page repeats d1
        youtube.add_page([text(VIEWER, "いちご", "三つ目", msg_id="d3")])
        await replies.until("d2", "d3")
    retried = youtube.tokens[before:before + 4]
    assert retried == ["page-2"] * 4  # the same page asked again, never from the start
    assert None not in youtube.tokens[1:]
    stats = await stats_when(api, "cocoro", lambda s: s["answered"] >= 3)
    assert stats["received"] == 3 and stats["answered"] == 3  # d1 once, though it came twice
    assert [m["event_id"] for m in replies.order] == ["d1", "d2", "d3"]
    [status] = (await health_when(api, lambda cs: cs[0]["state"] == "connected"))["live_connectors"]
    assert status["reconnects"] >= 2 and status["duplicates_skipped"] == 1
    assert "503" in (status["last_error"] or "")


async def test_a_channel_is_followed_to_its_live_video_and_a_bad_key_stops_with_a_reason(
        youtube: FakeYouTube, make_api: MakeApi) -> None:
    api = await make_api(**settings_for(youtube, target=f"https://www.youtube.com/channel/{CHANNEL}"))
    async with replies_of(api, "cocoro") as replies:
        youtube.add_page([text(VIEWER, "いちご", "チャンネルから来ました", msg_id="ch1")])
        await replies.until("ch1")
    assert youtube.calls[:3] == ["search", "videos", "liveChat/messages"]

    refused = await make_api(**settings_for(youtube, youtube_api_key="wrong-key"))
    [status] = (await health_when(refused, lambda cs: cs[0]["state"] == "stopped"))["live_connectors"]
    assert status["state"] == "stopped" and "YOUTUBE_API_KEY" in status["last_error"]
    assert "API key not valid" in status["last_error"]


def test_every_paid_message_type_maps_to_an_event() -> None:
    sticker = message("superStickerEvent", VIEWER, "A", superStickerDetails={
        "superStickerMetadata": {"stickerId": "s1", "altText": "Pizza", "language": "en"},
        "amountMicros": "5000000", "currency": "USD", "amountDisplayString": "$5.00", "tier": 1})
    sponsor = message("newSponsorEvent", VIEWER, "A", newSponsorDetails={"memberLevelName": "Fan", "isUpgrade": False})
    milestone = message("memberMilestoneChatEvent", VIEWER, "A", memberMilestoneChatDetails={
        "userComment": "one year!", "memberMonth": 12, "memberLevelName": "Fan"})
    gifting = message("membershipGiftingEvent", VIEWER, "A", membershipGiftingDetails={
        "giftMembershipsCount": 5, "giftMembershipsLevelName": "Fan"})
    received = message("giftMembershipReceivedEvent", VIEWER, "A", giftMembershipReceivedDetails={
        "memberLevelName": "Fan", "gifterChannelId": "UCx", "associatedMembershipGiftingMessageId": "g"})
    deleted = message("messageDeletedEvent", VIEWER, "A", messageDeletedDetails={"deletedMessageId": "x"})
    sc = superchat(VIEWER, "A", "", 1_750_000, "USD", "$1.75")
    events = {k: to_event(v) for k, v in (("sticker", sticker), ("sponsor", sponsor), ("milestone", milestone),
                                          ("gifting", gifting), ("received", received), ("deleted", deleted),
                                          ("sc", sc))}
    assert events["sticker"] and (events["sticker"].type, events["sticker"].amount) == ("superchat", 5.0)
    assert events["sponsor"] and events["sponsor"].type == "membership"
    milestone_event = events["milestone"]
    assert milestone_event and (milestone_event.type, milestone_event.message) == ("membership", "one year!")
    assert events["gifting"] and (events["gifting"].type, events["gifting"].amount) == ("gift", 5.0)
    assert events["received"] is None and events["deleted"] is None  # the gifter was thanked; nothing to answer
    assert events["sc"] and (events["sc"].amount, events["sc"].currency, events["sc"].message) == (1.75, "USD", "")


def test_targets_are_read_from_ids_urls_and_handles() -> None:
    assert parse_target(VIDEO) == ("video", VIDEO)
    assert parse_target(f"https://www.youtube.com/watch?v={VIDEO}&t=1") == ("video", VIDEO)
    assert parse_target(f"https://youtu.be/{VIDEO}") == ("video", VIDEO)
    assert parse_target(f"https://www.youtube.com/live/{VIDEO}") == ("video", VIDEO)
    assert parse_target(CHANNEL) == ("channel", CHANNEL)
    assert parse_target("https://www.youtube.com/@cocoro_ch") == ("handle", "@cocoro_ch")
    with pytest.raises(ValueError, match="not a YouTube video id"):
        parse_target("not a video")
