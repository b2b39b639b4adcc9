"""Emotion labelling benchmark: our own labelled chat lines (bench/emotions/chat_lines.jsonl, see README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("chat_lines.jsonl")
SPLITS = ("dev", "held-out")


@dataclass(frozen=True, slots=True)
class Line:
    id: str
    lang: str
    split: str
    text: str
    labels: frozenset[str]


def load(path: Path = DATA) -> list[Line]:
    """Every labelled line; ``split`` is ``dev`` (tune on it) or ``held-out`` (only ever read as totals)."""
    lines = []
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            if raw.strip():
                row = json.loads(raw)
                lines.append(Line(row["id"], row["lang"], row["split"], row["text"], frozenset(row["labels"])))
    return lines
