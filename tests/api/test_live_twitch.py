"""The Twitch chat connector against a loopback IRC-over-WebSocket server, feeding the real livestream stream."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from api_server import MakeApi
from fake_twitch import GOOD_TOKEN, FakeTwitch, privmsg, usernotice
from live_helpers import health_when, replies_of, stats_when

from bot.api.state import STATE
from bot.livestream.connectors.irc import escape_tag, parse_line, unescape_tag
from bot.livestream.connectors.twitch import to_event

CHAN = "cocoro_ch"


@pytest.fixture
async def twitch() -> AsyncIterator[FakeTwitch]:
    fake = await FakeTwitch().start()
    yield fake
    await fake.close()


def settings_for(fake: FakeTwitch, **extra: object) -> dict[str, object]:
    return {"live_persona": "nova", "live_twitch": CHAN, "twitch_irc_url": fake.url,
            "live_reconnect_min_seconds": 0.01, **extra}


async def test_chat_bits_subs_and_a_dropped_connection(twitch: FakeTwitch, make_api: MakeApi) -> None:
    api = await make_api(**settings_for(twitch, livestream_chat_replies_per_minute=0,
                                        livestream_welcome_back_minutes=0))
    async with replies_of(api, "nova") as replies:
        await twitch.joined(1)
        assert twitch.received[0] == "CAP REQ :twitch.tv/tags twitch.tv/commands"
        assert twitch.received[1].startswith("NICK justinfan")  # anonymous, read-only
        assert not any(r.startswith("PASS") for r in twitch.received)
        assert twitch.received[2] == f"JOIN #{CHAN}"
        await twitch.send(privmsg(CHAN, "mika", "1001", "I baked a strawberry cake today", display="Mika",
                                  msg_id="t1"))
        [first] = await replies.until("t1")
        assert first["user_id"] == "twitch:1001" and first["viewer_name"] == "Mika"
        assert first["viewer_known"] is False
        await api.app[STATE].services.conversation.drain()

        await twitch.send("PING :tmi.twitch.tv")
        await twitch.got("PONG :tmi.twitch.tv")
        await twitch.send(privmsg(CHAN, "mika", "1001", "I'm back!", display="Mika", msg_id="t2"))
        [back] = await replies.until("t2")
        assert back["welcomed_back"] is True and "strawberry cake" in back["reply"]

        chats = [privmsg(CHAN, f"v{i}", f"20{i:02d}", f"hello {i}", msg_id=f"h{i}") for i in range(4)]
        cheer = privmsg(CHAN, "rich", "3001", "Cheer100 Cheer400 love this stream", display="Rich", bits=500,
                        msg_id="bits1")
        sub = usernotice(CHAN, "ann", "3002", "resub", "ann subscribed at Tier 1. They've subscribed for 6 months!",
                         "six months already", display="Ann", msg_id="sub1", cumulative_months="6",
                         sub_plan="1000")
        gift = usernotice(CHAN, "gus", "3003", "subgift", "gus gifted a Tier 1 sub to Mika!", display="Gus",
                          msg_id="gift1", recipient_display_name="Mika", recipient_id="1001", sub_plan="1000",
                          gift_months="1")
        await twitch.send(*chats, cheer, sub, gift)  # one frame, as Twitch batches lines
        await replies.until("bits1", "sub1", "gift1", *(f"h{i}" for i in range(4)))
        ordered = [m["event_id"] for m in replies.order]
        assert max(ordered.index(p) for p in ("bits1", "sub1", "gift1")) < min(ordered.index(f"h{i}")
                                                                              for i in range(4))
        bits = replies.by_id["bits1"]
        assert bits["event_type"] == "superchat" and bits["amount"] == 500.0 and bits["currency"] == "BITS"
        assert bits["message"] == "love this stream" and bits["reply"].startswith("Thank you for the 500 bits, Rich!")
        assert "five hundred bits" in bits["tts_text"]
        assert replies.by_id["sub1"]["event_type"] == "membership"
        assert replies.by_id["sub1"]["message"] == "six months already"
        assert replies.by_id["gift1"]["event_type"] == "gift" and replies.by_id["gift1"]["viewer_name"] == "Gus"

        await twitch.drop()
        await twitch.joined(2)  # reconnected and joined again
        # a server that repeats the last line after the reconnect: it is not answered twice
        await twitch.send(gift, privmsg(CHAN, "mika", "1001", "still here", display="Mika", msg_id="t3"))
        await replies.until("t3")
    stats = await stats_when(api, "nova", lambda s: s["answered"] >= 10)
    assert stats["received"] == 10 and stats["answered"] == 10
    assert [m["event_id"] for m in replies.order].count("gift1") == 1
    [status] = (await health_when(api, lambda cs: cs[0]["duplicates_skipped"] >= 1))["live_connectors"]
    assert status["platform"] == "twitch" and status["state"] == "connected" and status["reconnects"] == 1
    assert status["events_fed"] == 10 and status["duplicates_skipped"] == 1


async def test_a_burst_of_1000_lines_never_drops_a_paid_event(twitch: FakeTwitch, make_api: MakeApi) -> None:
    api = await make_api(**settings_for(twitch))  # the default answer rate: 20 chats a minute, burst 3
    lines, paid = [], []
    for i in range(1000):
        if i % 100 == 50:
            lines.append(privmsg(CHAN, f"fan{i}", f"9{i:04d}", f"Cheer10 line {i}", bits=10, msg_id=f"p{i}"))
            paid.append(f"p{i}")
        else:
            lines.append(privmsg(CHAN, f"v{i % 150}", f"8{i % 150:04d}", f"chat line {i}", msg_id=f"b{i}"))
    async with replies_of(api, "nova") as replies:
        await twitch.joined(1)
        for start in range(0, 1000, 100):
            await twitch.send(*lines[start:start + 100])
        await replies.until(*paid)
    # every line ends answered or dropped; one may still be mid-answer when the queue is already empty
    stats = await stats_when(api, "nova", lambda s: s["received"] == 1000 and s["waiting_chat"] == 0
                             and s["answered"] + s["dropped"]["total"] + s["failed"] == 1000)
    assert stats["received"] == 1000 and stats["by_type"] == {"chat": 990, "superchat": 10}
    assert stats["dropped"]["total"] == stats["dropped"]["rate_limited"] + stats["dropped"]["queue_full"]
    assert stats["dropped"]["total"] >= 900  # ordinary chat beyond the rate is dropped...
    assert stats["answered"] + stats["dropped"]["total"] == 1000 and stats["failed"] == 0
    assert {m["event_id"] for m in replies.order} >= set(paid)  # ...but every cheer is answered


async def test_a_refused_token_stops_the_connector_with_the_setting_to_fix(twitch: FakeTwitch,
                                                                          make_api: MakeApi) -> None:
    api = await make_api(**settings_for(twitch, twitch_oauth_token="oauth:wrong", twitch_nick="cocoro_bot"))
    [status] = (await health_when(api, lambda cs: cs[0]["state"] == "stopped"))["live_connectors"]
    assert "TWITCH_OAUTH_TOKEN" in status["last_error"] and "Login authentication failed" in status["last_error"]
    assert "PASS oauth:wrong" in twitch.received and "NICK cocoro_bot" in twitch.received

    good = await make_api(**settings_for(twitch, twitch_oauth_token=GOOD_TOKEN, twitch_nick="Cocoro_Bot"))
    await health_when(good, lambda cs: cs[0]["state"] == "connected")
    assert f"PASS oauth:{GOOD_TOKEN}" in twitch.received  # "oauth:" added when the token lacks it


def test_irc_lines_and_tag_escapes() -> None:
    value = "a;b c\\d\r\n"
    assert unescape_tag(escape_tag(value)) == value
    assert unescape_tag("x\\:y\\sz\\\\w\\q\\") == "x;y z\\wq"  # unknown escape is the character, lone \ dropped
    msg = parse_line("@badge-info=;display-name=Ann\\sB;id=42;user-id=7 :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :hi :) x")
    assert msg is not None and msg.command == "PRIVMSG" and msg.params == ["#c", "hi :) x"]
    assert msg.tags["display-name"] == "Ann B" and msg.tags["badge-info"] == "" and msg.nick == "ann"
    ping = parse_line("PING :tmi.twitch.tv")
    assert ping is not None and ping.command == "PING" and ping.trailing == "tmi.twitch.tv" and ping.prefix is None
    assert parse_line("") is None and parse_line("@a=b ") is None
    me = parse_line(privmsg("c", "ann", "7", "\x01ACTION waves\x01", msg_id="m"))
    assert me is not None and (event := to_event(me)) is not None and event.message == "waves"
    raid = parse_line(usernotice("c", "ann", "7", "raid", "7 raiders from ann", msg_id="r", viewerCount="7"))
    assert raid is not None and to_event(raid) is None  # raids are not paid and not chat
    mystery = parse_line(usernotice("c", "gus", "8", "submysterygift", "gus is gifting 5 subs", msg_id="g",
                                    mass_gift_count="5"))
    assert mystery is not None and (gift := to_event(mystery)) is not None
    assert (gift.type, gift.amount, gift.viewer_name) == ("gift", 5.0, "gus")
