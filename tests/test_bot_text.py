"""What users read: the message catalogue, language detection, and the emotion chart's labels."""

from __future__ import annotations

import io
import string
import warnings
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

import bot.discord.charts as charts
from bot.discord.i18n import LOCALES, MESSAGES, t
from bot.discord.ui.locale import detect_language
from memory.clock import utcnow


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_message_exists_in_both_languages_with_the_same_placeholders() -> None:
    for key, entry in MESSAGES.items():
        assert {k.split(":")[0] for k in entry} == set(LOCALES) and set(LOCALES) <= set(entry), key
        fields = [_fields(entry[loc]) for loc in LOCALES]
        assert fields[0] == fields[1], key
        for variant in (k for k in entry if ":" in k):  # plural forms say the same things
            assert _fields(entry[variant]) == fields[0] and "count" in fields[0], (key, variant)
    assert t("ja", "forget.done", id="x") == "記憶を1件削除しました（ID: `x`）。"
    assert t("fr", "forget.done", id="x") == "Deleted 1 memory (ID: `x`)."


def test_counts_take_the_plural_form_of_the_language() -> None:
    assert t("en", "emotions.value", count=1, pct="20.0") == "1 time (20.0%)"
    assert t("en", "emotions.value", count=2, pct="40.0") == "2 times (40.0%)"
    assert t("ja", "emotions.value", count=1, pct="20.0") == "1回 (20.0%)"
    page = {"total": 1, "page": 1, "pages": 1, "persona": "Nova"}
    assert t("en", "memories.description", count=1, **page) == "Latest 1 memory (1 in all, page 1/1, Nova)"
    assert t("en", "memories.description", count=0, **page).startswith("Latest 0 memories")
    assert t("en", "mydata.sent", count=1) == "I sent you your data (1 memory) by DM."


@pytest.mark.parametrize(("text", "expected"), [
    ("好きな映画は？", "ja"), ("カタカナだけ", "ja"), ("what is my favourite movie", "en"), ("I'm happy!", "en"),
    ("nova", None), ("5", None), ("3f2a9c01-77aa-4bcd-9e0f-0123456789ab", None), ("<@12345> <#678>", None),
    ("https://example.com/a/b", None), ("ok 映画", "ja"),
])
def test_language_detection(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


def _timeline() -> list[tuple]:
    now = utcnow()
    return [(now - timedelta(days=d), labels) for d, labels in
            [(9, ["joy"]), (5, ["joy", "sadness"]), (2, ["interest"]), (0, ["joy"])]]


def test_chart_falls_back_to_english_labels_without_a_japanese_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "japanese_font", lambda: None)
    assert charts.chart_language("ja") == "en"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        png = charts.render_emotion_chart(_timeline(), ["joy", "sadness", "interest"], "ja", "感情の推移", "回数")
    assert png.startswith(b"\x89PNG")


def test_chart_in_japanese_when_a_font_is_installed() -> None:
    if charts.japanese_font() is None:
        pytest.skip("no Japanese font installed (apt-get install fonts-ipafont-gothic)")
    assert charts.chart_language("ja") == "ja"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = charts.render_emotion_chart(_timeline(), ["joy", "sadness", "interest"], "ja", "感情の推移", "回数")
    assert png.startswith(b"\x89PNG")


def test_long_histories_are_grouped_by_week() -> None:
    now = utcnow()
    edges, step = charts._buckets([now - timedelta(days=200), now])
    assert step == timedelta(days=7) and len(edges) == 29


JOY = (0xF4, 0xB4, 0x00)


def _bars(png: bytes) -> list[int]:
    """Widths (pixels) of the joy-coloured bars, read back from the PNG along the row just above the x axis."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    for y in range(height - 1, 0, -1):  # the lowest row that has joy in it
        row = [image.getpixel((x, y)) == JOY for x in range(width)]
        if any(row):
            break
    runs, length = [], 0
    for hit in [*row, False]:
        if hit:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    return runs


def test_a_first_day_chart_is_one_bar_with_a_date_tick() -> None:
    first_day = [(datetime(2026, 1, 5, 3, 0, tzinfo=UTC), ["joy"]), (datetime(2026, 1, 5, 9, 30, tzinfo=UTC), ["joy"])]
    fig = charts.emotion_chart(first_day, ["joy"], "en", "Emotions over time", "count")
    ticks = [label.get_text() for label in fig.axes[0].get_xticklabels()]
    assert ticks == ["01/05"]  # a date, not hours of that day
    bars = _bars(charts.render_emotion_chart(first_day, ["joy"], "en", "Emotions over time", "count"))
    assert len(bars) == 1 and 20 <= bars[0] <= 200  # one bar, not a block filling the plot (~620 px wide)


def test_days_are_the_readers_days() -> None:
    # 23:58 and 01:00 UTC: two days in London, one morning (08:58, 10:00) in Tokyo
    around_midnight = [(datetime(2026, 1, 4, 23, 58, tzinfo=UTC), ["joy"]),
                       (datetime(2026, 1, 5, 1, 0, tzinfo=UTC), ["joy"])]
    london = charts.render_emotion_chart(around_midnight, ["joy"], "en", "t", "n", ZoneInfo("Europe/London"))
    tokyo = charts.render_emotion_chart(around_midnight, ["joy"], "en", "t", "n", ZoneInfo("Asia/Tokyo"))
    assert len(_bars(london)) == 2 and len(_bars(tokyo)) == 1
