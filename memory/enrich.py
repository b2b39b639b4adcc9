"""What the engine computes for a memory besides its vector: emotions and an extractive summary."""

from __future__ import annotations

from memory.emotions.analyzer import EmotionAnalyzer
from memory.text.summary import summarize, summarize_turn
from memory.types import ContentType, Emotion, Kind, MemoryInput, Scope

_TEXTUAL = {ContentType.TEXT}


class Enricher:
    """Blocking; the engine runs it in a worker thread beside the embedding."""

    def __init__(self) -> None:
        self.analyzer = EmotionAnalyzer()

    def emotions_for(self, item: MemoryInput, kind: Kind) -> list[Emotion]:
        if item.emotions is not None:
            return list(item.emotions)
        if item.content_type not in _TEXTUAL:
            return []
        if kind is Kind.TURN:
            scores = self.analyzer.analyze_turn(item.user_message or "", item.ai_message)
        else:
            scores = self.analyzer.analyze(item.content or "")
        return [Emotion(s.label, round(float(s.score), 4)) for s in scores]

    def summary_for(self, item: MemoryInput, kind: Kind) -> str:
        if item.summary:
            return item.summary
        if kind is Kind.TURN:
            return summarize_turn(item.user_message or "", item.ai_message)
        if item.content_type not in _TEXTUAL:
            return (item.content or "")[:160]
        return summarize(item.content or "")

    def warm(self) -> None:
        """Load what the analysis loads on first use (simplemma's lemmas, the NRC lexicon, ML-Ask's
        indexed dictionaries), which a first save would otherwise wait for (0.15 s of CPU here, 1-2 s of
        wall time when the machine is busy)."""
        probe = MemoryInput(scope=Scope(), user_message="I was so happy walking the dogs :) 今日は楽しかった")
        self.enrich([(probe, Kind.TURN)])
        summarize("Warming up. 準備しています。")

    def enrich(self, items: list[tuple[MemoryInput, Kind]]) -> list[tuple[list[Emotion], str]]:
        return [(self.emotions_for(item, kind), self.summary_for(item, kind)) for item, kind in items]
