"""What the worker asks of every system: add rows to a cube, search a cube, close."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np


@dataclass(slots=True)
class Rows:
    """A batch of turns for one cube, in order (the vectors are the staged ones)."""

    ids: list[str]
    vectors: np.ndarray
    texts: list[str]  # the turn's own words
    speakers: list[str]
    sessions: list[str]
    created: list[str | None] = field(default_factory=list)  # ISO dates (LoCoMo's sessions), or empty

    def labelled(self) -> list[str]:
        """What a peer stores as the document: "Speaker: words" (as LoCoMo writes a turn)."""
        return [f"{s}: {t}" for s, t in zip(self.speakers, self.texts, strict=True)]


@dataclass(slots=True)
class Found:
    hits: list[list[str]]  # per result, the dataset turn ids it holds (Omoide can merge near-duplicates)
    ms: float  # the search call alone
    embed_ms: float | None = None  # Omoide as itself: the raw model's query embedding, timed just before


class Store(Protocol):
    def add(self, cube: str, rows: Rows) -> None: ...

    def fill(self, cube: str, rows: Rows) -> None:
        """Bulk path for the scale phase's remainder (store-side search only needs the rows there)."""
        ...

    def prepare(self, cube: str) -> None:
        """Whatever a running application does before its first search of a cube."""
        ...

    def search(self, cube: str, vector: np.ndarray, text: str, k: int) -> Found: ...

    def close(self) -> None: ...


class Simple:
    """Defaults for stores whose fill is their add and that need no preparation."""

    def add(self, cube: str, rows: Rows) -> None:
        raise NotImplementedError

    def fill(self, cube: str, rows: Rows) -> None:
        self.add(cube, rows)

    def prepare(self, cube: str) -> None:
        return None

    def close(self) -> None:
        return None


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - started) * 1000


def safe_name(cube: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in cube)


Factory = Callable[[str, Path, dict[str, Any]], Store]  # (system name, work dir, options) -> store
