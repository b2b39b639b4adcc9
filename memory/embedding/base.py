"""The small interface every embedding backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """A blocking text encoder; the engine calls it from a worker thread.

    ``model_id`` and ``dim`` are stored with every vector so that vectors of different models are
    never mixed. ``query_prefix``/``passage_prefix`` are prepended by the engine (e5 wants them).
    """

    model_id: str
    dim: int
    query_prefix: str
    passage_prefix: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 vectors of shape (len(texts), dim), each L2-normalised."""
        ...
