"""Tests for the emotion label set and the offline analyzer (real pymlask/ipadic, NRCLex, VADER)."""

from __future__ import annotations

import pytest
from thread_helpers import results_from_threads

from memory.emotions.analyzer import EmotionAnalyzer, EmotionScore, analyze, analyze_turn
from memory.emotions.labels import (
    EMOTIONS,
    LABELS,
    MLASK_TO_KEY,
    NRC_TO_KEY,
    UnknownEmotionLabel,
    en_name,
    ja_name,
    normalize_label,
)
from memory.errors import ValidationError


@pytest.fixture(scope="module")
def analyzer() -> EmotionAnalyzer:
    return EmotionAnalyzer()


def labels_of(scores: list[EmotionScore]) -> list[str]:
    return [s.label for s in scores]


def top(scores: list[EmotionScore]) -> str:
    assert scores, "expected at least one emotion"
    return scores[0].label


# ---------------------------------------------------------------- labels


def test_label_set_is_consistent() -> None:
    assert len(EMOTIONS) == len(set(EMOTIONS)) == 13
    assert {"joy", "interest", "affection"} <= set(EMOTIONS)
    assert set(MLASK_TO_KEY.values()) <= set(EMOTIONS)
    assert set(NRC_TO_KEY.values()) <= set(EMOTIONS)
    assert len(MLASK_TO_KEY) == 10  # every ML-Ask category maps somewhere


def test_seed_display_names() -> None:
    assert [ja_name(k) for k in ("joy", "interest", "affection")] == ["喜び", "興味", "親しみ"]
    assert en_name("joy") == "Joy"
    assert ja_name("喜び") == "喜び"  # names are accepted where keys are


@pytest.mark.parametrize("name", ["joy", "JOY", "Joy", " joy ", "ＪＯＹ", "喜び", "yorokobi"])
def test_normalize_label_accepts_key_english_japanese(name: str) -> None:
    assert normalize_label(name) == "joy"


def test_normalize_label_aliases() -> None:
    assert normalize_label("不安") == "fear"
    assert normalize_label("恐れ") == "fear"
    assert normalize_label("親しみ") == "affection"
    for label in LABELS:
        assert normalize_label(label.key) == label.key
        assert normalize_label(label.en) == label.key
        assert normalize_label(label.ja) == label.key


def test_normalize_label_rejects_unknown_with_valid_list() -> None:
    with pytest.raises(ValueError) as info:
        normalize_label("happyness")
    message = str(info.value)
    assert "happyness" in message
    for key in EMOTIONS:
        assert key in message
    assert "喜び" in message
    assert isinstance(info.value, ValidationError)  # the HTTP layer maps it to 422
    assert isinstance(info.value, UnknownEmotionLabel)


# ---------------------------------------------------------------- analyzer


def test_japanese_joy(analyzer: EmotionAnalyzer) -> None:
    assert top(analyzer.analyze("今日はとても楽しかった！")) == "joy"


def test_japanese_sadness(analyzer: EmotionAnalyzer) -> None:
    assert top(analyzer.analyze("悲しいことがあって泣いた")) == "sadness"


def test_japanese_fear(analyzer: EmotionAnalyzer) -> None:
    assert top(analyzer.analyze("怖い夢を見た")) == "fear"


def test_japanese_negation_flips(analyzer: EmotionAnalyzer) -> None:
    assert "joy" not in labels_of(analyzer.analyze("全然楽しくなかった"))
    assert analyzer.analyze("興味ないです") == []


def test_english_love_and_thanks(analyzer: EmotionAnalyzer) -> None:
    scores = analyzer.analyze("I love this, thank you so much!")
    assert top(scores) in {"joy", "affection", "trust"}
    assert "affection" in labels_of(scores)  # thanks read as warmth
    assert all(valence_ok in {"joy", "affection", "trust"} for valence_ok in labels_of(scores))


def test_english_anger(analyzer: EmotionAnalyzer) -> None:
    assert top(analyzer.analyze("I'm furious about the delay")) == "anger"


def test_english_negation_uses_valence(analyzer: EmotionAnalyzer) -> None:
    assert "joy" not in labels_of(analyzer.analyze("I'm not happy"))


@pytest.mark.parametrize(
    "text",
    ["The meeting is at 3pm.", "会議は午後3時からです。", "I'll see you next time", "東京に行った時の話", ""],
)
def test_neutral_text_is_empty_or_very_low(analyzer: EmotionAnalyzer, text: str) -> None:
    assert all(s.score < 0.25 for s in analyzer.analyze(text))


def test_mixed_japanese_with_english_words(analyzer: EmotionAnalyzer) -> None:
    scores = analyzer.analyze("今日はcoworkerにめっちゃ怒られて、so sad")
    assert {"sadness", "anger"} <= set(labels_of(scores))
    assert top(analyzer.analyze("今日のライブ最高だった、so happy!!")) == "joy"


