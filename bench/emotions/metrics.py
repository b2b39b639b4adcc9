"""Multi-label scores: per-label precision/recall/F1, macro- and micro-F1, and how often neutral lines stay empty."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from memory.emotions.labels import EMOTIONS


@dataclass(frozen=True, slots=True)
class LabelScore:
    support: int  # lines whose gold labels include it
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Report:
    per_label: dict[str, LabelScore]
    neutral_lines: int
    neutral_empty: int  # neutral lines given no label at all
    lines: int
    ms_per_text: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the labels present in the gold set of this split (a label nobody used is not scored)."""
        scored = [s.f1 for s in self.per_label.values() if s.support]
        return sum(scored) / len(scored) if scored else 0.0

    @property
    def micro_f1(self) -> float:
        correct = sum(s.correct for s in self.per_label.values())
        predicted = sum(s.predicted for s in self.per_label.values())
        support = sum(s.support for s in self.per_label.values())
        p = correct / predicted if predicted else 0.0
        r = correct / support if support else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def neutral_empty_rate(self) -> float:
        return self.neutral_empty / self.neutral_lines if self.neutral_lines else 0.0


def score(pairs: Iterable[tuple[frozenset[str], Sequence[str]]], ms_per_text: float = 0.0) -> Report:
    """``pairs`` are (gold labels, predicted labels) per line."""
    support = dict.fromkeys(EMOTIONS, 0)
    predicted = dict.fromkeys(EMOTIONS, 0)
    correct = dict.fromkeys(EMOTIONS, 0)
    neutral = neutral_empty = lines = 0
    for gold, guess in pairs:
        lines += 1
        guessed = set(guess)
        for label in gold:
            support[label] += 1
        for label in guessed:
            predicted[label] += 1
            correct[label] += label in gold
        if not gold:
            neutral += 1
            neutral_empty += not guessed
    per_label = {k: LabelScore(support[k], predicted[k], correct[k]) for k in EMOTIONS}
    return Report(per_label, neutral, neutral_empty, lines, ms_per_text)
