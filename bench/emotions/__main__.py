"""`make bench-emotions` / `python -m bench.emotions`: how right the emotion labels are, beside a baseline.

Scores the analyzer the engine stores emotions with (every label ``analyze`` returns counts as
predicted) and the raw lexicons (bench/emotions/baseline.py) on our labelled chat lines, per split:
tune on ``dev``; ``held-out`` is only ever printed as totals. Per-text time is the mean over the whole
set in the fastest of seven passes after a warm-up pass (the machine is shared).

    python -m bench.emotions            # summary + per-label tables
    python -m bench.emotions --errors   # also the analyzer's mistakes on dev lines (never held-out)
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable, Sequence
from datetime import date

from bench.emotions import SPLITS, Line, load
from bench.emotions.baseline import RawLexicons
from bench.emotions.metrics import Report, score
from bench.table import Table, pct
from memory.emotions.analyzer import EmotionAnalyzer
from memory.emotions.labels import EMOTIONS

Labeler = Callable[[str], Sequence[str]]
TIMING_PASSES = 7  # the fastest pass is reported: other processes share these cores


def run(labeler: Labeler, lines: list[Line]) -> tuple[dict[str, list[str]], float]:
    """Predicted labels per line id, and the mean ms per text in the fastest timed pass."""
    predicted = {line.id: list(labeler(line.text)) for line in lines}
    passes = []
    for _ in range(TIMING_PASSES):
        started = time.perf_counter()
        for line in lines:
            labeler(line.text)
        passes.append((time.perf_counter() - started) * 1000 / len(lines))
    return predicted, min(passes)


def reports(predicted: dict[str, list[str]], ms: float, lines: list[Line]) -> dict[str, Report]:
    out = {split: score([(x.labels, predicted[x.id]) for x in lines if x.split == split], ms) for split in SPLITS}
    out["all"] = score([(x.labels, predicted[x.id]) for x in lines], ms)
    return out


def f(x: float) -> str:
    return f"{x:.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", action="store_true", help="print the analyzer's mistakes on dev lines")
    args = parser.parse_args(argv)

    lines = load()
    analyzer = EmotionAnalyzer()
    analyzer.warm_up()
    raw = RawLexicons()
    systems: dict[str, Labeler] = {
        "raw lexicons (baseline)": raw.labels,
        "analyzer": lambda text: [s.label for s in analyzer.analyze(text)],
    }
    results = {name: run(labeler, lines) for name, labeler in systems.items()}
    scored = {name: reports(pred, ms, lines) for name, (pred, ms) in results.items()}

    counts = {split: sum(1 for x in lines if x.split == split) for split in SPLITS}
    neutral = {split: sum(1 for x in lines if x.split == split and not x.labels) for split in SPLITS}
    ja = sum(1 for x in lines if x.lang == "ja")
    print(f"# Emotion labels on {len(lines)} chat lines ({ja} Japanese, {len(lines) - ja} English; "
          + ", ".join(f"{s} {counts[s]} with {neutral[s]} neutral" for s in SPLITS)
          + f"), {date.today()}, {platform.machine()}, Python {platform.python_version()}\n")

    summary = Table(["system", "split", "macro-F1", "micro-F1", "neutral lines left empty", "ms / text"])
    for name, by_split in scored.items():
        for split in (*SPLITS, "all"):
            r = by_split[split]
            summary.add(name, split, f(r.macro_f1), f(r.micro_f1),
                        f"{pct(r.neutral_empty_rate)} ({r.neutral_empty}/{r.neutral_lines})", f"{r.ms_per_text:.3f}")
    print(summary.render())

    for split in SPLITS:
        print(f"\n## Per label, {split} (P / R / F1)\n")
        header = ["label", "n"] + list(scored)
        table = Table(header)
        for label in EMOTIONS:
            cells = [label, str(scored["analyzer"][split].per_label[label].support)]
            for by_split in scored.values():
                s = by_split[split].per_label[label]
                cells.append(f"{f(s.precision)} / {f(s.recall)} / {f(s.f1)}")
            table.add(*cells)
        print(table.render())

    if args.errors:
        predicted = results["analyzer"][0]
        print("\n## Analyzer mistakes on dev lines (gold -> predicted)\n")
        for line in lines:
            if line.split == "dev" and set(predicted[line.id]) != line.labels:
                gold = ",".join(sorted(line.labels)) or "-"
                print(f"{line.id}  {gold:<22} -> {','.join(predicted[line.id]) or '-':<30} {line.text}")


if __name__ == "__main__":
    main()
