"""`python -m bench.emotions`: what emotion tagging costs a save, per kind of text, and ML-Ask's share.

Rows: `EmotionAnalyzer.analyze` p50/p95 per text (Japanese, English, mixed, neutral) after a warm-up,
then ML-Ask alone: pymlask's own `MLAsk.analyze` beside `memory.emotions.mlask_fast.FastMLAsk` (the same
results, tests/test_emotions.py compares them) on the Japanese texts. The analyzer runs on every save,
from a worker thread beside the embedding: a few milliseconds at most (the tests asserted < 25 ms once;
timing lives here now, the tests assert what it finds).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import date

import ipadic
from mlask import MLAsk

from bench.table import Table
from memory.emotions.analyzer import EmotionAnalyzer
from memory.emotions.mlask_fast import FastMLAsk

TEXTS = {
    "Japanese": "今日はとても楽しかった！",
    "Japanese, negated": "彼女のことが嫌いではない！(;´Д`)",
    "English": "I love this, thank you so much!",
    "mixed": "今日はcoworkerにめっちゃ怒られて、so sad",
    "neutral": "The meeting is at 3pm.",
}
TARGET_MS = 25.0  # per call, on a slow CI machine; a few ms on a laptop


def timings_ms(fn: Callable[[str], object], text: str, runs: int) -> list[float]:
    fn(text)  # warm caches (MeCab, simplemma, lexicons)
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - t) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=500, help="calls per text")
    args = parser.parse_args()
    analyzer = EmotionAnalyzer()
    table = Table(["what", "p50", "p95", "note"])
    for kind, text in TEXTS.items():
        t = timings_ms(analyzer.analyze, text, args.runs)
        verdict = "ok" if p(t, 95) < TARGET_MS else "OVER"
        table.add(f"analyze: {kind}", f"{p(t, 50):.3f} ms", f"{p(t, 95):.3f} ms",
                  f"target < {TARGET_MS:.0f} ms: {verdict}")
    japanese = [text for kind, text in TEXTS.items() if kind.startswith("Japanese")]
    for name, ml in (("pymlask MLAsk", MLAsk(ipadic.MECAB_ARGS)), ("FastMLAsk", FastMLAsk(ipadic.MECAB_ARGS))):
        t = [ms for text in japanese for ms in timings_ms(ml.analyze, text, args.runs)]
        table.add(f"ML-Ask alone: {name}", f"{p(t, 50):.3f} ms", f"{p(t, 95):.3f} ms", "Japanese texts")
    print(f"\nOmoide emotion benchmark, {date.today()}, {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {args.runs} calls per text\n")
    print(table.render())


if __name__ == "__main__":
    main()
