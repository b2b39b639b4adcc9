"""Offline emotion tagging for chat turns (Japanese, English and mixed).

Why offline lexicons: memories are tagged on every turn from a worker thread,
so this must cost milliseconds and never download anything. Sources:

* Japanese runs: ML-Ask (pymlask) on the ipadic dictionary
  (``MLAsk(ipadic.MECAB_ARGS)``; with unidic its lemma lookups find nothing), as
  ``memory.emotions.mlask_fast.FastMLAsk``: the same results, its dictionary scans indexed.
  Its contextual valence shifters already flip negated words (楽しくない → 厭).
* Latin words: the NRC EmoLex via ``NRCLex.load_token_list`` (its TextBlob
  path needs corpora we do not have), fed simplemma lemmas; VADER's compound
  valence confirms or contradicts each label's valence.
* Curated cues (``cues.py``) for chat words both lexicons miss, emoji,
  emoticons and laughter (www, 笑, 草, lol); kaomoji read by their parts
  (``kaomoji.py``) and taken out of the text before the rest looks at it.
* Negation (``negation.py``): a negated pleasant word (嬉しくない, didn't
  enjoy) is sadness, a negated unpleasant one (怒ってない) no emotion.

Score computation (all in one pass over the text):

1. Evidence. Each emotive word adds one unit, split over its labels: an
   ML-Ask word found in k categories adds 1/k to each; a cue adds its weights
   (summing to 1); an NRC word adds 0.6 split over its emotions (NRC is noisy
   and multi-label, so it counts less than a curated cue); each emoji or
   kaomoji adds 0.8 (at most two repeats each). English words within three
   words after a negator (not, never, don't…) add nothing; VADER then carries
   the polarity. English evidence is multiplied by a valence factor from the
   VADER compound c: 1+|c| when c agrees with the label's valence, max(0.15,
   1-|c|) when it contradicts (squared for NRC hits: homework → fear in "can
   you help me with my homework?"), 1 for neutral labels (surprise). When
   |c| < 0.05 VADER saw no sentiment: cue words keep weight 1 but NRC hits get
   0.2, since they are then mostly connotations of neutral words (time →
   anticipation). If the English part has content words but no evidence and
   |c| ≥ 0.4, 0.5·|c| goes to joy or sadness.
2. Strength. With E the total evidence, strength = 1 - exp(-E/1.2) (one
   clear word ≈ 0.57, two ≈ 0.81) plus 0.08 per emphasis unit (!!, ALL CAPS,
   sooo, ML-Ask emotive markers), at most +0.24, capped at 1.
3. Score of a label = strength × its evidence / the top label's evidence, so
   the dominant emotion carries the strength and the rest are proportional.
   Labels under 0.2, or under half the top label's evidence, are dropped;
   neutral text gives ``[]``. ``make bench-emotions`` measures the labels on
   our labelled chat lines (bench/emotions/).

``analyze_turn`` combines user u and AI a scores as u + 0.3·a·(1-u): the
memory is about the user, the AI's tone only nudges it.

MeCab taggers are not thread-safe, so each thread gets its own ML-Ask
tagger (under 1 ms to create, once per thread); ML-Ask's indexed
dictionaries, VADER and the lexicons are read-only after loading and are shared.
"""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import ipadic
from nrclex import NRCLex

from memory.emotions import cues, kaomoji, negation
from memory.emotions.labels import EMOTIONS, MLASK_TO_KEY, NRC_TO_KEY, ja_name, valence
from memory.emotions.mlask_fast import FastMLAsk
from memory.emotions.vader_fast import FastVader
from memory.text.tokenize import Token, is_japanese, normalize, tokenize

__all__ = ["EmotionAnalyzer", "EmotionScore", "analyze", "analyze_turn", "default_analyzer"]

MIN_SCORE = 0.2
MAX_ANALYZE_CHARS = 4000  # Discord's message cap; longer text is analysed by its head only
NRC_WEIGHT = 0.6
STRENGTH_SCALE = 1.2
EMPHASIS_STEP = 0.08
EMPHASIS_MAX_UNITS = 3.0
AI_WEIGHT = 0.3
VADER_NEUTRAL = 0.05
NRC_UNCONFIRMED = 0.2
VADER_FALLBACK = 0.4
RELATIVE_MIN = 0.5  # a label under half the top label's evidence is noise beside it

