"""`chat` with no language model, as users see it in Discord: the built-in companion answers what was said
(greeting, thanks, a question about the past with the one memory that answers it, a feeling named back
with empathy), in the persona's voice and the user's language, and says that no model is set once per
user per day. Its words are never saved as what the persona said."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.services import Services
from memory.clock import utcnow
from tests.cogs.test_cog_chat import turns, world

NOTE_JA = "（いまは言語モデルが設定されていないので、ココロは短いお返事しかできません）"
NOTE_EN = "(No language model is set up right now, so my replies are short.)"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


async def chat(user: Any, channel: Any, text: str) -> str:
    await user.send(channel, f"!chat {text}")
    return str(channel.last_message.content)


async def test_japanese_transcript(simcord_env: Any, services: Services) -> None:
    _, channel, _, alice, _ = world(simcord_env)
    for fact in ("私は毎朝ジョギングをしています", "うちの猫の名前はモチです", "好きな食べ物はラーメンです"):
        await alice.send(channel, f"!memorize {fact}")

    hello = await chat(alice, channel, "こんにちは！")
    assert hello.startswith(("aliceさん、こんにちは！ココロです✨", "わあ、aliceさん！来てくれてうれしいです🎵"))
    assert hello.endswith("\n" + NOTE_JA)  # the first reply today says that no model is set

    thanks = await chat(alice, channel, "ありがとう！")
    assert thanks == "どういたしまして！aliceさんの役に立てたなら、ココロもうれしいです✨"  # Cocoro's own words

    cat = await chat(alice, channel, "うちの猫の名前、覚えてる？")
    assert cat.startswith("覚えてますよ✨") and "「うちの猫の名前はモチです」" in cat
    assert "ジョギング" not in cat and "ラーメン" not in cat and "覚えてる？" not in cat  # one memory, not the question

    sad = await chat(alice, channel, "昨日飼っていた金魚が死んでしまって、すごく悲しい")
    assert "悲しい" in sad and "「" not in sad  # the feeling, named; no memory dragged in

    advice = await chat(alice, channel, "今日は何をしたらいいと思う？")
    await simcord_env.advance_time(31)  # past the chat cooldown (5 per 30 s)
    again = await chat(alice, channel, "今日は何をしたらいいと思う？")
    for reply in (advice, again):  # never a list of memories, never the question quoted back, no "（なし）"
        assert "今日は何をしたらいいと思う" not in reply and "（なし）" not in reply and "・" not in reply
        assert "言語モデル" not in reply

    saved = await turns(services, alice)
    assert saved and all(t.ai_message is None for t in saved)  # its words are never saved as the persona's


async def test_english_transcript_in_the_users_language(simcord_env: Any, services: Services,
                                                        client_locale: dict[int, str]) -> None:
    _, channel, _, alice, _ = world(simcord_env)  # the channel's persona is Cocoro, who speaks Japanese
    await alice.slash(channel, "memorize", text="I play the cello in a community orchestra")
    await alice.slash(channel, "memorize", text="My sister lives in Osaka")

    hello = (await alice.slash(channel, "chat", message="Hi there!")).response.content
    assert hello.startswith(("Hi alice!", "Hey alice,")) and hello.endswith("\n" + NOTE_EN)
    thanks = (await alice.slash(channel, "chat", message="Thanks a lot!")).response.content
    assert thanks in ("You're welcome, alice! Happy to help.", "Anytime, alice!", "Aw, thank you too!")
    cello = (await alice.slash(channel, "chat", message="Do you remember what instrument I play?")).response.content
    assert '"I play the cello in a community orchestra"' in cello and "Osaka" not in cello
    sad = (await alice.slash(channel, "chat", message="I'm so sad, my cat died yesterday")).response.content
    assert "sad" in sad and '"' not in sad
    for reply in (hello, thanks, cello, sad):
        assert not JAPANESE.search(reply), reply
    # a Japanese message from the same en-US client is answered in Japanese
    ja = (await alice.slash(channel, "chat", message="こんばんは")).response.content
    assert ja.startswith(("aliceさん、こんばんは！", "こんばんは、aliceさん。"))


async def test_the_no_model_note_comes_once_per_user_per_day(simcord_env: Any, services: Services) -> None:
    _, channel, _, alice, bob = world(simcord_env)
    days = [0]
    services.conversation.clock = lambda: utcnow() + timedelta(days=days[0])
    assert (await chat(alice, channel, "おはよう")).endswith(NOTE_JA)
    assert "言語モデル" not in await chat(alice, channel, "今日は雨です")
    assert "言語モデル" not in await chat(alice, channel, "おはよう")
    assert (await chat(bob, channel, "おはよう")).endswith(NOTE_JA)  # every user hears it once
    days[0] = 1  # the next day
    assert (await chat(alice, channel, "おはよう")).endswith(NOTE_JA)
    assert "言語モデル" not in await chat(alice, channel, "おやすみ")


async def test_persona_info_says_no_model_is_set(simcord_env: Any, services: Services) -> None:
    _, channel, _, alice, _ = world(simcord_env)
    await alice.send(channel, "!persona info")
    fields = {f.name: f.value for f in channel.last_message.embeds[0].fields}
    assert fields["言語モデル"].startswith("なし（言語モデルが設定されていないので")


async def test_listy_answers_in_her_own_calm_words(simcord_env: Any, services: Services) -> None:
    _, channel, admin, alice, _ = world(simcord_env)
    await admin.send(channel, "!admin persona listy")
    assert await chat(alice, channel, "こんにちは") == (
        "ようこそ、aliceさん。今日はどんなお話を聞かせてくださいますか。\n"
        "（言語モデルが設定されていないため、短いお返事になります）")
    assert await chat(alice, channel, "好きな本、覚えてる？") == (
        "その記録は、まだ見当たりません。よろしければ教えてください。")
