"""What a negated emotion word means in chat: 嬉しくない is disappointment, 怒ってない is no emotion.

Why: ML-Ask's contextual valence shifters (CVS) turn a negated word into every category of its
opposite side (目が覚めない → 怒/昂/驚/恥/怖, 嬉しくない → 厭), and miss negations after て
(怒ってないよ). Chat readers take a negated pleasant word as sadness, a negated dislike
(嫌いじゃない) as mild warmth, and anything else negated as no emotion at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["NEGATED_PLEASANT", "cvs_weights", "is_negated_after", "negated_mlask_weights"]

Weights = Mapping[str, float]

NEGATED_PLEASANT: Weights = MappingProxyType({"sadness": 1.0})
_NEGATED_DISLIKE: Weights = MappingProxyType({"affection": 0.6, "joy": 0.4})
_NOTHING: Weights = MappingProxyType({})

# ML-Ask's CVS output, by the categories a negated word is moved to → what it means.
_BY_CVS_CATEGORIES: Mapping[frozenset[str], Weights] = MappingProxyType(
    {
        frozenset({"iya"}): NEGATED_PLEASANT,  # 嬉しくない, 好きじゃない (yorokobi/suki negated)
        frozenset({"yorokobi", "suki"}): _NEGATED_DISLIKE,  # 嫌いじゃない (iya negated)
    }
)

_PLEASANT = frozenset({"yorokobi", "suki", "yasu"})
_UNPLEASANT = frozenset({"iya", "aware", "ikari", "kowa", "haji"})

# After an emotion word's stem: an optional て/で/く/ん and a few kana, then a negation (怒ってないよ,
# 楽しめなかった, 嬉しくねー). Anchored at the end of the stem with .match(text, pos).
_NEGATION_AFTER = re.compile(r"[てでくんっ]?[^、。!?！？\s]{0,3}?(?:ない|なかっ|なく|ません|ねえ|ねー|ねぇ)")
# ないと / なきゃ is a condition (飲まないと目が覚めない), not a negation of the emotion.
_CONDITIONS = ("ないと", "なければ", "なきゃ")


def cvs_weights(categories: frozenset[str]) -> Weights:
    """Weights for an ML-Ask word marked ``*CVS`` (negated), from the categories ML-Ask moved it to."""
    return _BY_CVS_CATEGORIES.get(categories, _NOTHING)


def is_negated_after(text: str, stem: str) -> bool:
    """True when every occurrence of ``stem`` in ``text`` is followed by a negation."""
    start = text.find(stem)
    if start == -1:
        return False
    while start != -1:
        end = start + len(stem)
        match = _NEGATION_AFTER.match(text, end)
        if match is None or any(c in text[end : match.end() + 2] for c in _CONDITIONS):
            return False
        start = text.find(stem, end)
    return True


def negated_mlask_weights(word: str, categories: frozenset[str], text: str) -> Weights | None:
    """For an ML-Ask word ML-Ask did not see negated: the weights it gets when it is negated in ``text``
    (嬉しくない → sadness, 怒ってない → nothing), else ``None``. Stems are the lemma less its last kana."""
    stem = word[:-1] if len(word) > 1 and "\u3041" <= word[-1] <= "\u3096" else word
    if not stem or not is_negated_after(text, stem):
        return None
    if categories & _PLEASANT and not categories & _UNPLEASANT:
        return NEGATED_PLEASANT
    return _NOTHING