_ORDER = {key: i for i, key in enumerate(EMOTIONS)}
_PHRASE_ENDS = frozenset(second for _, second in cues.EN_PHRASE_CUES)  # a phrase needs one of these last
_JA_STRIP = re.compile(
    "[\u3005-\u3007\u3041-\u3096\u3099-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)


@dataclass(frozen=True, slots=True)
class EmotionScore:
    """One label (a key from ``labels.EMOTIONS``) with its score in 0..1."""

    label: str
    score: float

    @property
    def ja(self) -> str:
        """Japanese display name (喜び)."""
        return ja_name(self.label)


class _Evidence:
    """Accumulates weighted evidence per label plus emphasis units."""

    __slots__ = ("emphasis", "raw")

    def __init__(self) -> None:
        self.raw: defaultdict[str, float] = defaultdict(float)
        self.emphasis = 0.0

    def add(self, weights: Mapping[str, float], factor: float = 1.0) -> None:
        for label, weight in weights.items():
            self.raw[label] += weight * factor

    def merge(self, other: _Evidence, factor: float = 1.0) -> None:
        for label, weight in other.raw.items():
            self.raw[label] += weight * factor
        self.emphasis += other.emphasis


def _valence_factor(label: str, compound: float, *, curated: bool) -> float:
    """How much VADER's compound confirms (>1) or contradicts (<1) a label.

    When VADER sees no sentiment at all, NRC hits are mostly connotations of
    neutral words (time → anticipation, school → trust), so they are damped
    hard; curated cue words are emotive by construction and keep full weight.
    """
    if abs(compound) < VADER_NEUTRAL:
        return 1.0 if curated else NRC_UNCONFIRMED
    sign = valence(label)
    if sign == 0:
        return 1.0
    if (compound > 0) == (sign > 0):
        return 1.0 + abs(compound)
    contradicted = max(0.15, 1.0 - abs(compound))
    return contradicted if curated else contradicted**2


def _sorted_scores(scores: Mapping[str, float], min_score: float) -> list[EmotionScore]:
    kept = [EmotionScore(label, round(min(1.0, score), 4)) for label, score in scores.items() if score >= min_score]
    kept.sort(key=lambda s: (-s.score, _ORDER[s.label]))
    return kept


class EmotionAnalyzer:
    """Blocking, thread-safe emotion tagger; create once and share."""

    def __init__(self, *, min_score: float = MIN_SCORE, ai_weight: float = AI_WEIGHT) -> None:
        if not 0.0 <= min_score <= 1.0:
            raise ValueError("min_score must be within 0..1")
        if not 0.0 <= ai_weight <= 1.0:
            raise ValueError("ai_weight must be within 0..1")
        self.min_score = min_score
        self.ai_weight = ai_weight
        self._local = threading.local()
        self._vader = FastVader()  # read-only after init: shared

    # ------------------------------------------------------------------ public

    def analyze(self, text: str) -> list[EmotionScore]:
        """Emotions in one message, strongest first; ``[]`` for neutral text."""
        return _sorted_scores(self._scores(text), self.min_score)

    def analyze_turn(self, user_message: str, ai_message: str | None) -> list[EmotionScore]:
        """Emotions of a turn, weighting the user's message over the AI's (u + w·a·(1-u))."""
        user = self._scores(user_message)
        ai = self._scores(ai_message) if ai_message else {}
        combined = dict(user)
        for label, score in ai.items():
            base = combined.get(label, 0.0)
            combined[label] = base + self.ai_weight * score * (1.0 - base)
        return _sorted_scores(combined, self.min_score)

    # ------------------------------------------------------------------ scoring

    def _scores(self, text: str) -> dict[str, float]:
        """Unfiltered label → score for one message."""
        if not text or not text.strip():
            return {}
        text = text[:MAX_ANALYZE_CHARS]
        face_evidence, text = kaomoji.extract(text, unit=cues.SYMBOL_WEIGHT)
        folded = normalize(text)
        evidence = _Evidence()
        evidence.add(face_evidence)
        if is_japanese(folded):
            evidence.merge(self._japanese(folded))
        evidence.merge(self._english(folded))
        evidence.add(cues.symbol_weights(text))
        evidence.emphasis += cues.emphasis_units(text)
        total = sum(evidence.raw.values())
        if total <= 0.0:
            return {}
        bonus = EMPHASIS_STEP * min(EMPHASIS_MAX_UNITS, evidence.emphasis)
        strength = min(1.0, 1.0 - math.exp(-total / STRENGTH_SCALE) + bonus)
        top = max(evidence.raw.values())
        return {
            label: strength * weight / top
            for label, weight in evidence.raw.items()
            if weight > 0.0 and weight >= RELATIVE_MIN * top
        }

    def _mlask(self) -> FastMLAsk:
        """Per-thread ML-Ask (its MeCab tagger must not be shared across threads)."""
        analyzer = getattr(self._local, "mlask", None)
        if analyzer is None:
            analyzer = FastMLAsk(ipadic.MECAB_ARGS)
            self._local.mlask = analyzer
        return analyzer

    def _japanese(self, text: str) -> _Evidence:
        """ML-Ask categories (with a few word overrides) plus Japanese cue substrings."""
        evidence = _Evidence()
        result = self._mlask().analyze(text)
        if result.emotion:
            classes_of: dict[str, list[str]] = defaultdict(list)
            for category, words in result.emotion.items():
                for word in words:
                    classes_of[word].append(category)
            for word, categories in classes_of.items():
                if word.endswith("*CVS"):  # negated by ML-Ask itself
                    evidence.add(negation.cvs_weights(frozenset(categories)))
                    continue
                negated_weights = negation.negated_mlask_weights(word, frozenset(categories), text)
                if negated_weights is not None:
                    evidence.add(negated_weights)
                    continue
                override = cues.MLASK_WORD_OVERRIDES.get(word)
                if override is not None:  # "*CVS" (negated) words never match an override
                    evidence.add(override)
                    continue
                share = 1.0 / len(categories)
                for category in categories:
                    evidence.raw[MLASK_TO_KEY[category]] += share
            evidence.emphasis += 0.5 * result.intension
        for cue, weights in cues.JA_CUES:
            start = text.find(cue)
            while start != -1:
                end = start + len(cue)
                blocked = cues.JA_CUE_BLOCKED_BEFORE.get(cue, ())
                negated = cues.JA_NEGATION_AFTER.match(text, end) is not None
                other_word = text.startswith(cues.JA_CUE_BLOCKED_AFTER.get(cue, ()), end)
                if not negated and not other_word and not (start > 0 and text[start - 1] in blocked):
                    evidence.add(weights)
                start = text.find(cue, end)
        return evidence

    def _english(self, text: str) -> _Evidence:
        """Cue words and NRC EmoLex on Latin words, weighted by VADER valence."""
        evidence = _Evidence()
        tokens = [token for token in tokenize(text) if not token.japanese]
        if not any(token.content and token.surface not in cues.NRC_IGNORED for token in tokens):
            return evidence  # no English words, or only chat words that carry no emotion (Discord)
        nrc_words: list[tuple[str, str]] = []
        negated_cue = False
        last_negator = -cues.EN_NEGATION_WINDOW - 1  # where the latest negator was: most windows hold none
        for i, token in enumerate(tokens):
            if i > 0 and (token.surface in _PHRASE_ENDS or token.base in _PHRASE_ENDS):
                prev = tokens[i - 1]
                phrase = cues.EN_PHRASE_CUES.get((prev.surface, token.surface)) or cues.EN_PHRASE_CUES.get(
                    (prev.base, token.base)
                )
                if phrase is not None:
                    evidence.add(phrase)
                    if token.surface in cues.EN_NEGATORS:
                        last_negator = i
                    continue
            negated = i - last_negator <= cues.EN_NEGATION_WINDOW and _negated(
                tokens[max(0, i - cues.EN_NEGATION_WINDOW) : i])
            if token.surface in cues.EN_NEGATORS:
                last_negator = i
            cue = cues.EN_CUES.get(token.surface) or cues.EN_CUES.get(token.base)
            if cue is not None:
                if not negated:
                    evidence.add(cue)
                elif all(valence(label) > 0 for label in cue):  # "didn't enjoy" is disappointment
                    evidence.add(negation.NEGATED_PLEASANT)
                negated_cue = negated_cue or negated
                continue
            if token.content and not negated and token.surface not in cues.NRC_IGNORED:
                nrc_words.append((token.surface, token.base))
        nrc_evidence = _Evidence()
        for surface, base in nrc_words:
            categories = _nrc_categories(surface) or _nrc_categories(base)
            if categories:
                labels = [NRC_TO_KEY[c] for c in categories if c in NRC_TO_KEY and c not in cues.NRC_SKIPPED]
                for label in labels:
                    nrc_evidence.raw[label] += NRC_WEIGHT / len(labels)
        compound = float(self._vader.polarity_scores(_JA_STRIP.sub(" ", text))["compound"])
        if not evidence.raw and not nrc_evidence.raw and not negated_cue and abs(compound) >= VADER_FALLBACK:
            evidence.raw["joy" if compound > 0 else "sadness"] += 0.5 * abs(compound)
        for label in list(evidence.raw):
            evidence.raw[label] *= _valence_factor(label, compound, curated=True)
        for label, weight in nrc_evidence.raw.items():
            evidence.raw[label] += weight * _valence_factor(label, compound, curated=False)
        return evidence


@lru_cache(maxsize=65536)
def _nrc_categories(word: str) -> tuple[str, ...]:
    """NRC EmoLex's categories of one word (cached: the lexicon is fixed and chat repeats its words; an
    NRCLex per text cost ~15 us a turn). NRCLex keeps per-text state, so each lookup has its own."""
    nrc = NRCLex(None)
    nrc.load_token_list([word])
    return tuple(nrc.affect_dict.get(word) or ())


def _negated(window: list[Token]) -> bool:
    """A negator in the few words before, unless a comparison follows it ("never been this happy")."""
    for j, prev in enumerate(window):
        if prev.surface in cues.EN_NEGATORS:
            return not any(later.surface in cues.EN_NEGATION_BREAKERS for later in window[j + 1 :])
    return False


_default: EmotionAnalyzer | None = None
_default_lock = threading.Lock()


def default_analyzer() -> EmotionAnalyzer:
    """Process-wide shared analyzer, created on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = EmotionAnalyzer()
    return _default


def analyze(text: str) -> list[EmotionScore]:
    """``default_analyzer().analyze(text)``."""
    return default_analyzer().analyze(text)


def analyze_turn(user_message: str, ai_message: str | None) -> list[EmotionScore]:
    """``default_analyzer().analyze_turn(...)``: the user's message weighs more than the AI's."""
    return default_analyzer().analyze_turn(user_message, ai_message)