def test_mixed_english_with_japanese_phrase(analyzer: EmotionAnalyzer) -> None:
    scores = analyzer.analyze("That was so much fun, 本当にありがとう😊")
    assert top(scores) == "joy"
    assert top(analyzer.analyze("My exam is tomorrow and I'm so 不安")) == "fear"


def test_chat_cues(analyzer: EmotionAnalyzer) -> None:
    assert top(analyzer.analyze("マジで草www")) == "joy"
    assert top(analyzer.analyze("T_T")) == "sadness"
    assert top(analyzer.analyze("😡😡")) == "anger"
    assert top(analyzer.analyze("その話、すごく興味ある！")) == "interest"
    assert top(analyzer.analyze("OMG I can't wait!!!")) == "excitement"


def test_scores_are_sorted_bounded_and_frozen(analyzer: EmotionAnalyzer) -> None:
    scores = analyzer.analyze("寂しかったけど楽しかった!! 😭❤️ I hate waiting but I love you")
    assert scores == sorted(scores, key=lambda s: -s.score)
    assert all(0.0 < s.score <= 1.0 and s.label in EMOTIONS for s in scores)
    with pytest.raises(AttributeError):
        scores[0].score = 2.0  # type: ignore[misc]
    assert scores[0].ja == ja_name(scores[0].label)


def test_emphasis_raises_score(analyzer: EmotionAnalyzer) -> None:
    plain = analyzer.analyze("楽しかった")[0].score
    loud = analyzer.analyze("楽しかった!!!")[0].score
    assert loud > plain


def test_analyze_turn_weights_user_over_ai(analyzer: EmotionAnalyzer) -> None:
    user_sad = analyzer.analyze_turn("悲しいことがあって泣いた", "元気を出して！楽しいこともきっとあるよ")
    assert top(user_sad) == "sadness"
    ai_only = analyzer.analyze_turn("うん", "それは悲しいですね…😢")
    assert labels_of(ai_only) == ["sadness"]
    assert ai_only[0].score < analyzer.analyze("それは悲しいですね…😢")[0].score
    assert analyzer.analyze_turn("今日はとても楽しかった！", None) == analyzer.analyze("今日はとても楽しかった！")
    agree = analyzer.analyze_turn("今日はとても楽しかった！", "楽しかったね！")[0]
    assert agree.label == "joy" and agree.score >= analyzer.analyze("今日はとても楽しかった！")[0].score


def test_module_level_helpers() -> None:
    assert top(analyze("怖い夢を見た")) == "fear"
    assert top(analyze_turn("I'm furious about the delay", "Sorry about that")) == "anger"


def test_thread_safety_same_results(analyzer: EmotionAnalyzer) -> None:
    texts = [
        "今日はとても楽しかった！",
        "悲しいことがあって泣いた",
        "怖い夢を見た",
        "I love this, thank you so much!",
        "I'm furious about the delay",
        "The meeting is at 3pm.",
        "今日のライブ最高だった、so happy!!",
    ] * 20
    expected = [analyzer.analyze(t) for t in texts]
    results = results_from_threads(lambda: [analyzer.analyze(t) for t in texts])
    assert results == [expected] * 4


ML_ASK_TEXTS = [
    "彼女のことが嫌いではない！(;´Д`)", "うわーすごく嬉しい！！ｗｗ",
    "全然楽しくない…", "怖いけど、ちょっと好きかも(^_^)",
    "えっ本当？やったー！", "まじでムカつく、最悪だ", "ありがとう、大好きだよ♪", "悲しくて泣いた", "別に嫌いじゃないよ",
    "ドキドキしてワクワクした！", "ちくしょう、くそったれ！", "ねえダーリン、会いたいな",
    "びっくりした〜(ﾟДﾟ)", "恥ずかしくて顔が赤くなった",
    "安心したよ、ほっとした", "あーあ、つまらない一日だった", "感動して涙が止まらない",
    "今日は会議が三つある。", "猫がかわいすぎる(=^・^=)",
    "怒ってなんかいないよ", "すごく寂しいけど大丈夫", "へえ、そうなんだ", "最高！！！", "嫌だ嫌だ、もう帰りたい",
]


def test_indexed_ml_ask_gives_what_ml_ask_gives() -> None:
    """The faster ML-Ask (memory.emotions.mlask_fast) finds what the library's finds, in its order."""
    import ipadic
    from mlask import MLAsk

    from memory.emotions.mlask_fast import FastMLAsk

    slow, fast = MLAsk(ipadic.MECAB_ARGS), FastMLAsk(ipadic.MECAB_ARGS)
    found = 0
    for text in ML_ASK_TEXTS:
        want, got = slow.analyze(text), fast.analyze(text)
        if not want["emotion"]:
            assert not got.emotion and not got.intensifier and got.intension == 0, text
            continue
        found += 1
        assert list(got.emotion.items()) == list(want["emotion"].items()), text
        assert list(got.intensifier.items()) == list(want["intensifier"].items()), text
        assert got.intension == want["intension"], text
    assert found >= len(ML_ASK_TEXTS) // 2  # the texts exercise emotions, not only the empty path
