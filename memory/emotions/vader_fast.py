"""VADER's `polarity_scores` with its per-word loop trimmed: the library's scores, about a third of the time.

vaderSentiment 3.3 walks every character of a text to swap emoji for their descriptions and then calls
`sentiment_valence` for every word, which lower-cases the word and its neighbours again and again, only
to add 0 for the words it does not know: ~0.5 ms a chat line here, 40% of a turn's emotion analysis.
This subclass keeps the library's own steps and public parts (`BOOSTER_DICT`, `allcap_differential`,
`score_valence`) and skips only work whose result is known beforehand:

* a text without any single-character emoji the library knows is its own emoji-free text (the
  library's loop copies it character by character), so the loop is not run;
* a word that is not in the lexicon, or is a booster, adds 0 (what `sentiment_valence` and the booster
  check add for it), so no method call is made for it;
* a word in the lexicon gets `sentiment_valence`'s steps (the "no" and "least" negations, ALL CAPS, the
  boosters, negators and idioms of the three words before it) read off the text's words lower-cased
  once (`_valence`), where the library lower-cases every word of the text again for each of those
  checks (2.1M `str.lower` calls for LoCoMo's 5,882 turns);
* a text with "but" has its sentiments rescaled around it by the library's `_but_check`, ported as it is.

tests/test_emotion_speedups.py compares every score with the library's on LoCoMo's turns and our chat lines.
"""

from __future__ import annotations

from string import punctuation
from typing import Any

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    allcap_differential,
    scalar_inc_dec,
)

_NEGATORS = frozenset(NEGATE)


def _words_and_emoticons(text: str) -> list[str]:
    """`SentiText(text).words_and_emoticons`: each word with the punctuation around it stripped,
    unless that leaves two characters or fewer (an emoticon such as ":)")."""
    return [word if len(stripped := word.strip(punctuation)) <= 2 else stripped for word in text.split()]


def _negated(word: str) -> bool:
    """The library's `negated([word])` for one lower-cased word."""
    return word in _NEGATORS or "n't" in word


class FastVader(SentimentIntensityAnalyzer):  # type: ignore[misc]  # vaderSentiment ships no type hints
    """A drop-in `SentimentIntensityAnalyzer`: same lexicons, same results. Read-only after init."""

    def __init__(self) -> None:
        super().__init__()
        self._emoji_chars = frozenset(key for key in self.emojis if len(key) == 1)

    def polarity_scores(self, text: str) -> dict[str, float]:
        if not self._emoji_chars.isdisjoint(text):  # emoji to swap for words: the library's loop does it
            return dict(super().polarity_scores(text))
        text = text.strip()
        words = _words_and_emoticons(text)
        lowered = [word.lower() for word in words]
        lexicon = self.lexicon
        last = len(lowered) - 1
        sentiments: list[Any] = []
        is_cap_diff: bool | None = None  # SentiText's, worked out for the first lexicon word
        for i, word in enumerate(lowered):
            if word not in lexicon or word in BOOSTER_DICT or (word == "kind" and i < last and lowered[i + 1] == "of"):
                sentiments.append(0)  # what the library appends for it
                continue
            if is_cap_diff is None:
                is_cap_diff = bool(allcap_differential(words))
            sentiments.append(self._valence(words, lowered, i, is_cap_diff))
        if "but" in lowered:
            _but_check(lowered, sentiments)
        return dict(self.score_valence(sentiments, text))

    def _valence(self, words: list[str], lowered: list[str], i: int, is_cap_diff: bool) -> Any:
        """`sentiment_valence` for the lexicon word at `i`, step for step, on the lower-cased words."""
        lexicon = self.lexicon
        word = lowered[i]
        valence = lexicon[word]
        if word == "no" and i != len(words) - 1 and lowered[i + 1] in lexicon:
            valence = 0.0
        if (i > 0 and lowered[i - 1] == "no") or (i > 1 and lowered[i - 2] == "no") \
                or (i > 2 and lowered[i - 3] == "no" and lowered[i - 1] in ["or", "nor"]):
            valence = lexicon[word] * N_SCALAR
        if words[i].isupper() and is_cap_diff:
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for start_i in range(3):
            before = i - (start_i + 1)
            if i > start_i and lowered[before] not in lexicon:
                s = scalar_inc_dec(words[before], valence, is_cap_diff) if lowered[before] in BOOSTER_DICT else 0.0
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lowered, start_i, i)
                if start_i == 2:
                    valence = _special_idioms_check(valence, lowered, i)
        return _least_check(valence, lowered, i, lexicon)


def _negation_check(valence: Any, low: list[str], start_i: int, i: int) -> Any:
    """The library's `_negation_check` on lower-cased words."""
    if start_i == 0:
        if _negated(low[i - 1]):
            valence = valence * N_SCALAR
    if start_i == 1:
        if low[i - 2] == "never" and (low[i - 1] == "so" or low[i - 1] == "this"):
            valence = valence * 1.25
        elif low[i - 2] == "without" and low[i - 1] == "doubt":
            pass
        elif _negated(low[i - 2]):
            valence = valence * N_SCALAR
    if start_i == 2:
        if low[i - 3] == "never" and (low[i - 2] == "so" or low[i - 2] == "this") or \
                (low[i - 1] == "so" or low[i - 1] == "this"):
            valence = valence * 1.25
        elif low[i - 3] == "without" and (low[i - 2] == "doubt" or low[i - 1] == "doubt"):
            pass
        elif _negated(low[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: Any, low: list[str], i: int) -> Any:
    """The library's `_special_idioms_check` on lower-cased words (only called with i > 2)."""
    onezero = f"{low[i - 1]} {low[i]}"
    twoonezero = f"{low[i - 2]} {low[i - 1]} {low[i]}"
    twoone = f"{low[i - 2]} {low[i - 1]}"
    threetwoone = f"{low[i - 3]} {low[i - 2]} {low[i - 1]}"
    threetwo = f"{low[i - 3]} {low[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(low) - 1 > i:
        zeroone = f"{low[i]} {low[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if len(low) - 1 > i + 1:
        zeroonetwo = f"{low[i]} {low[i + 1]} {low[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _but_check(low: list[str], sentiments: list[Any]) -> None:
    """The library's `_but_check`, as it is: the sentiments before the first "but" halved, those after it
    times 1.5, each found again by `index` (so a value that recurs is rescaled where it first occurs)."""
    bi = low.index("but")
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)


def _least_check(valence: Any, low: list[str], i: int, lexicon: dict[str, float]) -> Any:
    """The library's `_least_check` on lower-cased words."""
    if i > 1 and low[i - 1] not in lexicon and low[i - 1] == "least":
        if low[i - 2] != "at" and low[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and low[i - 1] not in lexicon and low[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence
