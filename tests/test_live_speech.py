"""The text-to-speech text of livestream replies: what a reader would say, with nothing a TTS engine stumbles on."""

from __future__ import annotations

import pytest

from bot.livestream.speech import speakable


@pytest.mark.parametrize(("text", "language", "spoken"), [
    ("¥1,000ありがとう！✨", "ja", "千円ありがとう!"),
    ("スーパーチャット500 JPYありがとうございます！", "ja", "スーパーチャット五百円ありがとうございます!"),
    ("$3.50の投げ銭🎉", "ja", "三ドル五十セントの投げ銭"),
    ("１２３個のケーキ", "ja", "百二十三個のケーキ"),
    ("やったー(≧▽≦)すごいwww", "ja", "やったーすごい"),
    ("ヽ(・∀・)ﾉ わーい m(_ _)m", "ja", "わーい"),
    ("(´・ω・`) しょぼん (笑)", "ja", "しょぼん (笑)"),
    ("・2026-11-22：ケーキ", "ja", "・二千二十六年十一月二十二日:ケーキ"),
    ("$5 thanks 🎉👍🏽", "en", "five dollars thanks"),
    ("Thank you for the Super Chat 500 JPY, Bob!", "en", "Thank you for the Super Chat five hundred yen, Bob!"),
    ("€3.50 and CA$1.00 and £1.01", "en",
     "three euros and fifty cents and one Canadian dollar and one pound and one penny"),
    ("hi :) (T_T) (comment) (2 cakes)", "en", "hi (comment) (two cakes)"),
    ("- 2026-11-22: cake", "en", "- November twenty-second, twenty twenty-six: cake"),
    ("1,234 viewers, 1.5 times", "en", "one thousand, two hundred and thirty-four viewers, one point five times"),
    ("see https://example.com/x ok", "en", "see a link ok"),
])
def test_replies_are_spoken_as_a_reader_would(text: str, language: str, spoken: str) -> None:
    assert speakable(text, language) == spoken


def test_lines_emptied_by_faces_go_away() -> None:
    assert speakable("ありがとう\n(*´▽`*)\n✨✨\nまたね", "ja") == "ありがとう\nまたね"
