"""The one emotion label set the engine stores, with English keys and Japanese names.

Why one set: memories are tagged by two offline analyzers with different
taxonomies (ML-Ask's 10 Japanese categories and the NRC EmoLex's 8 Plutchik
emotions + 2 valences); callers and seed files use Japanese names (喜び, 興味,
親しみ). Everything is mapped onto the 13 keys below, and only keys are stored.

=============  ========  ===========================  ===============================
key            日本語     ML-Ask (pymlask) source      NRC EmoLex source
=============  ========  ===========================  ===============================
joy            喜び      yorokobi 喜                  joy
affection      親しみ    suki 好                      (cue words: love, miss, ...)
trust          信頼      — (cue words: 信じて, 頼り)     (cue words: trust, rely)
interest       興味      — (cue words: 興味, 気になる)   (cue words: curious, ...)
anticipation   期待      — (cue words: 楽しみ, 期待)    (cue words: hope, can't wait)
excitement     興奮      takaburi 昂                  (cue words: excited, hype)
relief         安心      yasu 安                      (cue words: relieved, phew)
surprise       驚き      odoroki 驚                   (cue words: wow, no way)
sadness        悲しみ    aware 哀                     sadness
anger          怒り      ikari 怒                     anger
fear           恐れ      kowa 怖 (不安 accepted)      fear
disgust        嫌悪      iya 厭                       disgust
shame          恥        haji 恥                      (cue words: embarrassed)
=============  ========  ===========================  ===============================

NRC's trust/anticipation/surprise are not used: on chat words they are connotations
(good → trust, gift → surprise). NRC's ``positive``/``negative`` are valences, not emotions: the analyzer uses
them (with VADER) to weight the labels above, never as labels. Each label has a
valence (+1/0/-1) for that weighting.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from memory.errors import ValidationError

__all__ = [
    "EMOTIONS",
    "LABELS",
    "MLASK_TO_KEY",
    "NRC_TO_KEY",
    "EmotionLabel",
    "UnknownEmotionLabel",
    "en_name",
    "ja_name",
    "normalize_label",
    "valence",
]


@dataclass(frozen=True, slots=True)
class EmotionLabel:
    """One canonical emotion: stored key, display names and valence."""

    key: str
    en: str
    ja: str
    valence: int  # +1 pleasant, 0 neutral, -1 unpleasant
    aliases: tuple[str, ...] = ()


LABELS: tuple[EmotionLabel, ...] = (
    EmotionLabel("joy", "Joy", "喜び", +1, ("yorokobi", "喜", "happiness", "うれしさ", "嬉しさ", "楽しさ")),
    EmotionLabel("affection", "Affection", "親しみ", +1, ("suki", "好", "好き", "好意", "愛情", "love", "liking")),
    EmotionLabel("trust", "Trust", "信頼", +1, ("信用",)),
    EmotionLabel("interest", "Interest", "興味", +1, ("curiosity", "好奇心", "関心")),
    EmotionLabel("anticipation", "Anticipation", "期待", +1, ()),
    EmotionLabel("excitement", "Excitement", "興奮", +1, ("takaburi", "昂", "昂り", "高ぶり")),
    EmotionLabel("relief", "Relief", "安心", +1, ("yasu", "安", "安らぎ")),
    EmotionLabel("surprise", "Surprise", "驚き", 0, ("odoroki", "驚")),
    EmotionLabel("sadness", "Sadness", "悲しみ", -1, ("aware", "哀", "哀しみ")),
    EmotionLabel("anger", "Anger", "怒り", -1, ("ikari", "怒")),
    EmotionLabel("fear", "Fear", "恐れ", -1, ("kowa", "怖", "不安", "恐怖", "anxiety")),
    EmotionLabel("disgust", "Disgust", "嫌悪", -1, ("iya", "厭", "嫌")),
    EmotionLabel("shame", "Shame", "恥", -1, ("haji", "恥ずかしさ", "embarrassment")),
)

EMOTIONS: tuple[str, ...] = tuple(label.key for label in LABELS)
"""Canonical keys in display order (pleasant first); ties in scores keep this order."""

_BY_KEY: Mapping[str, EmotionLabel] = MappingProxyType({label.key: label for label in LABELS})

MLASK_TO_KEY: Mapping[str, str] = MappingProxyType(
    {
        "yorokobi": "joy",
        "suki": "affection",
        "takaburi": "excitement",
        "yasu": "relief",
        "odoroki": "surprise",
        "aware": "sadness",
        "ikari": "anger",
        "kowa": "fear",
        "iya": "disgust",
        "haji": "shame",
    }
)
"""ML-Ask category → key (all 10 categories)."""

NRC_TO_KEY: Mapping[str, str] = MappingProxyType(
    {
        "joy": "joy",
        "trust": "trust",
        "anticipation": "anticipation",
        "surprise": "surprise",
        "sadness": "sadness",
        "anger": "anger",
        "fear": "fear",
        "disgust": "disgust",
    }
)
"""NRC emotion → key (``positive``/``negative`` are valences, handled separately)."""


def _fold(name: str) -> str:
    """Case- and width-insensitive form (ＪＯＹ, joy, Joy → joy)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _build_lookup() -> Mapping[str, str]:
    lookup: dict[str, str] = {}
    for label in LABELS:
        for name in (label.key, label.en, label.ja, *label.aliases):
            folded = _fold(name)
            if lookup.get(folded, label.key) != label.key:
                raise RuntimeError(f"emotion alias {name!r} is ambiguous")  # pragma: no cover
            lookup[folded] = label.key
    return MappingProxyType(lookup)


_LOOKUP = _build_lookup()


class UnknownEmotionLabel(ValidationError, ValueError):
    """An emotion name outside the label set (a ValueError, and a 422 for the HTTP layer)."""


def _valid_labels_text() -> str:
    return ", ".join(f"{label.key} ({label.ja})" for label in LABELS)


def normalize_label(name: str) -> str:
    """Map a key, English name, Japanese name or known alias to its key.

    Raises ``UnknownEmotionLabel`` (a ``ValueError``) listing the valid labels.
    """
    if not isinstance(name, str):
        raise UnknownEmotionLabel(
            f"emotion label must be a string, got {type(name).__name__}; valid labels: {_valid_labels_text()}",
            field="emotion",
        )
    key = _LOOKUP.get(_fold(name))
    if key is None:
        raise UnknownEmotionLabel(
            f"unknown emotion label {name!r}; valid labels: {_valid_labels_text()}",
            field="emotion",
        )
    return key


def _label(key: str) -> EmotionLabel:
    try:
        return _BY_KEY[key]
    except KeyError:
        return _BY_KEY[normalize_label(key)]


def ja_name(key: str) -> str:
    """Japanese display name (喜び for joy); accepts any name normalize_label accepts."""
    return _label(key).ja


def en_name(key: str) -> str:
    """English display name (Joy for joy); accepts any name normalize_label accepts."""
    return _label(key).en


def valence(key: str) -> int:
    """+1 pleasant, 0 neutral, -1 unpleasant; used to weight analyzer evidence."""
    return _label(key).valence


# one colour per emotion, shared by the Discord chart image and the web console's chart
EMOTION_COLORS = {"joy": "#f4b400", "affection": "#e91e63", "trust": "#4caf50", "interest": "#03a9f4",
                  "anticipation": "#ff9800", "excitement": "#ff5722", "relief": "#8bc34a", "surprise": "#9c27b0",
                  "sadness": "#3f51b5", "anger": "#d32f2f", "fear": "#607d8b", "disgust": "#795548",
                  "shame": "#9e9e9e"}
