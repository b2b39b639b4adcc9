"""Search finds what a person would expect: paraphrases, Japanese words, only the caller's memories."""

from __future__ import annotations

from memory.engine import MemoryEngine
from memory.types import MemoryFilter, Scope

ALICE = Scope(tenant="t1", cube="user_user_cocoro_cube", user_id="alice")
BOB = Scope(tenant="t1", cube="user_user_cocoro_cube", user_id="bob")

ALICE_FACTS = [
    "猫を二匹飼っていて、名前はミケとタマです",
    "来月東京に引っ越す予定です",
    "I am allergic to peanuts and shellfish",
    "My favourite band is Radiohead and I saw them live in 2017",
    "毎朝ジョギングを5キロしています",
    "I work as a nurse on night shifts at the city hospital",
]


async def _seed(engine: MemoryEngine) -> None:
    for fact in ALICE_FACTS:
        await engine.store(ALICE, fact)
    await engine.store(BOB, "犬を飼っています。名前はポチです")
    await engine.store(BOB, "I am allergic to cats")


async def test_japanese_paraphrase_finds_the_right_memory(engine: MemoryEngine) -> None:
    await _seed(engine)
    hits = await engine.search("ペットは何を飼っている？", MemoryFilter(tenant="t1", user_id="alice"), top_k=3)
    assert "ミケ" in hits[0].memory.content
    hits = await engine.search("引越し先はどこ", MemoryFilter(tenant="t1", user_id="alice"), top_k=3)
    assert "東京" in hits[0].memory.content


async def test_english_paraphrase_and_cross_language(engine: MemoryEngine) -> None:
    await _seed(engine)
    f = MemoryFilter(tenant="t1", user_id="alice")
    assert "peanuts" in (await engine.search("what food can't she eat", f, top_k=3))[0].memory.content
    assert "nurse" in (await engine.search("what is her job", f, top_k=3))[0].memory.content
    # a Japanese question about an English memory
    assert "peanuts" in (await engine.search("ピーナッツのアレルギー", f, top_k=3))[0].memory.content
    assert "nurse" in (await engine.search("看護師の仕事", f, top_k=3))[0].memory.content


async def test_two_character_japanese_word_matches_lexically(engine: MemoryEngine) -> None:
    await _seed(engine)
    hits = await engine.search("東京", MemoryFilter(tenant="t1", user_id="alice"), top_k=2)
    assert "東京" in hits[0].memory.content and hits[0].matched_lexically


async def test_a_user_never_sees_another_users_memories(engine: MemoryEngine) -> None:
    await _seed(engine)
    hits = await engine.search("ポチという犬", MemoryFilter(tenant="t1", user_id="alice"), top_k=10)
    assert hits and all(h.memory.scope.user_id == "alice" for h in hits)
    assert not any("ポチ" in h.memory.content for h in hits)
    bob = await engine.search("allergy", MemoryFilter(tenant="t1", user_id="bob"), top_k=10)
    assert {h.memory.content for h in bob} == {"犬を飼っています。名前はポチです", "I am allergic to cats"}


async def test_cubes_and_tenants_are_isolated(engine: MemoryEngine) -> None:
    await engine.store(Scope(tenant="t1", cube="persona_a", user_id="u"), "秘密のパスワードは赤いりんご")
    await engine.store(Scope(tenant="t1", cube="persona_b", user_id="u"), "好きな色は青")
    await engine.store(Scope(tenant="t2", cube="persona_a", user_id="u"), "別のテナントの記憶")
    hits = await engine.search("秘密のパスワード", MemoryFilter(tenant="t1", cube="persona_b"), top_k=5)
    assert [h.memory.content for h in hits] == ["好きな色は青"]
    hits = await engine.search("記憶", MemoryFilter(tenant="t2"), top_k=5)
    assert [h.memory.content for h in hits] == ["別のテナントの記憶"]


async def test_scores_are_similarities_in_unit_range_and_ordered_by_relevance(engine: MemoryEngine) -> None:
    await _seed(engine)
    hits = await engine.search("猫の名前", MemoryFilter(tenant="t1", user_id="alice"), top_k=6)
    assert len(hits) == 6
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert hits[0].score == max(h.score for h in hits)
    unrelated = [h for h in hits if "ミケ" not in h.memory.content]
    assert hits[0].score - max(h.score for h in unrelated) > 0.1


async def test_min_similarity_drops_weak_matches(engine: MemoryEngine) -> None:
    await _seed(engine)
    f = MemoryFilter(tenant="t1", user_id="alice")
    everything = await engine.search("猫の名前は何", f, top_k=10)
    strict = await engine.search("猫の名前は何", f, top_k=10, min_similarity=0.5)
    assert 1 <= len(strict) < len(everything)
    assert all(h.score >= 0.5 for h in strict)
    assert "ミケ" in strict[0].memory.content


async def test_recall_is_counted(engine: MemoryEngine) -> None:
    saved = await engine.store(ALICE, "好きな食べ物はカレーライス")
    await engine.search("カレー", MemoryFilter(tenant="t1", user_id="alice"))
    await engine.flush_access()
    got = await engine.get(saved.memory.id)
    assert got.access_count == 1 and got.last_accessed_at is not None
