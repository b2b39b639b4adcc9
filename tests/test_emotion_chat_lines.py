"""Issue 14's wrong labels, as a user saw them on saved memories (real ML-Ask/ipadic, NRCLex, VADER)."""

from __future__ import annotations

import pytest

from memory.emotions.analyzer import EmotionAnalyzer


@pytest.fixture(scope="module")
def analyzer() -> EmotionAnalyzer:
    return EmotionAnalyzer()


def labels(analyzer: EmotionAnalyzer, text: str) -> list[str]:
    return [s.label for s in analyzer.analyze(text)]


def test_a_habit_is_not_anger_fear_or_shame(analyzer: EmotionAnalyzer) -> None:
    found = labels(analyzer, "毎朝コーヒーを飲まないと目が覚めない")
    assert not {"anger", "fear", "shame", "excitement", "surprise"} & set(found)


def test_birthday_congratulations_are_joy(analyzer: EmotionAnalyzer) -> None:
    assert labels(analyzer, "誕生日おめでとう！")[:1] == ["joy"]
    assert "joy" in labels(analyzer, "Happy birthday!! 🎂")


def test_a_fluffy_new_cat_is_joy_or_affection(analyzer: EmotionAnalyzer) -> None:
    found = labels(analyzer, "I adopted a cat… She is so fluffy!")
    assert found and set(found) <= {"joy", "affection"}


def test_nerves_are_fear_not_excitement(analyzer: EmotionAnalyzer) -> None:
    assert labels(analyzer, "緊張する〜") == ["fear"]
    assert labels(analyzer, "明日の面接、緊張しすぎて眠れない…")[:1] == ["fear"]


@pytest.mark.parametrize("text", ["嬉しくない", "全然楽しくなかった", "I didn't enjoy the movie at all", "not happy"])
def test_a_negated_pleasant_word_is_disappointment(analyzer: EmotionAnalyzer, text: str) -> None:
    found = labels(analyzer, text)
    assert "joy" not in found
    assert found[:1] == ["sadness"]


@pytest.mark.parametrize("text", ["別に怒ってないよ", "I'm not angry, just tired", "honestly I wasn't scared at all"])
def test_a_negated_unpleasant_word_is_no_emotion(analyzer: EmotionAnalyzer, text: str) -> None:
    assert labels(analyzer, text) == []


def test_never_this_happy_is_still_happy(analyzer: EmotionAnalyzer) -> None:
    assert labels(analyzer, "never been this happy")[:1] == ["joy"]


@pytest.mark.parametrize(
    ("text", "label"),
    [("(´；ω；｀)", "sadness"), ("(〃▽〃)", "shame"), ("(╬ಠ益ಠ)", "anger"), ("(((；ﾟДﾟ)))", "fear"),
     ("Σ(ﾟДﾟ)", "surprise"), ("(・∀・)", "joy"), ("ぎゅーってしたい(´∀｀)♡", "affection")],
)
def test_kaomoji_are_read_by_their_faces(analyzer: EmotionAnalyzer, text: str, label: str) -> None:
    assert labels(analyzer, text)[:1] == [label]


@pytest.mark.parametrize("text", ["(笑)", "東京(とうきょう)に行く", "f(x) = 3", "Discordのサーバーに招待しておいた"])
def test_brackets_and_chat_words_are_not_emotions(analyzer: EmotionAnalyzer, text: str) -> None:
    assert "sadness" not in labels(analyzer, text) and "anger" not in labels(analyzer, text)
