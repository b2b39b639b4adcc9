"""Which expression a persona shows for an emotion (its avatar's expression or hotkey name).

A persona file may map emotion keys to its own names in an `[expressions]` table (e.g. `joy = "smile2"`,
matching a VTube Studio hotkey or a Live2D expression); the rest fall back to DEFAULT. The overlay page
shows the expression's face and sets `data-expression`, so OBS custom CSS can swap in an image.
"""

from __future__ import annotations

from collections.abc import Iterable

NEUTRAL = "neutral"
DEFAULT: dict[str, str] = {
    "joy": "smile", "affection": "warm", "trust": "warm", "interest": "curious", "anticipation": "curious",
    "excitement": "excited", "relief": "relieved", "surprise": "surprised", "sadness": "sad", "anger": "angry",
    "fear": "scared", "disgust": "disgusted", "shame": "embarrassed",
}
FACES: dict[str, str] = {
    "smile": "(^▽^)", "warm": "(*´▽`*)", "curious": "(・ω・)?", "excited": "(≧▽≦)", "relieved": "(´▽`)",
    "surprised": "(ﾟoﾟ)", "sad": "(´；ω；`)", "angry": "(`ε´)", "scared": "(;ﾟДﾟ)", "disgusted": "(¬_¬)",
    "embarrassed": "(/ω＼)", NEUTRAL: "(・_・)",
}


def expression_for(emotion: str | None, overrides: Iterable[tuple[str, str]] = ()) -> str:
    """The expression name for an emotion key (None: no emotion detected -> neutral)."""
    if emotion is None:
        return dict(overrides).get(NEUTRAL, NEUTRAL)
    return dict(overrides).get(emotion) or DEFAULT.get(emotion, NEUTRAL)


def face_of(expression: str) -> str:
    """A text face for the overlay ('' for a persona's own expression names)."""
    return FACES.get(expression, "")
