"""A chat turn is found through who said it and what it answered (memory.turn_text)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.maintenance import reembed_all
from memory.options import EngineOptions
from memory.turn_text import speaker_label, with_context
from memory.types import MemoryFilter, MemoryInput, Scope

T, C = "t", "discord"
ALICE_ONLY = MemoryFilter(tenant=T, cube=C, user_id="alice")


def turn(user: str, session: str, text: str) -> MemoryInput:
    return MemoryInput(scope=Scope(T, C, user, session), user_message=text)


# Alice's answer means nothing alone; Bob's question before it says what it is about.
HOLIDAY = [turn("bob", "s1", "How was your holiday?"), turn("alice", "s1", "Amazing, we spent two weeks in Lisbon!")]
DISTRACTORS = [turn("alice", "s2", "I need a holiday so badly."), turn("alice", "s3", "My sister lives in Madrid."),
               turn("alice", "s4", "Amazing, thanks!"), turn("alice", "s5", "We spent two hours in the queue.")]
QUESTION = "Where did Alice go on holiday?"


async def _dense_top(options: EngineOptions, embedder: Embedder, items: list[MemoryInput]) -> str:
    engine = await MemoryEngine.open(replace(options, lexical_weight=0.0), embedder)
    try:
        await engine.save_batch(items)
        return (await engine.search(QUESTION, ALICE_ONLY, top_k=3))[0].memory.content
    finally:
        await engine.close()


async def test_a_reply_is_found_by_the_question_it_answered(tmp_path: Path, embedder: Embedder) -> None:
    with_context_top = await _dense_top(EngineOptions(data_dir=tmp_path / "a"), embedder, HOLIDAY + DISTRACTORS)
    assert with_context_top == "Amazing, we spent two weeks in Lisbon!"
    # the same turns embedded alone: the answer loses to a message that merely mentions a holiday
    alone = EngineOptions(data_dir=tmp_path / "b", turn_context_turns=0)
    assert await _dense_top(alone, embedder, HOLIDAY + DISTRACTORS) == "I need a holiday so badly."


async def test_context_stays_inside_the_session(tmp_path: Path, embedder: Embedder) -> None:
    # Bob's question was in another session, so Alice's reply carries nothing about a holiday
    items = [turn("bob", "elsewhere", "How was your holiday?"), turn("alice", "s1", HOLIDAY[1].user_message or "")]
    top = await _dense_top(EngineOptions(data_dir=tmp_path / "a"), embedder, items + DISTRACTORS)
    assert top == "I need a holiday so badly."


async def test_a_turn_saved_with_its_own_vector_is_still_context_for_the_next(tmp_path: Path,
                                                                              embedder: Embedder) -> None:
    """A caller's vector needs no context read for its own turn, but the turn after it still shows it."""
    asked = embedder.encode([embedder.passage_prefix + "bob: How was your holiday?"])[0]
    items = [replace(HOLIDAY[0], embedding=asked), HOLIDAY[1]]
    top = await _dense_top(EngineOptions(data_dir=tmp_path / "a"), embedder, items + DISTRACTORS)
    assert top == "Amazing, we spent two weeks in Lisbon!"


async def test_one_by_one_batch_and_reembedding_agree(tmp_path: Path, embedder: Embedder) -> None:
    """Context comes from the database when turns arrive one at a time, as a bot saves them."""
    items = HOLIDAY + DISTRACTORS
    batch = await MemoryEngine.open(EngineOptions(data_dir=tmp_path / "batch"), embedder)
    single = await MemoryEngine.open(EngineOptions(data_dir=tmp_path / "single"), embedder)
    try:
        await batch.save_batch(items)
        for item in items:
            await single.save(item)
        cosines = [{h.memory.content: h.cosine for h in await e.search(QUESTION, ALICE_ONLY, top_k=5)}
                   for e in (batch, single)]
        assert cosines[0] == cosines[1]
        await reembed_all(single)
        again = {h.memory.content: h.cosine for h in await single.search(QUESTION, ALICE_ONLY, top_k=5)}
        assert again == cosines[0]
    finally:
        await batch.close()
        await single.close()


async def test_speaker_names_are_searchable_words(engine: MemoryEngine) -> None:
    await engine.save_batch([turn("Hinata", "s1", "I went to a pottery class yesterday."),
                             turn("Kenji", "s1", "That sounds relaxing."),
                             MemoryInput(scope=Scope(T, C, "123456789012345678", "s1"), user_message="Hi all!")])
    hits = await engine.search("Hinata", MemoryFilter(tenant=T, cube=C), top_k=3)
    assert hits[0].memory.content == "I went to a pottery class yesterday." and hits[0].matched_lexically
    assert [h.memory.content for h in hits if h.matched_lexically] == [hits[0].memory.content]
    # stored content stays the user's own words
    assert hits[0].memory.user_message == "I went to a pottery class yesterday."
    # an opaque id (a Discord snowflake) is not written into the text
    snowflake = await engine.search("123456789012345678", MemoryFilter(tenant=T, cube=C), top_k=3)
    assert not any(h.matched_lexically for h in snowflake)


def test_speaker_label_prefers_a_given_name_and_skips_opaque_ids() -> None:
    assert speaker_label("123456789012345678", {"speaker": "さくら"}) == "さくら"
    assert speaker_label("123456789012345678", {"viewer_name": "Mika", "platform": "youtube"}) == "Mika"
    assert speaker_label("Hinata", {}) == "Hinata"
    assert speaker_label("123456789012345678", None) is None
    assert speaker_label("0f8fad5b-d9cb-469f-a165-70867728950e", None) is None
    assert speaker_label(None, None) is None


def test_context_keeps_the_turn_whole_and_the_nearest_context() -> None:
    own = "bob: " + "x" * 50
    text = with_context(own, ["alice: " + "a" * 100, "carol: the last words"], max_chars=30)
    assert text.endswith("\n" + own)
    assert text.startswith("…") and "carol: the last words" in text and "alice" not in text
    assert with_context(own, [], 30) == own and with_context(own, ["ctx"], 0) == own


async def test_the_same_reply_to_different_messages_stays_two_memories(engine: MemoryEngine) -> None:
    res = await engine.save_batch([turn("alice", "s1", "Here is the painting I finished last night."),
                                   turn("bob", "s1", "Thanks!"),
                                   turn("alice", "s1", "Also, I got the new job at the hospital."),
                                   turn("bob", "s1", "Thanks!")])
    assert [r.deduplicated for r in res.saved] == [False, False, False, False]
    # the same exchange repeated is still one memory, reinforced
    again = await engine.save_batch([turn("alice", "s2", "Also, I got the new job at the hospital."),
                                     turn("bob", "s2", "Thanks!")])
    assert again.saved[1].deduplicated and again.saved[1].memory.id == res.saved[3].memory.id


async def test_a_users_different_short_messages_are_not_merged(engine: MemoryEngine) -> None:
    """Every turn of a user shares the speaker's name in its vector; that must not merge them."""
    me = Scope(T, C, "u1")
    saved = [await engine.save_turn(me, f"旅行の思い出 {i}: 沖縄の海") for i in range(3)]
    assert not any(r.deduplicated for r in saved)
    again = await engine.save_turn(me, "旅行の思い出 2：沖縄の海！")  # full-width colon, an exclamation mark
    assert again.deduplicated and again.memory.id == saved[2].memory.id
